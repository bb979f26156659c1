// TTL for key-value stores (beyond Kafka Streams): a key expires `ttl` after its last write,
// by event time (the store's stream time: the largest record timestamp written) or by the
// wall clock.
//
// Layout: every value below this layer is prefixed with the 8-byte big-endian time of its
// last write, so the changelog carries it and a restored store knows when each key is due.
// Expiry is driven by an in-memory (time, key) index — built once from the store when first
// used (after restore), then kept up to date by every write — never by scanning. An expired
// key is deleted through the layers below (cache -> change-logging), so its deletion reaches
// the changelog as a tombstone and a restore cannot resurrect it; the expiry listener tells
// downstream processors. Keys that are due but not yet swept are already invisible to reads.
// Sweeps run on every write and on flush() (commit); the task also sweeps wall-clock TTL
// stores on its wall-clock tick, so an idle partition still expires its keys.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "eddy/state/bytes_stores.h"
#include "eddy/state/stores.h"
#include "state/layered_store.h"
#include "state/store_metrics.h"
#include "state/versioned_store.h"

namespace eddy::state {

class TtlKeyValueStore final : public BytesKeyValueStore, public LayeredStore {
 public:
  // `expiring_at`: while an expiry's deletion goes down, holds its expiry time; the layers
  // below read their record timestamp through it (see expiry_aware_timestamp()), so the
  // changelog tombstone and a cache's flushed deletion carry the expiry time, not the time
  // of whatever record or commit triggered the sweep. Null: not shared with the layers below.
  TtlKeyValueStore(std::unique_ptr<BytesKeyValueStore> inner, TtlOptions options,
                   std::function<int64_t()> record_timestamp, std::function<int64_t()> wall_clock,
                   std::shared_ptr<std::optional<int64_t>> expiring_at = nullptr);

  const std::string& name() const override { return inner_->name(); }
  bool persistent() const override { return inner_->persistent(); }
  void flush() override;
  void close() override { inner_->close(); }
  StateStore* wrapped() const override { return inner_.get(); }
  bool set_cache_flush_listener(CacheFlushListener listener, bool send_old_values) override;
  bool set_expiry_listener(ExpiryListener listener) override {
    expiry_listener_ = std::move(listener);
    return true;
  }

  std::optional<Bytes> get(std::string_view key) override;
  void put(std::string_view key, std::optional<std::string_view> value) override;
  std::unique_ptr<KeyValueIterator> range(std::optional<std::string_view> from,
                                          std::optional<std::string_view> to) override;
  uint64_t approximate_num_entries() override { return inner_->approximate_num_entries(); }

  // Deletes every key that is due now; returns how many. Called by put() and flush(); the
  // runtime may call it from a punctuation for wall-clock TTL on idle partitions.
  size_t expire_due();
  uint64_t expired_count() const { return expired_; }
  // Where to count expiries for the metrics layer (the metered layer's StoreMetrics).
  void count_expiries_in(StoreMetrics* metrics) { metrics_ = metrics; }

 private:
  int64_t now() const;
  void ensure_index();
  void index(std::string_view key, int64_t written_at);
  void unindex(std::string_view key);

  std::unique_ptr<BytesKeyValueStore> inner_;
  TtlOptions options_;
  std::function<int64_t()> record_timestamp_;
  std::function<int64_t()> wall_clock_;
  bool indexed_ = false;
  int64_t stream_time_ = 0;
  std::set<std::pair<int64_t, Bytes>> by_time_;
  std::unordered_map<Bytes, int64_t> written_at_;
  ExpiryListener expiry_listener_;
  uint64_t expired_ = 0;
  StoreMetrics* metrics_ = nullptr;
  Bytes scratch_;
  std::shared_ptr<std::optional<int64_t>> expiring_at_;
};

// The record timestamp for the layers below a TTL layer: the expiry time while an expiry's
// deletion goes down, else `record_timestamp` (0 when unset).
inline std::function<int64_t()> expiry_aware_timestamp(
    std::function<int64_t()> record_timestamp,
    std::shared_ptr<std::optional<int64_t>> expiring_at) {
  return [record_timestamp = std::move(record_timestamp), expiring_at = std::move(expiring_at)] {
    if (*expiring_at) return **expiring_at;
    return record_timestamp ? record_timestamp() : int64_t{0};
  };
}

// Sweeps the TTL layer of `store`'s stack, if it has one (for a wall-clock punctuation on
// an idle partition, where no write or commit would). Returns how many keys expired.
inline size_t expire_due_keys(StateStore& store) {
  if (auto* versioned = find_layer<VersionedStore>(store)) return versioned->expire_due();
  auto* ttl = find_layer<TtlKeyValueStore>(store);
  return ttl != nullptr ? ttl->expire_due() : 0;
}

}  // namespace eddy::state
