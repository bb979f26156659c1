// The two record types of the retail event contract (docs/retail-events.md) and their
// serdes: a RetailEvent on `retail.events` (key customer_id) and an InventoryUpdate on
// `retail.inventory` (key sku).
//
// Parsing is strict where the apps depend on a field: a value that is not JSON, or lacks
// `type`/`customer_id`/`ts` (events) or `sku`/`stock` (inventory), throws SerdeError from the
// serde, so the source hands it to default.deserialization.exception.handler (log, count
// and skip by default) instead of stopping the app in a later lambda.
//
//   builder.stream<std::string, RetailEvent>("retail.events", retail_events_consumed());
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "eddy/dsl/consumed.h"

namespace eddy::examples {

struct RetailEvent {
  std::string event_id;
  std::string type;  // page_view, add_to_cart, ..., checkout_failed, purchase
  std::string customer_id;
  std::optional<std::string> sku;  // absent on checkout_started / checkout_failed
  std::optional<std::string> category;
  std::optional<double> price;
  std::optional<int64_t> quantity;
  int64_t ts = 0;  // event time, epoch ms
};

struct InventoryUpdate {
  std::string sku;
  int64_t stock = 0;
  int64_t ts = 0;
};

namespace detail {
template <typename T>
void read_optional(const nlohmann::json& j, const char* name, std::optional<T>& out) {
  const auto it = j.find(name);
  if (it != j.end() && !it->is_null()) out = it->get<T>();
}
}  // namespace detail

// nlohmann hooks (found by ADL): `at()` and `get()` throw nlohmann exceptions on a missing
// or mistyped field, which serdes::json<T>() turns into SerdeError.
inline void from_json(const nlohmann::json& j, RetailEvent& e) {
  e.type = j.at("type").get<std::string>();
  e.customer_id = j.at("customer_id").get<std::string>();
  e.ts = j.at("ts").get<int64_t>();
  e.event_id = j.value("event_id", std::string());
  detail::read_optional(j, "sku", e.sku);
  detail::read_optional(j, "category", e.category);
  detail::read_optional(j, "price", e.price);
  detail::read_optional(j, "quantity", e.quantity);
}

inline void to_json(nlohmann::json& j, const RetailEvent& e) {
  j = {{"event_id", e.event_id}, {"type", e.type}, {"customer_id", e.customer_id}, {"ts", e.ts}};
  if (e.sku) j["sku"] = *e.sku;
  if (e.category) j["category"] = *e.category;
  if (e.price) j["price"] = *e.price;
  if (e.quantity) j["quantity"] = *e.quantity;
}

inline void from_json(const nlohmann::json& j, InventoryUpdate& u) {
  u.sku = j.at("sku").get<std::string>();
  u.stock = j.at("stock").get<int64_t>();
  u.ts = j.value("ts", int64_t{0});
}

inline void to_json(nlohmann::json& j, const InventoryUpdate& u) {
  j = {{"sku", u.sku}, {"stock", u.stock}, {"ts", u.ts}};
}

// retail.events with the event time taken from the value's `ts` (the contract's event time;
// the load generator also stamps the Kafka record with it, so both agree).
inline Consumed<std::string, RetailEvent> retail_events_consumed() {
  return Consumed<std::string, RetailEvent>{}.with_timestamp_extractor(
      [](const std::string&, const RetailEvent& event, int64_t) { return event.ts; });
}

}  // namespace eddy::examples
