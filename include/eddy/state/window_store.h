// eddy/state/window_store.h — typed window stores over the byte-level layer.
//
// A window store keeps one value per (key, window start); retention drops whole time
// segments behind the store's observed stream time, so reads never see expired windows.
//
//   eddy::WindowStore<std::string, int64_t> counts(bytes_store, serdes::string(), serdes::int64());
//   counts.put("sku-1", 3, /*window_start=*/60'000);
//   for (auto& [start, n] : counts.fetch("sku-1", 0, 120'000)) ...
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "eddy/state/bytes_stores.h"

namespace eddy {

template <typename K, typename V>
struct WindowedEntry {
  K key;
  int64_t window_start = 0;
  V value;
};

template <typename K, typename V>
class ReadOnlyWindowStore {
 public:
  ReadOnlyWindowStore(BytesWindowStore& store, Serde<K> key_serde, Serde<V> value_serde)
      : store_(&store), key_serde_(std::move(key_serde)), value_serde_(std::move(value_serde)) {}

  std::optional<V> fetch(const K& key, int64_t window_start) const {
    auto bytes = store_->fetch(key_serde_.to_bytes(key), window_start);
    if (!bytes) return std::nullopt;
    return value_serde_.deserialize(*bytes);
  }

  // (window start, value) of `key`'s windows starting in [time_from, time_to], ascending.
  std::vector<std::pair<int64_t, V>> fetch(const K& key, int64_t time_from, int64_t time_to) const {
    std::vector<std::pair<int64_t, V>> out;
    for (auto it = store_->fetch(key_serde_.to_bytes(key), time_from, time_to); it->valid();
         it->next()) {
      out.emplace_back(it->window_start(), value_serde_.deserialize(it->value()));
    }
    return out;
  }

  // Windows of keys in [key_from, key_to] starting in [time_from, time_to].
  std::vector<WindowedEntry<K, V>> fetch_range(const K& key_from, const K& key_to,
                                               int64_t time_from, int64_t time_to) const {
    const Bytes from = key_serde_.to_bytes(key_from);
    const Bytes to = key_serde_.to_bytes(key_to);
    return collect(store_->fetch_range(from, to, time_from, time_to));
  }

  std::vector<WindowedEntry<K, V>> fetch_all(int64_t time_from, int64_t time_to) const {
    return collect(store_->fetch_all(time_from, time_to));
  }

  const std::string& name() const { return store_->name(); }
  BytesWindowStore& bytes_store() const { return *store_; }

 protected:
  std::vector<WindowedEntry<K, V>> collect(std::unique_ptr<WindowIterator> it) const {
    std::vector<WindowedEntry<K, V>> out;
    for (; it->valid(); it->next()) {
      out.push_back({key_serde_.deserialize(it->key()), it->window_start(),
                     value_serde_.deserialize(it->value())});
    }
    return out;
  }

  BytesWindowStore* store_;
  Serde<K> key_serde_;
  Serde<V> value_serde_;
};

template <typename K, typename V>
class WindowStore : public ReadOnlyWindowStore<K, V> {
 public:
  using ReadOnlyWindowStore<K, V>::ReadOnlyWindowStore;

  void put(const K& key, const V& value, int64_t window_start) {
    key_scratch_.clear();
    this->key_serde_.serialize(key, key_scratch_);
    value_scratch_.clear();
    this->value_serde_.serialize(value, value_scratch_);
    this->store_->put(key_scratch_, std::string_view(value_scratch_), window_start);
  }

  void remove(const K& key, int64_t window_start) {
    this->store_->put(this->key_serde_.to_bytes(key), std::nullopt, window_start);
  }

 private:
  Bytes key_scratch_;
  Bytes value_scratch_;
};

}  // namespace eddy
