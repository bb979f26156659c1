// eddy/state/queryable_store.h — interactive queries: read-only views of this instance's
// local stores, by name, safe to call from any thread while the tasks keep processing.
//
// A view covers every local task (partition) of the store: get() asks each, range() and the
// window/session reads merge their answers. Results are copies, so nothing a caller holds
// refers to a store a rebalance may close.
//
//   auto counts = eddy::QueryableKeyValueStore<std::string, int64_t>(
//       streams.queryable_stores(), "counts", serdes::string(), serdes::int64());
//   std::optional<int64_t> n = counts.get("sku-1");
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "eddy/serde/serde.h"
#include "eddy/state/state_store.h"

namespace eddy {

struct WindowRow {
  Bytes key;
  int64_t window_start = 0;
  Bytes value;
};
struct SessionRow {
  Bytes key;
  SessionWindow window;
  Bytes value;
};

// The byte-level query surface the runtime exposes (implemented by state::StoreRegistry).
// Every call throws eddy::StateStoreError when no local store has that name (or the name
// belongs to a store of another kind).
class QueryableStores {
 public:
  virtual ~QueryableStores() = default;
  virtual std::optional<Bytes> get(const std::string& store, std::string_view key) = 0;
  // Entries with from <= key <= to (nullopt: open) over all local partitions, ascending.
  virtual std::vector<std::pair<Bytes, Bytes>> range(const std::string& store,
                                                     std::optional<std::string_view> from,
                                                     std::optional<std::string_view> to) = 0;
  virtual std::vector<WindowRow> fetch_windows(const std::string& store,
                                               std::optional<std::string_view> key_from,
                                               std::optional<std::string_view> key_to,
                                               int64_t time_from, int64_t time_to) = 0;
  virtual std::vector<SessionRow> find_sessions(const std::string& store, std::string_view key,
                                                int64_t earliest_session_end,
                                                int64_t latest_session_start) = 0;
};

template <typename K, typename V>
class QueryableKeyValueStore {
 public:
  QueryableKeyValueStore(QueryableStores& stores, std::string name, Serde<K> key_serde,
                         Serde<V> value_serde)
      : stores_(&stores),
        name_(std::move(name)),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)) {}

  std::optional<V> get(const K& key) const {
    auto bytes = stores_->get(name_, key_serde_.to_bytes(key));
    if (!bytes) return std::nullopt;
    return value_serde_.deserialize(*bytes);
  }
  std::vector<std::pair<K, V>> range(const K& from, const K& to) const {
    return decode(stores_->range(name_, key_serde_.to_bytes(from), key_serde_.to_bytes(to)));
  }
  std::vector<std::pair<K, V>> all() const {
    return decode(stores_->range(name_, std::nullopt, std::nullopt));
  }

 private:
  std::vector<std::pair<K, V>> decode(const std::vector<std::pair<Bytes, Bytes>>& rows) const {
    std::vector<std::pair<K, V>> out;
    out.reserve(rows.size());
    for (const auto& [k, v] : rows)
      out.emplace_back(key_serde_.deserialize(k), value_serde_.deserialize(v));
    return out;
  }
  QueryableStores* stores_;
  std::string name_;
  Serde<K> key_serde_;
  Serde<V> value_serde_;
};

template <typename K, typename V>
class QueryableWindowStore {
 public:
  QueryableWindowStore(QueryableStores& stores, std::string name, Serde<K> key_serde,
                       Serde<V> value_serde)
      : stores_(&stores),
        name_(std::move(name)),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)) {}

  // (window start, value) of `key`'s windows starting in [time_from, time_to].
  std::vector<std::pair<int64_t, V>> fetch(const K& key, int64_t time_from, int64_t time_to) const {
    const Bytes k = key_serde_.to_bytes(key);
    std::vector<std::pair<int64_t, V>> out;
    for (const auto& row : stores_->fetch_windows(name_, k, k, time_from, time_to)) {
      out.emplace_back(row.window_start, value_serde_.deserialize(row.value));
    }
    return out;
  }

 private:
  QueryableStores* stores_;
  std::string name_;
  Serde<K> key_serde_;
  Serde<V> value_serde_;
};

template <typename K, typename V>
class QueryableSessionStore {
 public:
  QueryableSessionStore(QueryableStores& stores, std::string name, Serde<K> key_serde,
                        Serde<V> value_serde)
      : stores_(&stores),
        name_(std::move(name)),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)) {}

  // Every live session of `key`, ascending by (end, start).
  std::vector<std::pair<SessionWindow, V>> fetch(const K& key) const {
    std::vector<std::pair<SessionWindow, V>> out;
    for (const auto& row : stores_->find_sessions(name_, key_serde_.to_bytes(key), 0, INT64_MAX)) {
      out.emplace_back(row.window, value_serde_.deserialize(row.value));
    }
    return out;
  }

 private:
  QueryableStores* stores_;
  std::string name_;
  Serde<K> key_serde_;
  Serde<V> value_serde_;
};

}  // namespace eddy
