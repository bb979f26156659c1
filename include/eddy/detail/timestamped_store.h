// eddy/detail/timestamped_store.h — a typed key-value store whose values carry the timestamp
// of the record that last wrote them: bytes [8-byte big-endian timestamp][value] (internal).
// Tables and aggregations use it so their output timestamp can be the max of their inputs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "eddy/errors.h"
#include "eddy/serde/serdes.h"
#include "eddy/state/bytes_stores.h"

namespace eddy::detail {

template <typename V>
struct ValueAndTimestamp {
  V value;
  int64_t timestamp;
};

template <typename K, typename V>
class TimestampedStore {
 public:
  TimestampedStore() = default;
  TimestampedStore(BytesKeyValueStore* store, Serde<K> key_serde, Serde<V> value_serde)
      : store_(store), key_serde_(std::move(key_serde)), value_serde_(std::move(value_serde)) {}

  std::optional<ValueAndTimestamp<V>> get(const K& key) {
    key_buf_.clear();
    key_serde_.serialize(key, key_buf_);
    auto bytes = store_->get(key_buf_);
    if (!bytes) return std::nullopt;
    return decode(*bytes);
  }
  // A stored value: [8-byte big-endian timestamp][value bytes].
  ValueAndTimestamp<V> decode(std::string_view bytes) const {
    if (bytes.size() < 8) throw SerdeError("store '" + store_->name() + "': value too short");
    const auto ts = static_cast<int64_t>(read_big_endian_u64(bytes.substr(0, 8), "timestamp"));
    return ValueAndTimestamp<V>{value_serde_.deserialize(bytes.substr(8)), ts};
  }
  K decode_key(std::string_view bytes) const { return key_serde_.deserialize(bytes); }
  void put(const K& key, const V& value, int64_t timestamp) {
    key_buf_.clear();
    key_serde_.serialize(key, key_buf_);
    value_buf_.clear();
    append_big_endian_u64(static_cast<uint64_t>(timestamp), value_buf_);
    value_serde_.serialize(value, value_buf_);
    store_->put(key_buf_, std::string_view(value_buf_));
  }
  void remove(const K& key) {
    key_buf_.clear();
    key_serde_.serialize(key, key_buf_);
    store_->put(key_buf_, std::nullopt);
  }

 private:
  BytesKeyValueStore* store_ = nullptr;
  Serde<K> key_serde_;
  Serde<V> value_serde_;
  std::string key_buf_;
  std::string value_buf_;
};

// The byte-level store named `name` from the task, or a TopologyError naming the node.
inline BytesKeyValueStore* lookup_kv_store(TaskContext& context, const std::string& name,
                                           const std::string& node) {
  auto* store = dynamic_cast<BytesKeyValueStore*>(context.store(name));
  if (store == nullptr) {
    throw TopologyError("node '" + node + "' needs key-value store '" + name +
                        "', which this task does not have");
  }
  return store;
}

}  // namespace eddy::detail
