// A versioned key-value store (eddy/state/versioned_key_value_store.h) over an ordered
// byte-level key-value store (RocksDB or memory). It is the whole stack of a versioned store:
// it counts its operations (the metered layer), logs each version it accepts to the changelog
// (key, value or tombstone, stamped with the version's timestamp, as Kafka Streams'
// versioned changelogs) and locks itself when queries may read it from other threads.
//
// Layout in the inner store (keys sort by these bytes; timestamps are >= 0):
//   latest   0x00 key                                  -> [8 valid-from][value]
//   history  0x01 [4 key length] key [8 valid-to]      -> [8 valid-from][1 has value][value]
//   index    0x02 [8 expiry] [4 key length] key [8 valid-to] -> ""
//   time     0x03                                      -> [8 observed stream time]
//   written  0x04 key                                  -> [8 wall-clock ms] (wall-clock TTL)
// A key's versions form a timeline: the latest value (if the key has one) and its older
// versions, each valid until the next one's timestamp, found by one seek (the first history
// entry whose valid-to is after the time asked). A delete is a history entry without value;
// one that is the key's newest version is valid to "forever" (valid-to INT64_MAX). The index
// orders history entries by when they stop mattering (valid-to; a trailing delete's
// valid-from), so those older than stream time - history retention are dropped in order.
//
// The rules (what put answers, what a read sees) are Kafka Streams' RocksDBVersionedStore's;
// one quirk is kept: a delete at the very timestamp of a key's only version forgets it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "eddy/state/stores.h"
#include "eddy/state/versioned_key_value_store.h"
#include "state/changelog.h"
#include "state/decorators/change_logging_stores.h"
#include "state/layered_store.h"
#include "state/store_metrics.h"

namespace eddy::state {

class VersionedStore final : public BytesVersionedKeyValueStore,
                             public LayeredStore,
                             public RestoreTarget {
 public:
  struct Options {
    int64_t history_retention_ms = 0;
    std::optional<ChangelogTarget> changelog;  // unset: not logged
    // The timestamp of the record being processed: a delete through put(key, nullopt) is a
    // version from then on.
    std::function<int64_t()> record_timestamp;
    bool locking = false;  // queries may read it from other threads
    // Set: a key whose latest value is older than the TTL is deleted (a delete version; see
    // expire_due()). Wall clock: `wall_clock` (ms since the epoch).
    std::optional<TtlOptions> ttl;
    std::function<int64_t()> wall_clock;
  };
  // `inner_restore`: the inner store's restore side (local state, persistence), or null.
  VersionedStore(std::unique_ptr<BytesKeyValueStore> inner, RestoreTarget* inner_restore,
                 Options options);

  StoreMetrics& metrics() { return metrics_; }

  // StateStore
  const std::string& name() const override { return inner_->name(); }
  bool persistent() const override { return inner_->persistent(); }
  void flush() override;
  void close() override;
  StateStore* wrapped() const override { return inner_.get(); }

  // BytesKeyValueStore: the latest versions, values as [8 timestamp][value].
  std::optional<Bytes> get(std::string_view key) override;
  void put(std::string_view key, std::optional<std::string_view> value) override;
  std::unique_ptr<KeyValueIterator> range(std::optional<std::string_view> from,
                                          std::optional<std::string_view> to) override;
  uint64_t approximate_num_entries() override;

  // BytesVersionedKeyValueStore
  int64_t put_versioned(std::string_view key, std::optional<std::string_view> value,
                        int64_t timestamp) override;
  std::optional<VersionedRecord<Bytes>> get_as_of(std::string_view key, int64_t as_of) override;
  std::optional<VersionedRecord<Bytes>> get_latest(std::string_view key) override;
  int64_t history_retention_ms() const override { return retention_; }
  int64_t observed_stream_time() const override { return observed_; }

  // TTL: deletes the latest value of every key that is due, each as a delete version, logged
  // and handed to the expiry listener (key, its [timestamp][value] before, the delete's
  // time); returns how many. By event time a key written at T is due once stream time
  // reaches T + ttl, and the delete is a version at T + ttl. By the wall clock it is due ttl
  // after the write (after a restore from the changelog: after the restore), and the delete
  // is a version at the store's stream time then, so it never lies in the timeline's future.
  // Runs after every write, at flush, and on the task's wall-clock tick (expire_due_keys).
  size_t expire_due();
  bool set_expiry_listener(ExpiryListener listener) override {
    expiry_listener_ = std::move(listener);
    return ttl_.has_value();
  }

  // Erasure (state/erasure.h): removes every version of `key` (its latest value, its
  // history, deletes included, and their index and TTL entries) and logs an erasure marker
  // (ChangelogWriter::log_erasure) stamped with the record timestamp, so that a restore drops
  // every version too; logged even when nothing is left here, since the changelog may still
  // hold versions the history retention has dropped locally. Stream time does not move.
  // Returns how many versions went (the latest value and each history entry).
  int64_t erase(std::string_view key);

  // RestoreTarget: each changelog record is a version written again, in order; an erasure
  // marker (ChangelogRecord::erasure) removes every version of its key, as erase() did.
  void restore_batch(std::span<const ChangelogRecord> records) override;
  void restore_done() override;
  bool local_state_valid() const override;
  void wipe_local_state() override;
  void persist() override;
  void begin_persist() override;
  bool persisted() const override;

 private:
  struct History {
    Bytes key;  // the inner key
    int64_t valid_from = 0;
    int64_t valid_to = 0;  // INT64_MAX: a trailing delete
    std::optional<Bytes> value;
  };
  using Batch = std::vector<std::pair<Bytes, std::optional<Bytes>>>;

  std::unique_lock<std::recursive_mutex> guard();
  int64_t do_put(std::string_view key, std::optional<std::string_view> value, int64_t timestamp,
                 bool log);
  // The first history entry of `key` whose valid-to is after `time`.
  std::optional<History> history_after(std::string_view key, int64_t time);
  void put_history(Batch& batch, std::string_view key, int64_t valid_from, int64_t valid_to,
                   const std::optional<std::string_view>& value);
  void delete_history(Batch& batch, std::string_view key, const History& entry);
  // Removes every version of `key` (erase() without the logging); returns how many.
  int64_t erase_versions(std::string_view key);
  void sweep(Batch& batch);
  void load_stream_time();
  // TTL bookkeeping: when each key's latest value is due (in memory, built from the store on
  // first use; wall-clock write times are kept in the store, 0x04 key -> [8 wall ms]).
  void ensure_ttl_index();
  void ttl_written(std::string_view key, int64_t version_ts, Batch& batch);
  void ttl_removed(std::string_view key, Batch& batch);
  int64_t ttl_now() const;

  std::unique_ptr<BytesKeyValueStore> inner_;
  RestoreTarget* inner_restore_;
  int64_t retention_;
  std::optional<ChangelogTarget> changelog_;
  std::function<int64_t()> record_timestamp_;
  bool locking_;
  std::recursive_mutex mutex_;
  StoreMetrics metrics_;
  int64_t observed_ = -1;
  int64_t persisted_observed_ = -1;
  int64_t swept_to_ = INT64_MIN;  // the last cutoff swept
  Bytes buf_;
  std::optional<TtlOptions> ttl_;
  std::function<int64_t()> wall_clock_;
  ExpiryListener expiry_listener_;
  bool ttl_indexed_ = false;
  bool expiring_ = false;
  std::set<std::pair<int64_t, Bytes>> due_;
  std::unordered_map<Bytes, int64_t> due_of_;
};

}  // namespace eddy::state
