// eddy/state/key_value_store.h — typed key-value stores over the byte-level layer.
//
// Processors get these from their context; queries get the read-only view.
//
//   eddy::KeyValueStore<std::string, int64_t> counts(bytes_store, serdes::string(),
//   serdes::int64()); counts.put("sku-1", counts.get("sku-1").value_or(0) + 1); for (auto& [sku, n]
//   : counts.range("sku-0", "sku-9")) ...
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "eddy/state/bytes_stores.h"

namespace eddy {

template <typename K, typename V>
class ReadOnlyKeyValueStore {
 public:
  ReadOnlyKeyValueStore(BytesKeyValueStore& store, Serde<K> key_serde, Serde<V> value_serde)
      : store_(&store), key_serde_(std::move(key_serde)), value_serde_(std::move(value_serde)) {}

  std::optional<V> get(const K& key) const {
    scratch_.clear();
    key_serde_.serialize(key, scratch_);
    auto bytes = store_->get(scratch_);
    if (!bytes) return std::nullopt;
    return value_serde_.deserialize(*bytes);
  }

  // Entries with from <= key <= to in serialized-key order (as Kafka Streams).
  std::vector<std::pair<K, V>> range(const K& from, const K& to) const {
    const Bytes from_bytes = key_serde_.to_bytes(from);
    const Bytes to_bytes = key_serde_.to_bytes(to);
    return collect(store_->range(from_bytes, to_bytes));
  }

  std::vector<std::pair<K, V>> all() const { return collect(store_->all()); }

  uint64_t approximate_num_entries() const { return store_->approximate_num_entries(); }
  const std::string& name() const { return store_->name(); }
  BytesKeyValueStore& bytes_store() const { return *store_; }

 protected:
  std::vector<std::pair<K, V>> collect(std::unique_ptr<KeyValueIterator> it) const {
    std::vector<std::pair<K, V>> out;
    for (; it->valid(); it->next()) {
      out.emplace_back(key_serde_.deserialize(it->key()), value_serde_.deserialize(it->value()));
    }
    return out;
  }

  BytesKeyValueStore* store_;
  Serde<K> key_serde_;
  Serde<V> value_serde_;
  mutable Bytes scratch_;  // reused key buffer: no allocation per get once warmed up
};

template <typename K, typename V>
class KeyValueStore : public ReadOnlyKeyValueStore<K, V> {
 public:
  using ReadOnlyKeyValueStore<K, V>::ReadOnlyKeyValueStore;

  void put(const K& key, const V& value) {
    this->scratch_.clear();
    this->key_serde_.serialize(key, this->scratch_);
    value_scratch_.clear();
    this->value_serde_.serialize(value, value_scratch_);
    this->store_->put(this->scratch_, std::string_view(value_scratch_));
  }

  // Stores `value` unless the key has one; returns the existing value if any.
  std::optional<V> put_if_absent(const K& key, const V& value) {
    if (auto existing = this->get(key)) return existing;
    put(key, value);
    return std::nullopt;
  }

  // Deletes the key; returns the value it had.
  std::optional<V> remove(const K& key) {
    auto old = this->get(key);
    this->store_->put(this->key_serde_.to_bytes(key), std::nullopt);
    return old;
  }

 private:
  Bytes value_scratch_;
};

}  // namespace eddy
