// eddy/serde/serde.h — Serde<T>: how a key or value type becomes bytes and back.
//
// A Serde is a small value object (two function objects). Built-in ones cover strings,
// raw bytes, int64 (8 bytes big-endian, as Java's LongSerializer), double (IEEE-754
// big-endian, as Java's DoubleSerializer) and JSON for nlohmann::json or any type with
// nlohmann to_json/from_json. `default_serde<T>()` picks the built-in one for T.
//
//   eddy::Serde<int64_t> longs = eddy::serdes::int64();
//   std::string bytes;
//   longs.serialize(42, bytes);                    // 8 bytes, big-endian
//   int64_t back = longs.deserialize(bytes);       // throws eddy::SerdeError when malformed
//
//   struct Event { std::string sku; double price; };   // with to_json/from_json
//   auto events = eddy::serdes::json<Event>();
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace eddy {

// Raw bytes (the byte-level store and Kafka layers use std::string as a byte buffer).
using Bytes = std::string;

template <typename T>
class Serde {
 public:
  // Appends the bytes of `value` to `out` (callers clear `out` when they need only these).
  using SerializeFn = std::function<void(const T& value, std::string& out)>;
  // Throws SerdeError (no position) when `bytes` is not a valid T; callers add the position.
  using DeserializeFn = std::function<T(std::string_view bytes)>;

  Serde() = default;
  Serde(SerializeFn serialize, DeserializeFn deserialize, std::string name = "custom")
      : serialize_(std::move(serialize)),
        deserialize_(std::move(deserialize)),
        name_(std::move(name)) {}

  void serialize(const T& value, std::string& out) const { serialize_(value, out); }
  std::string to_bytes(const T& value) const {
    std::string out;
    serialize_(value, out);
    return out;
  }
  T deserialize(std::string_view bytes) const { return deserialize_(bytes); }

  // False for a default-constructed Serde (topology building reports "missing serde").
  explicit operator bool() const { return serialize_ && deserialize_; }
  const std::string& name() const { return name_; }

  // Windowed key serdes only (serdes::time_windowed, serdes::session_windowed): writes the
  // bytes of the key inside the window, without the window. to() partitions windowed keys
  // by these bytes, so every window of a key goes to the partition of the plain key (Kafka
  // Streams' WindowedSerializer::serializeBaseKey, used by its WindowedStreamPartitioner).
  Serde& with_base_key(SerializeFn base_key) {
    base_key_ = std::move(base_key);
    return *this;
  }
  bool has_base_key() const { return static_cast<bool>(base_key_); }
  void serialize_base_key(const T& value, std::string& out) const { base_key_(value, out); }

  // Marks a Serde<std::string> whose bytes are the string itself (serdes::string() and
  // serdes::bytes()): sinks then hand the string to Kafka without copying it first.
  Serde& with_identity_bytes() {
    identity_ = true;
    return *this;
  }
  bool is_identity() const { return identity_; }

 private:
  SerializeFn serialize_;
  DeserializeFn deserialize_;
  std::string name_;
  SerializeFn base_key_;  // empty except for windowed key serdes
  bool identity_ = false;
};

}  // namespace eddy
