// eddy/serde/serdes.h — the built-in serdes and default_serde<T>().
//
// Strings and raw bytes are copied as they are; int64 is 8 bytes big-endian (Java's
// LongSerializer) and double is IEEE-754 big-endian (Java's DoubleSerializer); json<T>() uses
// nlohmann's to_json/from_json for T; nullable(serde) turns a Serde<T> into a
// Serde<std::optional<T>> whose std::nullopt is a Kafka null (a tombstone in a table).
// Malformed bytes throw eddy::SerdeError; the source node adds topic, partition and offset.
//
//   auto prices = eddy::serdes::double_();
//   auto skus = eddy::default_serde<std::string>();          // serdes::string()
//   struct Order { std::string sku; int qty; };               // + to_json / from_json
//   auto orders = eddy::default_serde<Order>();               // serdes::json<Order>()
//   if (!eddy::default_serde<MyType>()) { /* no built-in serde: pass one explicitly */ }
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "eddy/errors.h"
#include "eddy/serde/serde.h"

namespace eddy {
namespace detail {

inline void append_big_endian_u64(uint64_t v, std::string& out) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out.append(buf, 8);
}

inline uint64_t read_big_endian_u64(std::string_view bytes, const char* what) {
  if (bytes.size() != 8) {
    throw SerdeError(std::string(what) + " serde: expected 8 bytes, got " +
                     std::to_string(bytes.size()));
  }
  uint64_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

template <typename T>
concept JsonConvertible = requires(nlohmann::json& j, const T& t, T& out) {
  nlohmann::to_json(j, t);
  nlohmann::from_json(j, out);
}
|| requires(nlohmann::json& j, const T& t, T& out) {
  to_json(j, t);
  from_json(j, out);
};

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {
  using Inner = T;
};

}  // namespace detail

namespace serdes {

// UTF-8 (or any) text, copied as is.
inline Serde<std::string> string() {
  return Serde<std::string>([](const std::string& v, std::string& out) { out.append(v); },
                            [](std::string_view b) { return std::string(b); }, "string")
      .with_identity_bytes();
}

// Raw bytes (eddy::Bytes is std::string used as a byte buffer), copied as is.
inline Serde<Bytes> bytes() {
  return Serde<Bytes>([](const Bytes& v, std::string& out) { out.append(v); },
                      [](std::string_view b) { return Bytes(b); }, "bytes")
      .with_identity_bytes();
}

// 8 bytes, big-endian two's complement: what Java's LongSerializer writes.
inline Serde<int64_t> int64() {
  return Serde<int64_t>(
      [](const int64_t& v, std::string& out) {
        detail::append_big_endian_u64(static_cast<uint64_t>(v), out);
      },
      [](std::string_view b) {
        return static_cast<int64_t>(detail::read_big_endian_u64(b, "int64"));
      },
      "int64");
}

// IEEE-754 binary64, big-endian: what Java's DoubleSerializer writes.
inline Serde<double> double_() {  // NOLINT(readability-identifier-naming): `double` is taken
  return Serde<double>(
      [](const double& v, std::string& out) {
        detail::append_big_endian_u64(std::bit_cast<uint64_t>(v), out);
      },
      [](std::string_view b) {
        return std::bit_cast<double>(detail::read_big_endian_u64(b, "double"));
      },
      "double");
}

// A raw nlohmann::json document as UTF-8 JSON text.
inline Serde<nlohmann::json> json() {
  return Serde<nlohmann::json>(
      [](const nlohmann::json& v, std::string& out) { out.append(v.dump()); },
      [](std::string_view b) {
        try {
          return nlohmann::json::parse(b);
        } catch (const nlohmann::json::exception& e) {
          throw SerdeError(std::string("json serde: ") + e.what());
        }
      },
      "json");
}

// Any T with nlohmann to_json/from_json, as JSON text.
template <typename T>
Serde<T> json() {
  return Serde<T>([](const T& v, std::string& out) { out.append(nlohmann::json(v).dump()); },
                  [](std::string_view b) {
                    try {
                      return nlohmann::json::parse(b).template get<T>();
                    } catch (const nlohmann::json::exception& e) {
                      throw SerdeError(std::string("json serde: ") + e.what());
                    }
                  },
                  "json");
}

// std::nullopt <-> Kafka null. Only the sink and source nodes see the null itself: the
// functions here handle present values (serialize of nullopt writes nothing).
template <typename T>
Serde<std::optional<T>> nullable(Serde<T> inner) {
  if (!inner) return {};
  std::string name = "nullable(" + inner.name() + ")";
  return Serde<std::optional<T>>(
      [inner](const std::optional<T>& v, std::string& out) {
        if (v) inner.serialize(*v, out);
      },
      [inner](std::string_view b) { return std::optional<T>(inner.deserialize(b)); },
      std::move(name));
}

}  // namespace serdes

// The built-in serde for T, or an empty Serde (operator bool false) when there is none;
// building a topology that needs it then fails naming the operator.
template <typename T>
Serde<T> default_serde() {
  if constexpr (std::is_same_v<T, std::string>) {
    return serdes::string();
  } else if constexpr (std::is_same_v<T, int64_t>) {
    return serdes::int64();
  } else if constexpr (std::is_same_v<T, double>) {
    return serdes::double_();
  } else if constexpr (std::is_same_v<T, nlohmann::json>) {
    return serdes::json();
  } else if constexpr (detail::IsOptional<T>::value) {
    return serdes::nullable(default_serde<typename detail::IsOptional<T>::Inner>());
  } else if constexpr (detail::JsonConvertible<T>) {
    return serdes::json<T>();
  } else {
    return Serde<T>();
  }
}

}  // namespace eddy
