// eddy/detail/nodes/io_nodes.h — source and sink nodes: deserialize once at the source, serialize
// once at the sink (internal).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <type_traits>

#include "eddy/detail/nodes/node.h"
#include "eddy/dsl/stream_partitioner.h"
#include "eddy/serde/serdes.h"

namespace eddy::detail {

// Deserializes a raw record. A null key becomes Stamp::null_key with a value-initialized K; a
// null value becomes std::nullopt when V is an optional, and is dropped otherwise.
// The event time is the record's timestamp, or extractor(key, value, record timestamp); a
// negative one (or a throwing extractor) goes to the deserialization handler.
template <typename K, typename V>
class SourceNode final : public SourceInstance {
 public:
  using Extractor = std::function<int64_t(const K&, const V&, int64_t)>;
  SourceNode(std::string name, Serde<K> key_serde, Serde<V> value_serde, Extractor extractor = {})
      : SourceInstance(std::move(name)),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)),
        extractor_(std::move(extractor)),
        key_identity_(key_serde_.is_identity()),
        value_identity_(value_serde_.is_identity()) {}
  void connect(NodeInstance* child, int /*port*/) override { out_.connect(*this, child); }

  void process_raw(std::optional<std::string_view> key, std::optional<std::string_view> value,
                   int64_t timestamp) override {
    // Only deserialization is a deserialization error: what the nodes downstream throw
    // (a store's serde included) is a processing error of this record, for the task to handle.
    Stamp stamp{timestamp, !key.has_value()};
    if constexpr (IsOptional<V>::value) {
      std::optional<V> v;
      std::optional<K> k;
      try {
        v.emplace(value ? value_serde_.deserialize(*value) : V{});
        k.emplace(key ? key_serde_.deserialize(*key) : K{});
      } catch (const SerdeError& e) {
        context_->deserialization_failed(name(), e);
        return;
      }
      emit(*k, *v, stamp);
    } else {
      if (!value) {
        context_->record_dropped(name(),
                                 "null value (declare the value type std::optional<V> to keep it)");
        return;
      }
      std::optional<V> v;
      std::optional<K> k;
      const V* vp = nullptr;
      const K* kp = nullptr;
      try {
        vp = decoded(value_serde_, value_identity_, *value, v, value_buf_);
        kp = key ? decoded(key_serde_, key_identity_, *key, k, key_buf_)
                 : &k.emplace();  // a null key: value-initialized (Stamp::null_key says so)
      } catch (const SerdeError& e) {
        context_->deserialization_failed(name(), e);
        return;
      }
      emit(*kp, *vp, stamp);
    }
  }

 private:
  // The deserialized `bytes`. With the string serdes the bytes are the value: they go into a
  // buffer reused record after record (no allocation once warm); the nodes downstream get it
  // by const reference for this record only, as always. Else into `slot`.
  template <typename T>
  static const T* decoded(const Serde<T>& serde, bool identity, std::string_view bytes,
                          std::optional<T>& slot, std::string& buf) {
    if constexpr (std::is_same_v<T, std::string>) {
      if (identity) {
        buf.assign(bytes.data(), bytes.size());
        return &buf;
      }
    }
    return &slot.emplace(serde.deserialize(bytes));
  }

  void emit(const K& key, const V& value, Stamp stamp) {
    if (extractor_) {
      try {
        stamp.timestamp = extractor_(key, value, stamp.timestamp);
      } catch (const std::exception& e) {
        context_->deserialization_failed(
            name(), SerdeError(std::string("timestamp extractor: ") + e.what()));
        return;
      }
    }
    if (stamp.timestamp < 0) {
      context_->deserialization_failed(
          name(), SerdeError("invalid timestamp " + std::to_string(stamp.timestamp) +
                             " (event times must not be negative)"));
      return;
    }
    out_.forward(key, value, stamp);
  }

  Serde<K> key_serde_;
  Serde<V> value_serde_;
  Extractor extractor_;
  bool key_identity_;
  bool value_identity_;
  std::string key_buf_;  // reused by the string serdes (see decoded())
  std::string value_buf_;
  Output<K, V> out_;
};

// Serializes and hands the record to the task's record collector. A value of std::nullopt
// (optional V) is written as a Kafka null (tombstone). The partition: the user's partitioner
// when there is one; else, with `by_base_key` (to() with a windowed key serde), Kafka's
// default partition of the key inside the window (Kafka Streams' WindowedStreamPartitioner);
// else the collector's default partitioning of the key bytes.
template <typename K, typename V>
class SinkNode final : public Input<K, V> {
 public:
  SinkNode(std::string name, std::string topic, Serde<K> key_serde, Serde<V> value_serde,
           StreamPartitioner<K, V> partitioner = {}, bool by_base_key = false)
      : Input<K, V>(std::move(name)),
        topic_(std::move(topic)),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)),
        partitioner_(std::move(partitioner)),
        by_base_key_(by_base_key && key_serde_.has_base_key()),
        key_identity_(key_serde_.is_identity()),
        value_identity_(value_serde_.is_identity()) {}

  void process(const K& key, const V& value, Stamp stamp) override {
    std::optional<std::string_view> k;
    std::optional<std::string_view> v;
    try {
      if (!stamp.null_key) k = serialized(key_serde_, key_identity_, key, key_buf_);
      if constexpr (IsOptional<V>::value) {
        if (value.has_value()) v = serialized(value_serde_, value_identity_, value, value_buf_);
      } else {
        v = serialized(value_serde_, value_identity_, value, value_buf_);
      }
    } catch (const SerdeError& e) {
      // A production error (Kafka Streams' handleSerializationError), not this record's
      // processing: the production handler decides.
      this->context_->serialization_failed(this->name(), topic_, k, v, stamp.timestamp, e);
      return;
    }
    this->context_->send(topic_, choose_partition(key, value, stamp), k, v, stamp.timestamp,
                         this->name());
  }

 private:
  // The bytes of `t`: the string itself when the serde is the identity one (no copy),
  // otherwise serialized into `buf`.
  template <typename T>
  static std::string_view serialized(const Serde<T>& serde, bool identity, const T& t,
                                     std::string& buf) {
    if constexpr (std::is_same_v<T, std::string>) {
      if (identity) return t;
    }
    buf.clear();
    serde.serialize(t, buf);
    return buf;
  }

  std::optional<int32_t> choose_partition(const K& key, const V& value, Stamp stamp) {
    if (!partitioner_ && (!by_base_key_ || stamp.null_key)) return std::nullopt;
    const int32_t n = this->context_->partition_count(topic_);
    if (!partitioner_) {
      base_key_buf_.clear();
      key_serde_.serialize_base_key(key, base_key_buf_);
      return default_partition(base_key_buf_, n);
    }
    // As Kafka Streams: a user's partitioner replaces the windowed one entirely, and its
    // std::nullopt means the default partitioning of the (whole) key bytes.
    std::optional<int32_t> p = partitioner_(topic_, key, value, n);
    if (p && (*p < 0 || *p >= n)) {
      throw Error("sink '" + this->name() + "': the stream partitioner chose partition " +
                  std::to_string(*p) + " but topic '" + topic_ + "' has " + std::to_string(n) +
                  " partitions (valid: 0.." + std::to_string(n - 1) + ")");
    }
    return p;
  }

  std::string topic_;
  Serde<K> key_serde_;
  Serde<V> value_serde_;
  StreamPartitioner<K, V> partitioner_;
  bool by_base_key_;
  bool key_identity_;
  bool value_identity_;
  std::string key_buf_;  // reused: no allocation per record once warmed up
  std::string value_buf_;
  std::string base_key_buf_;
};

}  // namespace eddy::detail
