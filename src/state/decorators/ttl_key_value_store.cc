#include "state/decorators/ttl_key_value_store.h"

#include <algorithm>

#include "eddy/errors.h"
#include "state/key_schema.h"

namespace eddy::state {
namespace {

constexpr size_t kPrefix = 8;

int64_t written_at_of(std::string_view stored, const std::string& store) {
  if (stored.size() < kPrefix) {
    throw StateStoreError("store '" + store +
                          "': a TTL value is shorter than its 8-byte time prefix");
  }
  return read_be64(stored.data());
}

// Strips the time prefix and hides keys that are due but not yet swept.
class TtlIterator final : public KeyValueIterator {
 public:
  TtlIterator(std::unique_ptr<KeyValueIterator> inner, int64_t cutoff, const std::string& store)
      : inner_(std::move(inner)), cutoff_(cutoff), store_(store) {
    skip_expired();
  }
  bool valid() const override { return inner_->valid(); }
  void next() override {
    inner_->next();
    skip_expired();
  }
  std::string_view key() const override { return inner_->key(); }
  std::string_view value() const override { return inner_->value().substr(kPrefix); }

 private:
  void skip_expired() {
    while (inner_->valid() && written_at_of(inner_->value(), store_) <= cutoff_) inner_->next();
  }
  std::unique_ptr<KeyValueIterator> inner_;
  int64_t cutoff_;
  const std::string& store_;
};

}  // namespace

TtlKeyValueStore::TtlKeyValueStore(std::unique_ptr<BytesKeyValueStore> inner, TtlOptions options,
                                   std::function<int64_t()> record_timestamp,
                                   std::function<int64_t()> wall_clock,
                                   std::shared_ptr<std::optional<int64_t>> expiring_at)
    : inner_(std::move(inner)),
      options_(options),
      record_timestamp_(std::move(record_timestamp)),
      wall_clock_(std::move(wall_clock)),
      expiring_at_(std::move(expiring_at)) {}

int64_t TtlKeyValueStore::now() const {
  if (options_.clock == TtlClock::kWallClock) return wall_clock_();
  // The record being processed counts already: a processor reads a key (get) before it
  // writes it back, and a key that its record's time makes due must read as gone, or an
  // aggregate would carry on from an expired value.
  return record_timestamp_ ? std::max(stream_time_, record_timestamp_()) : stream_time_;
}

void TtlKeyValueStore::ensure_index() {
  if (indexed_) return;
  indexed_ = true;
  // Once per store instance, after restore: the index lives in memory, the times in values.
  for (auto it = inner_->all(); it->valid(); it->next()) {
    const int64_t written_at = written_at_of(it->value(), name());
    stream_time_ = std::max(stream_time_, written_at);
    index(it->key(), written_at);
  }
}

void TtlKeyValueStore::index(std::string_view key, int64_t written_at) {
  auto [it, inserted] = written_at_.try_emplace(Bytes(key), written_at);
  if (!inserted) {
    by_time_.erase({it->second, it->first});
    it->second = written_at;
  }
  by_time_.emplace(written_at, it->first);
}

void TtlKeyValueStore::unindex(std::string_view key) {
  auto it = written_at_.find(Bytes(key));
  if (it == written_at_.end()) return;
  by_time_.erase({it->second, it->first});
  written_at_.erase(it);
}

bool TtlKeyValueStore::set_cache_flush_listener(CacheFlushListener listener, bool send_old_values) {
  auto* below = dynamic_cast<LayeredStore*>(inner_.get());
  if (below == nullptr) return false;
  // The layers below see prefixed values; the listener gets the user's bytes.
  return below->set_cache_flush_listener(
      [listener = std::move(listener)](std::string_view key,
                                       std::optional<std::string_view> new_value,
                                       std::optional<std::string_view> old_value, int64_t timestamp,
                                       const RecordContext& context) {
        if (new_value) new_value = new_value->substr(kPrefix);
        if (old_value) old_value = old_value->substr(kPrefix);
        listener(key, new_value, old_value, timestamp, context);
      },
      send_old_values);
}

std::optional<Bytes> TtlKeyValueStore::get(std::string_view key) {
  ensure_index();
  auto stored = inner_->get(key);
  if (!stored) return std::nullopt;
  if (written_at_of(*stored, name()) <= now() - options_.ttl.count()) return std::nullopt;
  return stored->substr(kPrefix);
}

void TtlKeyValueStore::put(std::string_view key, std::optional<std::string_view> value) {
  ensure_index();
  const int64_t record_time = record_timestamp_ ? record_timestamp_() : 0;
  stream_time_ = std::max(stream_time_, record_time);
  // Expire what is due first, this key's previous value included: downstream then sees its
  // deletion (at its expiry time) before the new value.
  expire_due();
  if (!value) {
    unindex(key);
    inner_->put(key, std::nullopt);
    return;
  }
  const int64_t written_at = options_.clock == TtlClock::kWallClock ? wall_clock_() : record_time;
  scratch_.clear();
  append_be64(scratch_, written_at);
  scratch_.append(*value);
  inner_->put(key, std::string_view(scratch_));
  index(key, written_at);
  expire_due();  // a record later than the TTL behind stream time is due at once
}

std::unique_ptr<KeyValueIterator> TtlKeyValueStore::range(std::optional<std::string_view> from,
                                                          std::optional<std::string_view> to) {
  ensure_index();
  return std::make_unique<TtlIterator>(inner_->range(from, to), now() - options_.ttl.count(),
                                       name());
}

size_t TtlKeyValueStore::expire_due() {
  const int64_t cutoff = now() - options_.ttl.count();
  size_t count = 0;
  while (!by_time_.empty() && by_time_.begin()->first <= cutoff) {
    const auto [written_at, key] = *by_time_.begin();
    std::optional<Bytes> old_value;
    if (expiry_listener_) old_value = inner_->get(key);
    by_time_.erase(by_time_.begin());
    written_at_.erase(key);
    const int64_t expiry_time = written_at + options_.ttl.count();
    // Through the normal path: the cache and the changelog see a deletion (a tombstone),
    // stamped with the expiry time.
    if (expiring_at_) *expiring_at_ = expiry_time;
    try {
      inner_->put(key, std::nullopt);
    } catch (...) {
      if (expiring_at_) expiring_at_->reset();
      throw;
    }
    if (expiring_at_) expiring_at_->reset();
    ++count;
    ++expired_;
    if (metrics_ != nullptr) metrics_->expired_records.fetch_add(1, std::memory_order_relaxed);
    if (expiry_listener_ && old_value) {
      expiry_listener_(key, std::string_view(*old_value).substr(kPrefix), expiry_time);
    }
  }
  return count;
}

void TtlKeyValueStore::flush() {
  ensure_index();
  expire_due();
  inner_->flush();
}

}  // namespace eddy::state
