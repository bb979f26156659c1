#include "state/versioned_store.h"

#include <algorithm>
#include <chrono>
#include <climits>

#include "eddy/errors.h"
#include "eddy/serde/serdes.h"
#include "state/decorators/metered_stores.h"

namespace eddy::state {
namespace {

constexpr char kLatest = 0x00;
constexpr char kHistory = 0x01;
constexpr char kIndex = 0x02;
constexpr char kTime = 0x03;
constexpr char kWritten = 0x04;
constexpr int64_t kForever = INT64_MAX;

void append_u32(uint32_t v, std::string& out) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

void append_i64(int64_t v, std::string& out) {
  eddy::detail::append_big_endian_u64(static_cast<uint64_t>(v), out);
}

int64_t read_i64(std::string_view bytes, const char* what) {
  return static_cast<int64_t>(eddy::detail::read_big_endian_u64(bytes.substr(0, 8), what));
}

Bytes latest_key(std::string_view key) {
  Bytes out;
  out.reserve(key.size() + 1);
  out.push_back(kLatest);
  out.append(key);
  return out;
}

Bytes history_key(std::string_view key, int64_t valid_to) {
  Bytes out;
  out.reserve(key.size() + 13);
  out.push_back(kHistory);
  append_u32(static_cast<uint32_t>(key.size()), out);
  out.append(key);
  append_i64(valid_to, out);
  return out;
}

Bytes index_key(int64_t expiry, std::string_view key, int64_t valid_to) {
  Bytes out;
  out.reserve(key.size() + 21);
  out.push_back(kIndex);
  append_i64(expiry, out);
  append_u32(static_cast<uint32_t>(key.size()), out);
  out.append(key);
  append_i64(valid_to, out);
  return out;
}

// When a history entry stops mattering: its valid-to, or for a trailing delete (valid to
// forever) the time it began: no write can be older once stream time - retention passed it.
int64_t expiry_of(int64_t valid_from, int64_t valid_to) {
  return valid_to == kForever ? valid_from : valid_to;
}

Bytes latest_value(int64_t timestamp, std::string_view value) {
  Bytes out;
  out.reserve(value.size() + 8);
  append_i64(timestamp, out);
  out.append(value);
  return out;
}

Bytes history_value(int64_t valid_from, const std::optional<std::string_view>& value) {
  Bytes out;
  out.reserve((value ? value->size() : 0) + 9);
  append_i64(valid_from, out);
  out.push_back(value ? 1 : 0);
  if (value) out.append(*value);
  return out;
}

// A materialized iterator over latest versions (a range must not iterate the inner store
// while other threads may write it; ranges of a versioned table are rare and small).
class VectorIterator final : public KeyValueIterator {
 public:
  explicit VectorIterator(std::vector<std::pair<Bytes, Bytes>> rows) : rows_(std::move(rows)) {}
  bool valid() const override { return i_ < rows_.size(); }
  void next() override { ++i_; }
  std::string_view key() const override { return rows_[i_].first; }
  std::string_view value() const override { return rows_[i_].second; }

 private:
  std::vector<std::pair<Bytes, Bytes>> rows_;
  size_t i_ = 0;
};

}  // namespace

VersionedStore::VersionedStore(std::unique_ptr<BytesKeyValueStore> inner,
                               RestoreTarget* inner_restore, Options options)
    : inner_(std::move(inner)),
      inner_restore_(inner_restore),
      retention_(options.history_retention_ms),
      changelog_(std::move(options.changelog)),
      record_timestamp_(std::move(options.record_timestamp)),
      locking_(options.locking),
      ttl_(options.ttl),
      wall_clock_(std::move(options.wall_clock)) {
  if (ttl_ && ttl_->clock == TtlClock::kWallClock && !wall_clock_) {
    wall_clock_ = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
  if (retention_ < 0) {
    throw TopologyError("store '" + inner_->name() +
                        "': the history retention must not be negative");
  }
  load_stream_time();
}

std::unique_lock<std::recursive_mutex> VersionedStore::guard() {
  return locking_ ? std::unique_lock(mutex_) : std::unique_lock<std::recursive_mutex>();
}

void VersionedStore::load_stream_time() {
  const auto bytes = inner_->get(std::string_view(&kTime, 1));
  observed_ = bytes && bytes->size() == 8 ? read_i64(*bytes, "stream time") : -1;
  persisted_observed_ = observed_;
}

void VersionedStore::flush() {
  auto lock = guard();
  expire_due();
  detail::ScopedTimer t(metrics_.flushes, metrics_.flush_latency_ns);
  if (observed_ != persisted_observed_) {
    buf_.clear();
    append_i64(observed_, buf_);
    inner_->put(std::string_view(&kTime, 1), std::string_view(buf_));
    persisted_observed_ = observed_;
  }
  inner_->flush();
}

void VersionedStore::close() {
  auto lock = guard();
  inner_->close();
}

std::optional<Bytes> VersionedStore::get(std::string_view key) {
  auto lock = guard();
  detail::ScopedTimer t(metrics_.gets, metrics_.get_latency_ns);
  return inner_->get(latest_key(key));
}

void VersionedStore::put(std::string_view key, std::optional<std::string_view> value) {
  if (value) {
    if (value->size() < 8) {
      throw StateStoreError("store '" + name() + "': a versioned value needs its timestamp");
    }
    put_versioned(key, value->substr(8), read_i64(*value, "timestamp"));
  } else {
    put_versioned(key, std::nullopt, record_timestamp_ ? record_timestamp_() : observed_);
  }
}

std::unique_ptr<KeyValueIterator> VersionedStore::range(std::optional<std::string_view> from,
                                                        std::optional<std::string_view> to) {
  auto lock = guard();
  detail::ScopedTimer t(metrics_.range_scans, metrics_.range_latency_ns);
  const Bytes lo = latest_key(from.value_or(std::string_view()));
  const Bytes hi = to ? latest_key(*to) : Bytes(1, kHistory);  // no key is exactly 0x01
  std::vector<std::pair<Bytes, Bytes>> rows;
  for (auto it = inner_->range(lo, hi); it->valid(); it->next()) {
    if (it->key().empty() || it->key()[0] != kLatest) break;
    rows.emplace_back(Bytes(it->key().substr(1)), Bytes(it->value()));
  }
  return std::make_unique<VectorIterator>(std::move(rows));
}

uint64_t VersionedStore::approximate_num_entries() {
  auto lock = guard();
  return inner_->approximate_num_entries();
}

std::optional<VersionedRecord<Bytes>> VersionedStore::get_latest(std::string_view key) {
  auto lock = guard();
  detail::ScopedTimer t(metrics_.gets, metrics_.get_latency_ns);
  auto raw = inner_->get(latest_key(key));
  if (!raw) return std::nullopt;
  return VersionedRecord<Bytes>{raw->substr(8), read_i64(*raw, "timestamp"), std::nullopt};
}

std::optional<VersionedRecord<Bytes>> VersionedStore::get_as_of(std::string_view key,
                                                                int64_t as_of) {
  auto lock = guard();
  detail::ScopedTimer t(metrics_.gets, metrics_.get_latency_ns);
  if (auto raw = inner_->get(latest_key(key))) {
    const int64_t ts = read_i64(*raw, "timestamp");
    if (ts <= as_of) return VersionedRecord<Bytes>{raw->substr(8), ts, std::nullopt};
  }
  // Older than the history retention: only the latest version answers (Kafka Streams).
  if (as_of < observed_ - retention_) return std::nullopt;
  auto entry = history_after(key, as_of);
  if (!entry || entry->valid_from > as_of || !entry->value) return std::nullopt;
  return VersionedRecord<Bytes>{
      std::move(*entry->value), entry->valid_from,
      entry->valid_to == kForever ? std::nullopt : std::optional<int64_t>(entry->valid_to)};
}

std::optional<VersionedStore::History> VersionedStore::history_after(std::string_view key,
                                                                     int64_t time) {
  auto it = inner_->range(history_key(key, time + 1), history_key(key, kForever));
  if (!it->valid()) return std::nullopt;
  const std::string_view k = it->key();
  const std::string_view v = it->value();
  if (v.size() < 9) throw StateStoreError("store '" + name() + "': history entry too short");
  History h;
  h.key = Bytes(k);
  h.valid_to = read_i64(k.substr(k.size() - 8), "valid-to");
  h.valid_from = read_i64(v, "valid-from");
  if (v[8] != 0) h.value = Bytes(v.substr(9));
  return h;
}

void VersionedStore::put_history(Batch& batch, std::string_view key, int64_t valid_from,
                                 int64_t valid_to, const std::optional<std::string_view>& value) {
  batch.emplace_back(history_key(key, valid_to), history_value(valid_from, value));
  batch.emplace_back(index_key(expiry_of(valid_from, valid_to), key, valid_to), Bytes());
}

void VersionedStore::delete_history(Batch& batch, std::string_view key, const History& entry) {
  batch.emplace_back(entry.key, std::nullopt);
  batch.emplace_back(index_key(expiry_of(entry.valid_from, entry.valid_to), key, entry.valid_to),
                     std::nullopt);
}

int64_t VersionedStore::put_versioned(std::string_view key, std::optional<std::string_view> value,
                                      int64_t timestamp) {
  auto lock = guard();
  if (value) {
    detail::ScopedTimer t(metrics_.puts, metrics_.put_latency_ns);
    return do_put(key, value, timestamp, true);
  }
  detail::ScopedTimer t(metrics_.deletes, metrics_.delete_latency_ns);
  return do_put(key, value, timestamp, true);
}

int64_t VersionedStore::do_put(std::string_view key, std::optional<std::string_view> value,
                               int64_t timestamp, bool log) {
  if (timestamp < 0) {
    throw StateStoreError("store '" + name() + "': negative timestamp " +
                          std::to_string(timestamp));
  }
  if (timestamp < observed_ - retention_) {
    metrics_.expired_records.fetch_add(1, std::memory_order_relaxed);
    return kPutNotPut;
  }
  ensure_ttl_index();
  observed_ = std::max(observed_, timestamp);
  Batch batch;
  // Before the reads below, so the write never meets an entry the sweep is dropping.
  sweep(batch);
  if (!batch.empty()) {
    inner_->put_all(batch);
    batch.clear();
  }
  int64_t result = kPutIsLatest;
  const Bytes lkey = latest_key(key);
  auto set_latest = [&](int64_t ts, std::string_view v) {
    batch.emplace_back(lkey, latest_value(ts, v));
    ttl_written(key, ts, batch);
  };
  auto delete_latest = [&] {
    batch.emplace_back(lkey, std::nullopt);
    ttl_removed(key, batch);
  };
  const auto latest = inner_->get(lkey);
  std::optional<int64_t> latest_ts;
  if (latest) latest_ts = read_i64(*latest, "timestamp");

  if (latest_ts && timestamp >= *latest_ts) {
    // The newest version.
    if (timestamp > *latest_ts) {
      put_history(batch, key, *latest_ts, timestamp, std::string_view(*latest).substr(8));
      if (value) {
        set_latest(timestamp, *value);
      } else {
        delete_latest();
        put_history(batch, key, timestamp, kForever, std::nullopt);
      }
    } else if (value) {
      set_latest(timestamp, *value);
    } else {
      delete_latest();
      // The delete stays a version only when an older version ends at this timestamp
      // (Kafka Streams keeps no record of it otherwise).
      if (inner_->get(history_key(key, timestamp))) {
        put_history(batch, key, timestamp, kForever, std::nullopt);
      }
    }
  } else {
    const auto entry = history_after(key, timestamp);
    if (!entry) {
      if (latest_ts) {
        // Older than the only version: valid until it.
        put_history(batch, key, timestamp, *latest_ts, value);
        result = *latest_ts;
      } else if (value) {
        set_latest(timestamp, *value);
      } else {
        put_history(batch, key, timestamp, kForever, std::nullopt);
      }
    } else if (entry->valid_from > timestamp) {
      // Before the entry (the key's earliest version): valid until it begins.
      put_history(batch, key, timestamp, entry->valid_from, value);
      result = entry->valid_from;
    } else if (entry->valid_to == kForever) {
      // Inside the trailing delete: this version is the newest.
      if (entry->valid_from == timestamp) {
        if (value) {
          delete_history(batch, key, *entry);
          set_latest(timestamp, *value);
        }
      } else {
        delete_history(batch, key, *entry);
        put_history(batch, key, entry->valid_from, timestamp, std::nullopt);
        if (value) {
          set_latest(timestamp, *value);
        } else {
          put_history(batch, key, timestamp, kForever, std::nullopt);
        }
      }
    } else if (entry->valid_from == timestamp) {
      // Replaces the version of this timestamp (its key and index stay).
      batch.emplace_back(entry->key, history_value(timestamp, value));
      result = entry->valid_to;
    } else {
      // Splits the version it falls in: the older part ends here.
      batch.emplace_back(entry->key, history_value(timestamp, value));
      const std::optional<std::string_view> older =
          entry->value ? std::optional<std::string_view>(*entry->value) : std::nullopt;
      put_history(batch, key, entry->valid_from, timestamp, older);
      result = entry->valid_to;
    }
  }
  inner_->put_all(batch);
  if (log && changelog_) changelog_->log(key, value, timestamp);
  // A write can make others due (stream time moved): they expire now, after it.
  if (ttl_ && !expiring_) expire_due();
  return result;
}

int64_t VersionedStore::erase(std::string_view key) {
  auto lock = guard();
  detail::ScopedTimer t(metrics_.deletes, metrics_.delete_latency_ns);
  const int64_t erased = erase_versions(key);
  if (changelog_) {
    changelog_->log_erasure(
        key, record_timestamp_ ? record_timestamp_() : std::max<int64_t>(observed_, 0));
  }
  return erased;
}

int64_t VersionedStore::erase_versions(std::string_view key) {
  ensure_ttl_index();
  Batch batch;
  int64_t erased = 0;
  const Bytes lkey = latest_key(key);
  if (inner_->get(lkey)) {
    batch.emplace_back(lkey, std::nullopt);
    ++erased;
  }
  ttl_removed(key, batch);
  // Collected first: no writes under an open iterator.
  std::vector<History> entries;
  for (auto it = inner_->range(history_key(key, 0), history_key(key, kForever)); it->valid();
       it->next()) {
    const std::string_view v = it->value();
    if (v.size() < 9) throw StateStoreError("store '" + name() + "': history entry too short");
    const std::string_view k = it->key();
    History h;
    h.key = Bytes(k);
    h.valid_to = read_i64(k.substr(k.size() - 8), "valid-to");
    h.valid_from = read_i64(v, "valid-from");
    entries.push_back(std::move(h));
  }
  for (const auto& entry : entries) delete_history(batch, key, entry);
  erased += static_cast<int64_t>(entries.size());
  inner_->put_all(batch);
  return erased;
}

int64_t VersionedStore::ttl_now() const {
  return ttl_->clock == TtlClock::kWallClock ? wall_clock_() : observed_;
}

void VersionedStore::ensure_ttl_index() {
  if (!ttl_ || ttl_indexed_) return;
  ttl_indexed_ = true;
  const bool wall = ttl_->clock == TtlClock::kWallClock;
  const int64_t now = wall ? wall_clock_() : 0;
  for (auto it = inner_->range(std::string_view(&kLatest, 1), Bytes(1, kHistory)); it->valid();
       it->next()) {
    if (it->key().empty() || it->key()[0] != kLatest) break;
    const Bytes key(it->key().substr(1));
    int64_t base = read_i64(it->value(), "timestamp");
    if (wall) {
      auto written = inner_->get(Bytes(1, kWritten) + key);
      base = written && written->size() == 8 ? read_i64(*written, "write time") : now;
    }
    const int64_t due = base + ttl_->ttl.count();
    due_.emplace(due, key);
    due_of_[key] = due;
  }
}

void VersionedStore::ttl_written(std::string_view key, int64_t version_ts, Batch& batch) {
  if (!ttl_) return;
  Batch ignored;
  ttl_removed(key, ignored);
  int64_t base = version_ts;
  if (ttl_->clock == TtlClock::kWallClock) {
    base = wall_clock_();
    Bytes written;
    append_i64(base, written);
    batch.emplace_back(Bytes(1, kWritten) + Bytes(key), std::move(written));
  }
  const int64_t due = base + ttl_->ttl.count();
  due_.emplace(due, Bytes(key));
  due_of_[Bytes(key)] = due;
}

void VersionedStore::ttl_removed(std::string_view key, Batch& batch) {
  if (!ttl_) return;
  if (auto it = due_of_.find(Bytes(key)); it != due_of_.end()) {
    due_.erase({it->second, it->first});
    due_of_.erase(it);
  }
  if (ttl_->clock == TtlClock::kWallClock) {
    batch.emplace_back(Bytes(1, kWritten) + Bytes(key), std::nullopt);
  }
}

size_t VersionedStore::expire_due() {
  auto lock = guard();
  if (!ttl_ || expiring_) return 0;
  ensure_ttl_index();
  const int64_t now = ttl_now();
  size_t count = 0;
  expiring_ = true;
  try {
    while (!due_.empty() && due_.begin()->first <= now) {
      const auto [due, key] = *due_.begin();
      auto old = inner_->get(latest_key(key));
      // Event time: a delete version at the time the key became due; wall clock: at the
      // stream time now. Never older than the history retention admits.
      int64_t at = ttl_->clock == TtlClock::kEventTime ? due : observed_;
      if (old) at = std::max(at, read_i64(*old, "timestamp"));
      at = std::max(at, observed_ - retention_);
      do_put(key, std::nullopt, at, /*log=*/true);
      due_.erase({due, key});  // do_put unindexed it; a key with no latest value is gone too
      due_of_.erase(key);
      ++count;
      metrics_.expired_records.fetch_add(1, std::memory_order_relaxed);
      if (expiry_listener_ && old) expiry_listener_(key, *old, at);
    }
  } catch (...) {
    expiring_ = false;
    throw;
  }
  expiring_ = false;
  return count;
}

void VersionedStore::sweep(Batch& batch) {
  const int64_t cutoff = observed_ - retention_;
  // Entries stop mattering once stream time - retention passes them, which only changes what
  // is stored, never an answer: sweeping in steps saves a seek per write.
  if (swept_to_ != INT64_MIN && cutoff - swept_to_ < std::max<int64_t>(1, retention_ / 16)) return;
  if (cutoff <= 0) return;
  swept_to_ = cutoff;
  Bytes hi(1, kIndex);
  append_i64(cutoff, hi);  // index keys are longer: this bounds expiries < cutoff
  for (auto it = inner_->range(std::string_view(&kIndex, 1), hi); it->valid(); it->next()) {
    const std::string_view k = it->key();
    if (k.size() < 21) continue;
    const auto len = (static_cast<uint32_t>(static_cast<uint8_t>(k[9])) << 24) |
                     (static_cast<uint32_t>(static_cast<uint8_t>(k[10])) << 16) |
                     (static_cast<uint32_t>(static_cast<uint8_t>(k[11])) << 8) |
                     static_cast<uint32_t>(static_cast<uint8_t>(k[12]));
    if (k.size() != 21 + len) continue;
    const std::string_view user_key = k.substr(13, len);
    const int64_t valid_to = read_i64(k.substr(13 + len), "valid-to");
    batch.emplace_back(history_key(user_key, valid_to), std::nullopt);
    batch.emplace_back(Bytes(k), std::nullopt);
    metrics_.expired_records.fetch_add(1, std::memory_order_relaxed);
  }
}

void VersionedStore::restore_batch(std::span<const ChangelogRecord> records) {
  auto lock = guard();
  // No expiries while restoring: the deletes they made are in the changelog already.
  const bool was_expiring = std::exchange(expiring_, true);
  try {
    for (const auto& r : records) {
      if (r.erasure) {
        erase_versions(r.key);
      } else {
        do_put(r.key, r.value, r.timestamp, /*log=*/false);
      }
      metrics_.restored_records.fetch_add(1, std::memory_order_relaxed);
    }
  } catch (...) {
    expiring_ = was_expiring;
    throw;
  }
  expiring_ = was_expiring;
}

void VersionedStore::restore_done() {
  if (inner_restore_ != nullptr) inner_restore_->restore_done();
}

bool VersionedStore::local_state_valid() const {
  return inner_restore_ != nullptr && inner_restore_->local_state_valid();
}

void VersionedStore::wipe_local_state() {
  auto lock = guard();
  if (inner_restore_ != nullptr) inner_restore_->wipe_local_state();
  observed_ = -1;
  persisted_observed_ = -1;
  swept_to_ = INT64_MIN;
  ttl_indexed_ = false;
  due_.clear();
  due_of_.clear();
}

void VersionedStore::persist() {
  flush();
  if (inner_restore_ != nullptr) inner_restore_->persist();
}

void VersionedStore::begin_persist() {
  flush();
  if (inner_restore_ != nullptr) inner_restore_->begin_persist();
}

bool VersionedStore::persisted() const {
  return inner_restore_ == nullptr || inner_restore_->persisted();
}

}  // namespace eddy::state
