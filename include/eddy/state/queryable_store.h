// eddy/state/queryable_store.h — interactive queries: read-only views of this instance's
// local stores, by name, safe to call from any thread while the tasks keep processing.
//
// A view covers every local task (partition) of the store: get() asks each, range() and the
// window/session reads merge their answers. Results are copies, so nothing a caller holds
// refers to a store a rebalance may close. Every read looks the store up again, so a view
// stays usable across rebalances (it sees the partitions that are local at that moment).
// Views come from KafkaStreams (or TopologyTestDriver) and must not outlive it.
//
//   auto counts = streams.key_value_store<std::string, int64_t>("counts");
//   try {
//     std::optional<int64_t> n = counts.get("sku-1");
//   } catch (const eddy::InvalidStateStoreError&) {
//     // rebalancing, or the store's partitions are elsewhere now: retry later
//   }
//
// Values are decoded with the serdes given to the view: pass the ones the store was
// materialized with (the defaults are the DSL's defaults). Tables' and aggregations' stores
// keep a record timestamp beside each value; the views strip it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "eddy/errors.h"
#include "eddy/serde/serde.h"
#include "eddy/serde/serdes.h"
#include "eddy/state/state_store.h"
#include "eddy/state/stores.h"

namespace eddy {

// The store name is not one of the topology's stores (or is a store of another kind). The
// message names the store and lists the stores there are. Retrying will not help.
class UnknownStateStoreError : public StateStoreError {
 public:
  using StateStoreError::StateStoreError;
};

// The store exists but cannot be read here now: the instance is not RUNNING (rebalancing,
// restoring, shutting down) or none of the store's partitions is local at the moment (they
// moved to another instance). As Kafka Streams' InvalidStateStoreException: retry later, or
// ask the instance that hosts the key.
class InvalidStateStoreError : public StateStoreError {
 public:
  using StateStoreError::StateStoreError;
};

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

// The byte-level query surface the runtime and the test driver expose (implemented by
// state::StoreRegistry). Values come without the record timestamp tables keep. Every call
// throws UnknownStateStoreError for a name that is no store of that kind, and
// InvalidStateStoreError when the store cannot be read now (see above).
class QueryableStores {
 public:
  virtual ~QueryableStores() = default;
  // Throws as a read would for a name that is no store of `kind`; views call it when made.
  virtual void check_store(const std::string& store, StoreKind kind) = 0;
  virtual std::optional<Bytes> get(const std::string& store, std::string_view key) = 0;
  // Entries with from <= key <= to (nullopt: open) over all local partitions, ascending.
  virtual std::vector<std::pair<Bytes, Bytes>> range(const std::string& store,
                                                     std::optional<std::string_view> from,
                                                     std::optional<std::string_view> to) = 0;
  // Windows with key_from <= key <= key_to (nullopt: open) starting in [time_from, time_to],
  // ascending by (key, window start).
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
        value_serde_(std::move(value_serde)) {
    stores_->check_store(name_, StoreKind::kKeyValue);
  }

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
        value_serde_(std::move(value_serde)) {
    stores_->check_store(name_, StoreKind::kWindow);
  }

  // (window start, value) of `key`'s windows starting in [time_from, time_to].
  std::vector<std::pair<int64_t, V>> fetch(const K& key, int64_t time_from, int64_t time_to) const {
    const Bytes k = key_serde_.to_bytes(key);
    std::vector<std::pair<int64_t, V>> out;
    for (const auto& row : stores_->fetch_windows(name_, k, k, time_from, time_to)) {
      out.emplace_back(row.window_start, value_serde_.deserialize(row.value));
    }
    return out;
  }
  // (key, window start, value) of every key's windows starting in [time_from, time_to],
  // ascending by (key bytes, window start).
  std::vector<std::tuple<K, int64_t, V>> fetch_all(int64_t time_from, int64_t time_to) const {
    std::vector<std::tuple<K, int64_t, V>> out;
    for (const auto& row :
         stores_->fetch_windows(name_, std::nullopt, std::nullopt, time_from, time_to)) {
      out.emplace_back(key_serde_.deserialize(row.key), row.window_start,
                       value_serde_.deserialize(row.value));
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
        value_serde_(std::move(value_serde)) {
    stores_->check_store(name_, StoreKind::kSession);
  }

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
