// eddy/detail/nodes/timestamped_store.h — a typed key-value store whose values carry the timestamp
// of the record that last wrote them: bytes [8-byte big-endian timestamp][value] (internal).
// Tables and aggregations use it so their output timestamp can be the max of their inputs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "eddy/detail/task/task_context.h"
#include "eddy/errors.h"
#include "eddy/serde/serdes.h"
#include "eddy/state/bytes_stores.h"

namespace eddy::detail {

template <typename V>
struct ValueAndTimestamp {
  V value;
  int64_t timestamp;
};

// The one encoding of a stored value with the timestamp of the record that wrote it:
// [8-byte big-endian timestamp][value bytes] (key-value, window and session stores alike, as
// Kafka Streams' ValueAndTimestamp serde). encode() returns a view of the codec's own buffer,
// valid until the next encode().
template <typename V>
class StampedValueCodec {
 public:
  StampedValueCodec() = default;
  explicit StampedValueCodec(Serde<V> serde) : serde_(std::move(serde)) {}

  std::string_view encode(const V& value, int64_t timestamp) {
    buf_.clear();
    append_big_endian_u64(static_cast<uint64_t>(timestamp), buf_);
    serde_.serialize(value, buf_);
    return buf_;
  }
  // `store` names the store in the error of a value too short to hold its timestamp.
  ValueAndTimestamp<V> decode(std::string_view bytes, const std::string& store = {}) const {
    if (bytes.size() < 8) {
      throw SerdeError("store '" + store + "': value of " + std::to_string(bytes.size()) +
                       " bytes is shorter than its 8-byte timestamp");
    }
    const auto ts = static_cast<int64_t>(read_big_endian_u64(bytes.substr(0, 8), "timestamp"));
    return ValueAndTimestamp<V>{serde_.deserialize(bytes.substr(8)), ts};
  }

 private:
  Serde<V> serde_;
  std::string buf_;
};

// A typed key-value store of stamped values (tables, aggregations, join sides).
template <typename K, typename V>
class TimestampedStore {
 public:
  TimestampedStore() = default;
  TimestampedStore(BytesKeyValueStore* store, Serde<K> key_serde, Serde<V> value_serde)
      : store_(store), key_serde_(std::move(key_serde)), codec_(std::move(value_serde)) {}

  std::optional<ValueAndTimestamp<V>> get(const K& key) {
    auto bytes = store_->get(serialize_key(key));
    if (!bytes) return std::nullopt;
    return decode(*bytes);
  }
  ValueAndTimestamp<V> decode(std::string_view bytes) const {
    return codec_.decode(bytes, store_->name());
  }
  K decode_key(std::string_view bytes) const { return key_serde_.deserialize(bytes); }
  void put(const K& key, const V& value, int64_t timestamp) {
    const std::string_view k = serialize_key(key);
    store_->put(k, codec_.encode(value, timestamp));
  }
  void remove(const K& key) { store_->put(serialize_key(key), std::nullopt); }

 private:
  std::string_view serialize_key(const K& key) {
    key_buf_.clear();
    key_serde_.serialize(key, key_buf_);
    return key_buf_;
  }

  BytesKeyValueStore* store_ = nullptr;
  Serde<K> key_serde_;
  StampedValueCodec<V> codec_;
  std::string key_buf_;
};

// The store named `name` from the task as the byte-level interface T (BytesKeyValueStore*,
// BytesWindowStore*, BytesSessionStore*), or a TopologyError naming the node and `kind`.
template <typename T>
T lookup_store_as(TaskContext& context, const std::string& name, const std::string& node,
                  const char* kind) {
  auto* store = dynamic_cast<T>(context.store(name));
  if (store == nullptr) {
    throw TopologyError("node '" + node + "' needs " + kind + " store '" + name +
                        "', which this task does not have");
  }
  return store;
}

inline BytesKeyValueStore* lookup_kv_store(TaskContext& context, const std::string& name,
                                           const std::string& node) {
  return lookup_store_as<BytesKeyValueStore*>(context, name, node, "key-value");
}

}  // namespace eddy::detail
