// eddy-offer-attribution's topology: "did this shopper buy what the offer showed, within 30
// minutes of seeing it?" Purchases are joined with the offer exposures of the same customer
// (a KStream-KStream join, both keyed by customer_id, so no repartition) and attributed to an
// exposure of the same SKU; each purchase is attributed at most once.
//
//   eddy::StreamsBuilder builder;
//   eddy::examples::add_offer_attribution(builder, {.window = 30min,
//                                                  .conversions_sink = redis_hash_sink});
//   // offer.attributions: key customer_id, value
//   //   {"customer_id":"c-1","sku":"sku-7","offer_id":"offer-7","exposure_ts":..,
//   //    "purchase_ts":..,"seconds_to_purchase":42.5}
//   // Redis: HGETALL attribution:offer-7 -> conversions 12
//
// Shared by main.cc and the tests, so both run exactly this topology.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "common/retail_event.h"
#include "eddy/dsl/streams_builder.h"
#include "eddy/processor/fixed_key_processor.h"
#include "eddy/sink/feature_sink.h"
#include "eddy/state/stores.h"

namespace eddy::examples {

struct OfferAttributionOptions {
  std::string events_topic = "retail.events";
  std::string attributions_topic = "offer.attributions";
  // A purchase is attributed to an exposure of the same customer and SKU at most this long
  // before it (and not after it).
  std::chrono::milliseconds window{std::chrono::minutes(30)};
  // How long out-of-order exposures and purchases are still joined (stream time).
  std::chrono::milliseconds grace{0};
  // Optional: receives (offer_id, {"conversions": n}) after every attribution; made for a
  // RedisSink in hash mode with key_prefix "attribution:".
  std::shared_ptr<FeatureSink> conversions_sink;
  // Called for each attribution (on the stream thread), e.g. to rank offers in a summary.
  std::function<void(const std::string& customer_id, const nlohmann::json&)> on_attribution;
};

// One purchase and the exposure it is attributed to.
struct Attribution {
  RetailEvent purchase;
  RetailEvent exposure;
};

inline void to_json(nlohmann::json& j, const Attribution& a) {
  j = {{"purchase", a.purchase}, {"exposure", a.exposure}};
}
inline void from_json(const nlohmann::json& j, Attribution& a) {
  j.at("purchase").get_to(a.purchase);
  j.at("exposure").get_to(a.exposure);
}

// The published JSON.
inline nlohmann::json attribution_json(const Attribution& a) {
  return {{"customer_id", a.purchase.customer_id},
          {"sku", a.purchase.sku},
          {"offer_id", a.exposure.offer_id},
          {"exposure_ts", a.exposure.ts},
          {"purchase_ts", a.purchase.ts},
          {"seconds_to_purchase", static_cast<double>(a.purchase.ts - a.exposure.ts) / 1000.0}};
}

// Names of the stores, stable so a restart finds its state (<application.id>-<store>-changelog):
// the join's window stores attribution-this-join-store (purchases) and
// attribution-other-join-store (exposures), the purchases already attributed, and the count
// per offer.
inline constexpr const char* kAttributedPurchasesStore = "attributed-purchases";
inline constexpr const char* kOfferConversionsStore = "offer-conversions";

// Passes the first attribution of each purchase and drops the others. The join emits one
// candidate per exposure of the same customer and SKU in the window; when the purchase is
// processed after its exposures (the usual order) they come in exposure-time order, so the
// purchase goes to its earliest exposure in the window (first touch). An exposure processed
// after the purchase it precedes (out of order) can add a candidate later; the store of
// attributed purchases (purchase event id -> exposure time, changelogged, expiring by event
// time well after the join has forgotten the purchase) makes sure it is dropped, also after a
// restart, and under exactly-once also after a crash.
class FirstAttributionOnly final : public FixedKeyProcessor<std::string, Attribution, Attribution> {
 public:
  void init(FixedKeyProcessorContext<std::string, Attribution>& context) override {
    context_ = &context;
    attributed_ = context.get_key_value_store<std::string, int64_t>(kAttributedPurchasesStore);
  }
  void process(const FixedKeyRecord<std::string, Attribution>& record) override {
    const std::string& purchase = record.value.purchase.event_id;
    if (attributed_->get(purchase)) return;
    attributed_->put(purchase, record.value.exposure.ts);
    context_->forward(record);
  }

 private:
  FixedKeyProcessorContext<std::string, Attribution>* context_ = nullptr;
  std::optional<KeyValueStore<std::string, int64_t>> attributed_;
};

// Adds the topology to `builder`.
//
//   retail.events -> purchases --join (customer, window before, 0 after)-- exposures
//     -> same SKU -> first attribution per purchase
//        -> offer.attributions (key customer_id, JSON above)
//        -> re-keyed by offer_id (repartition <application.id>-attributions-by-offer-repartition)
//           -> count per offer (store offer-conversions) -> conversions_sink
inline void add_offer_attribution(StreamsBuilder& builder, const OfferAttributionOptions& options) {
  auto events =
      builder.stream<std::string, RetailEvent>(options.events_topic, retail_events_consumed());
  auto purchases = events.filter(
      [](const std::string&, const RetailEvent& e) {
        return e.type == EventType::kPurchase && !e.sku.empty();
      },
      Named::as("purchases"));
  auto exposures = events.filter(
      [](const std::string&, const RetailEvent& e) { return e.type == EventType::kOfferExposure; },
      Named::as("offer-exposures"));

  // A purchase at t joins the exposures of its customer in [t - window, t].
  const auto windows = JoinWindows::of_time_difference_and_grace(options.window, options.grace)
                           .after(std::chrono::milliseconds(0));
  const auto event_serde = retail_event_serde();
  const auto ttl = options.window * 2 + options.grace + std::chrono::hours(1);
  builder.add_state_store(
      Stores::persistent_key_value(kAttributedPurchasesStore)
          .with_ttl({.ttl = std::chrono::duration_cast<std::chrono::milliseconds>(ttl),
                     .clock = TtlClock::kEventTime}));

  auto attributions =
      purchases
          .join(
              exposures,
              [](const RetailEvent& purchase, const RetailEvent& exposure) {
                return Attribution{purchase, exposure};
              },
              windows,
              StreamJoined<std::string, RetailEvent, RetailEvent>::with(serdes::string(),
                                                                        event_serde, event_serde)
                  .with_name("attribute")
                  .with_store_name("attribution"))
          .filter([](const std::string&,
                     const Attribution& a) { return a.purchase.sku == a.exposure.sku; },
                  Named::as("same-sku"))
          .process_values<Attribution>([] { return std::make_unique<FirstAttributionOnly>(); },
                                       {kAttributedPurchasesStore},
                                       Named::as("first-attribution-only"));

  auto on_attribution = options.on_attribution;
  attributions
      .map_values(
          [on_attribution](const std::string& customer, const Attribution& a) {
            nlohmann::json row = attribution_json(a);
            if (on_attribution) on_attribution(customer, row);
            return row.dump();
          },
          Named::as("to-attribution-row"))
      .to(options.attributions_topic,
          Produced<std::string, std::string>::with(serdes::string(), serdes::string()));

  if (options.conversions_sink) {
    attributions
        .group_by([](const std::string&, const Attribution& a) { return a.exposure.offer_id; },
                  Grouped<std::string, Attribution>::with_name("attributions-by-offer"))
        .count(Materialized<std::string, int64_t>::as(kOfferConversionsStore))
        .to_stream(Named::as("conversion-counts"))
        .to_sink(
            options.conversions_sink,
            [](const std::string& offer, const std::optional<int64_t>& n) {
              return FeatureRow{offer,
                                FeatureFields{{"conversions", std::to_string(n.value_or(0))}}};
            },
            Named::as("offer-conversions-sink"));
  }
}

}  // namespace eddy::examples
