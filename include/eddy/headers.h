// eddy/headers.h — Kafka record headers as Eddy passes them around.
//
//   eddy::Headers headers{{"trace-id", "abc"}, {"empty", std::nullopt}};
//   if (auto v = eddy::header_value(headers, "trace-id")) use(*v);
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eddy {

struct Header {
  std::string key;
  std::optional<std::string> value;  // Kafka allows a header without a value
  bool operator==(const Header&) const = default;
};

// In record order; Kafka allows the same key more than once.
using Headers = std::vector<Header>;

// The value of the last header named `key`, if any.
inline std::optional<std::string_view> header_value(const Headers& headers, std::string_view key) {
  for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
    if (it->key == key && it->value) return std::string_view(*it->value);
  }
  return std::nullopt;
}

}  // namespace eddy
