// eddy/state/session_store.h — typed session stores over the byte-level layer.
//
// A session store keeps one value per (key, session window [start, end]). Merging is the
// aggregation's job: it asks for the sessions a new record may join, removes them and puts
// the merged one.
//
//   eddy::SessionStore<std::string, int64_t> clicks(bytes_store, serdes::string(),
//   serdes::int64()); auto overlapping = clicks.find_sessions("user-1", ts - gap, ts + gap); for
//   (auto& s : overlapping) clicks.remove("user-1", s.window); clicks.put("user-1", {.start =
//   merged_start, .end = merged_end}, merged_count);
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "eddy/state/bytes_stores.h"

namespace eddy {

template <typename K, typename V>
struct SessionEntry {
  K key;
  SessionWindow window;
  V value;
};

template <typename K, typename V>
class ReadOnlySessionStore {
 public:
  ReadOnlySessionStore(BytesSessionStore& store, Serde<K> key_serde, Serde<V> value_serde)
      : store_(&store), key_serde_(std::move(key_serde)), value_serde_(std::move(value_serde)) {}

  // Sessions of `key` with end >= earliest_session_end and start <= latest_session_start,
  // ascending by (end, start).
  std::vector<SessionEntry<K, V>> find_sessions(const K& key, int64_t earliest_session_end,
                                                int64_t latest_session_start) const {
    return collect(store_->find_sessions(key_serde_.to_bytes(key), earliest_session_end,
                                         latest_session_start));
  }

  std::optional<V> fetch_session(const K& key, SessionWindow window) const {
    auto bytes = store_->fetch_session(key_serde_.to_bytes(key), window);
    if (!bytes) return std::nullopt;
    return value_serde_.deserialize(*bytes);
  }

  // Every live session of `key`, ascending by (end, start).
  std::vector<SessionEntry<K, V>> fetch(const K& key) const {
    return collect(store_->fetch(key_serde_.to_bytes(key)));
  }

  const std::string& name() const { return store_->name(); }
  BytesSessionStore& bytes_store() const { return *store_; }

 protected:
  std::vector<SessionEntry<K, V>> collect(std::unique_ptr<SessionIterator> it) const {
    std::vector<SessionEntry<K, V>> out;
    for (; it->valid(); it->next()) {
      out.push_back(
          {key_serde_.deserialize(it->key()), it->window(), value_serde_.deserialize(it->value())});
    }
    return out;
  }

  BytesSessionStore* store_;
  Serde<K> key_serde_;
  Serde<V> value_serde_;
};

template <typename K, typename V>
class SessionStore : public ReadOnlySessionStore<K, V> {
 public:
  using ReadOnlySessionStore<K, V>::ReadOnlySessionStore;

  void put(const K& key, SessionWindow window, const V& value) {
    value_scratch_.clear();
    this->value_serde_.serialize(value, value_scratch_);
    this->store_->put(this->key_serde_.to_bytes(key), window, std::string_view(value_scratch_));
  }

  void remove(const K& key, SessionWindow window) {
    this->store_->remove(this->key_serde_.to_bytes(key), window);
  }

 private:
  Bytes value_scratch_;
};

}  // namespace eddy
