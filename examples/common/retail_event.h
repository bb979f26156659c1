// RetailEvent: one record of retail.events (docs/retail-events.md), and its serde.
//
// The serde is strict on purpose: a value that is not JSON, or lacks `type`, `customer_id` or
// `ts`, or has an unknown `type`, or is an offer_exposure without `offer_id` or `sku`, or has a
// price or quantity that is negative, non-finite or absurd (above kMaxRetailPrice /
// kMaxRetailQuantity), throws SerdeError, so the source node hands the record to
// default.deserialization.exception.handler (log and continue by default) instead of the
// topology seeing half an event.
//
//   builder.stream<std::string, RetailEvent>("retail.events", retail_events_consumed());
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/retail_event_reader.h"
#include "eddy/dsl/consumed.h"
#include "eddy/errors.h"
#include "eddy/serde/serdes.h"

namespace eddy::examples {

// The header eddy-loadgen puts on every record: when it produced it (decimal ms since the
// epoch). Apps measure freshness from it (SinkOptions::produced_time_header), apart from
// event time, which the generator may shift into the past on purpose.
inline constexpr std::string_view kProducedAtHeader = "produced_at_ms";

enum class EventType {
  kPageView,
  kAddToCart,
  kRemoveFromCart,
  kCheckoutStarted,
  kCheckoutFailed,
  kPurchase,
  kOfferExposure
};

NLOHMANN_JSON_SERIALIZE_ENUM(EventType, {{EventType::kPageView, "page_view"},
                                         {EventType::kAddToCart, "add_to_cart"},
                                         {EventType::kRemoveFromCart, "remove_from_cart"},
                                         {EventType::kCheckoutStarted, "checkout_started"},
                                         {EventType::kCheckoutFailed, "checkout_failed"},
                                         {EventType::kPurchase, "purchase"},
                                         {EventType::kOfferExposure, "offer_exposure"}})

// The largest price and quantity an event may carry; the serde rejects more (and negative or
// non-finite values) as malformed, so amount() is always finite.
inline constexpr double kMaxRetailPrice = 1'000'000;
inline constexpr int64_t kMaxRetailQuantity = 1'000'000;

struct RetailEvent {
  std::string event_id;
  EventType type = EventType::kPageView;
  std::string customer_id;
  std::string sku;       // empty when absent
  std::string category;  // empty when absent
  double price = 0;      // 0 when absent
  int64_t quantity = 1;  // 1 when absent
  std::string offer_id;  // offer_exposure only; empty when absent
  int64_t ts = 0;        // event time, epoch ms

  // price × quantity: what this event moves into (or out of) a cart, or pays.
  double amount() const { return price * static_cast<double>(quantity); }

  bool operator==(const RetailEvent&) const = default;
};

inline void to_json(nlohmann::json& j, const RetailEvent& e) {
  j = {{"event_id", e.event_id}, {"type", e.type}, {"customer_id", e.customer_id}, {"ts", e.ts}};
  if (!e.sku.empty()) j["sku"] = e.sku;
  if (!e.category.empty()) j["category"] = e.category;
  if (!e.offer_id.empty()) j["offer_id"] = e.offer_id;
  if (e.type != EventType::kCheckoutStarted && e.type != EventType::kCheckoutFailed &&
      e.type != EventType::kOfferExposure) {
    j["price"] = e.price;
    j["quantity"] = e.quantity;
  }
}

// An integer field (`fallback` when absent): refused with SerdeError unless it is a whole number
// within int64. nlohmann's get<int64_t>() converts a number too large for int64 (parsed as a
// double, e.g. "ts":3.4e23) with an undefined float-to-integer cast; found by fuzzing
// (tests/fuzz/fuzz_retail_event.cc).
inline int64_t retail_integer_field(const nlohmann::json& j, const char* name,
                                    std::optional<int64_t> fallback = std::nullopt) {
  const auto it = j.find(name);
  if (it == j.end()) {
    if (fallback) return *fallback;
    throw SerdeError(std::string("retail event: no '") + name + "'");
  }
  const nlohmann::json& v = *it;
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) return v.get<int64_t>();
  } else if (v.is_number_integer()) {
    return v.get<int64_t>();
  } else if (v.is_number_float()) {
    const double d = v.get<double>();
    // [-2^63, 2^63): the doubles that convert to int64 exactly when whole.
    if (std::isfinite(d) && d == std::trunc(d) && d >= -9223372036854775808.0 &&
        d < 9223372036854775808.0) {
      return static_cast<int64_t>(d);
    }
  }
  throw SerdeError(std::string("retail event: ") + name + " " + v.dump() +
                   " is not a whole number within int64");
}

inline void from_json(const nlohmann::json& j, RetailEvent& e) {
  const std::string type = j.at("type").get<std::string>();
  e.type = nlohmann::json(type).get<EventType>();
  // NLOHMANN_JSON_SERIALIZE_ENUM maps an unknown string to the first enumerator: reject it.
  if (type != nlohmann::json(e.type).get<std::string>()) {
    throw SerdeError("retail event: unknown type '" + type + "'");
  }
  e.customer_id = j.at("customer_id").get<std::string>();
  e.ts = retail_integer_field(j, "ts");
  e.event_id = j.value("event_id", std::string());
  e.sku = j.value("sku", std::string());
  e.category = j.value("category", std::string());
  e.price = j.value("price", 0.0);
  e.quantity = retail_integer_field(j, "quantity", int64_t{1});
  // Amounts are checked here, at the boundary: a non-finite or absurd price would otherwise
  // reach a session's cart value or revenue (JSON writes a non-finite double as null, and
  // the aggregate's own serde would then fail on every later event of the session).
  if (!std::isfinite(e.price) || e.price < 0 || e.price > kMaxRetailPrice) {
    throw SerdeError("retail event: price " + j.at("price").dump() + " is not a number in [0, " +
                     std::to_string(static_cast<int64_t>(kMaxRetailPrice)) + "]");
  }
  if (e.quantity < 0 || e.quantity > kMaxRetailQuantity) {
    throw SerdeError("retail event: quantity " + std::to_string(e.quantity) + " is not in [0, " +
                     std::to_string(kMaxRetailQuantity) + "]");
  }
  e.offer_id = j.value("offer_id", std::string());
  if (e.type == EventType::kOfferExposure && (e.offer_id.empty() || e.sku.empty())) {
    throw SerdeError("retail event: offer_exposure without offer_id or sku");
  }
}

// The event in `bytes` when it is plainly valid (RetailEventSax), without a JSON document;
// nullopt for anything else, from_json's to decide (retail_event_reader.h).
inline std::optional<RetailEvent> read_retail_event(std::string_view bytes) {
  RetailEventSax sax;
  if (!nlohmann::json::sax_parse(bytes.begin(), bytes.end(), &sax) || !sax.object ||
      !sax.has_type || !sax.has_customer_id || !sax.has_ts) {
    return std::nullopt;
  }
  static const std::pair<std::string_view, EventType> kTypes[] = {
      {"page_view", EventType::kPageView},
      {"add_to_cart", EventType::kAddToCart},
      {"remove_from_cart", EventType::kRemoveFromCart},
      {"checkout_started", EventType::kCheckoutStarted},
      {"checkout_failed", EventType::kCheckoutFailed},
      {"purchase", EventType::kPurchase},
      {"offer_exposure", EventType::kOfferExposure}};
  RetailEvent e;
  const auto* type = std::find_if(std::begin(kTypes), std::end(kTypes),
                                  [&](const auto& t) { return t.first == sax.type; });
  if (type == std::end(kTypes)) return std::nullopt;
  e.type = type->second;
  // from_json's checks (an event it refuses is left to it, for its error).
  if (!std::isfinite(sax.price) || sax.price < 0 || sax.price > kMaxRetailPrice ||
      sax.quantity < 0 || sax.quantity > kMaxRetailQuantity ||
      (e.type == EventType::kOfferExposure && (sax.offer_id.empty() || sax.sku.empty()))) {
    return std::nullopt;
  }
  e.event_id = std::move(sax.event_id);
  e.customer_id = std::move(sax.customer_id);
  e.sku = std::move(sax.sku);
  e.category = std::move(sax.category);
  e.price = sax.price;
  e.quantity = sax.quantity;
  e.offer_id = std::move(sax.offer_id);
  e.ts = sax.ts;
  return e;
}

// Values of retail.events: JSON, strict (see above). Plainly valid events are read without a
// JSON document (read_retail_event); from_json reads the rest and names what is wrong.
inline Serde<RetailEvent> retail_event_serde() {
  const Serde<RetailEvent> general = serdes::json<RetailEvent>();
  return Serde<RetailEvent>(
      [general](const RetailEvent& e, std::string& out) { general.serialize(e, out); },
      [general](std::string_view bytes) {
        if (auto e = read_retail_event(bytes)) return std::move(*e);
        return general.deserialize(bytes);
      },
      general.name());
}

// How every app reads retail.events: string keys, strict JSON values, event time from `ts`.
inline Consumed<std::string, RetailEvent> retail_events_consumed() {
  auto consumed = Consumed<std::string, RetailEvent>::with(serdes::string(), retail_event_serde());
  consumed.with_timestamp_extractor(
      [](const std::string&, const RetailEvent& event, int64_t) { return event.ts; });
  return consumed;
}

}  // namespace eddy::examples
