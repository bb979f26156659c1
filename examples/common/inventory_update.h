// InventoryUpdate: one record of retail.inventory (docs/retail-events.md; key sku), and its
// serde. Strict like RetailEvent's: a value that is not JSON or lacks `sku`/`stock` throws
// SerdeError, so the table source hands it to default.deserialization.exception.handler (log
// and continue by default) and the table keeps its previous row.
//
//   builder.table<std::string, InventoryUpdate>("retail.inventory");   // default_serde: JSON
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace eddy::examples {

struct InventoryUpdate {
  std::string sku;
  int64_t stock = 0;  // units on hand; 0 (or less) means out of stock
  int64_t ts = 0;     // event time, epoch ms
};

// nlohmann hooks (found by ADL): `at()`/`get()` throw on a missing or mistyped field, which
// serdes::json<T>() turns into SerdeError.
inline void from_json(const nlohmann::json& j, InventoryUpdate& u) {
  u.sku = j.at("sku").get<std::string>();
  u.stock = j.at("stock").get<int64_t>();
  u.ts = j.value("ts", int64_t{0});
}

inline void to_json(nlohmann::json& j, const InventoryUpdate& u) {
  j = {{"sku", u.sku}, {"stock", u.stock}, {"ts", u.ts}};
}

}  // namespace eddy::examples
