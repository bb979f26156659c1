// eddy-checkout-alerts' topology: checkout_failed events counted per customer in tumbling
// windows; the first time a window's count reaches the threshold, one alert goes out.
//
//   eddy::StreamsBuilder builder;
//   eddy::examples::add_checkout_alerts(builder, {.window = 10s, .threshold = 3});
//   // checkout.alerts: key customer_id,
//   //   value {"customer_id":"c-1","window_start":..,"window_end":..,"failures":3}
//
// Shared by main.cc and the tests, so both run exactly this topology.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "common/retail_event.h"
#include "eddy/dsl/streams_builder.h"

namespace eddy::examples {

struct CheckoutAlertsOptions {
  std::string events_topic = "retail.events";
  std::string alerts_topic = "checkout.alerts";
  // Tumbling window length and how long after its end late failures still count.
  std::chrono::milliseconds window{10'000};
  std::chrono::milliseconds grace{0};
  // Failures in one window that raise the alert.
  int64_t threshold = 3;
  // Called for each alert sent (on the stream thread), e.g. to count them in a summary.
  std::function<void(const std::string& customer_id, const nlohmann::json& alert)> on_alert;
};

// The alert's JSON value.
inline nlohmann::json checkout_alert(const Windowed<std::string>& window, int64_t failures) {
  return {{"customer_id", window.key},
          {"window_start", window.start},
          {"window_end", window.end},
          {"failures", failures}};
}

// Adds the alerting topology to `builder`. Store: checkout-failures (window store, changelog
// <application.id>-checkout-failures-changelog).
//
// How "once per window" is guaranteed: the windowed count is un-cached (Materialized's
// default), so every accepted failure forwards the window's new count and a window's count
// steps 1, 2, 3, ... through every value exactly once; the alert is the transition
// count == threshold. Later failures forward 4, 5, ... and pass no filter, a late failure
// for a closed window is dropped before it is counted, and a restart resumes the count from
// its changelog, so the transition cannot happen twice. A store of "already alerted windows"
// would give the same guarantee with a second store: both roll back together with the count
// when an at-least-once instance crashes before its commit, in which case the replayed
// transition sends the alert again (at-least-once); under exactly_once_v2 the alert, the
// count and the offsets commit together, so it goes out exactly once.
// (With caching on, the count could jump from 2 to 4 at a cache flush and skip the
// transition: do not turn it on for this store.)
inline void add_checkout_alerts(StreamsBuilder& builder, const CheckoutAlertsOptions& options) {
  const int64_t threshold = options.threshold;
  builder.stream<std::string, RetailEvent>(options.events_topic, retail_events_consumed())
      .filter([](const std::string&,
                 const RetailEvent& e) { return e.type == EventType::kCheckoutFailed; },
              Named::as("checkout-failed-only"))
      .group_by_key(Grouped<std::string, RetailEvent>::with_name("failures-by-customer"))
      .windowed_by(TimeWindows::of_size_and_grace(options.window, options.grace))
      .count(Materialized<std::string, int64_t>::as("checkout-failures"))
      .to_stream(Named::as("failure-counts"))
      .filter(
          [threshold](const Windowed<std::string>&, const std::optional<int64_t>& count) {
            return count && *count == threshold;
          },
          Named::as("threshold-reached"))
      .map(
          [on_alert = options.on_alert](const Windowed<std::string>& window,
                                        const std::optional<int64_t>& count) {
            const nlohmann::json alert = checkout_alert(window, *count);
            if (on_alert) on_alert(window.key, alert);
            return std::make_pair(window.key, alert.dump());
          },
          Named::as("to-alert"))
      .to(options.alerts_topic,
          Produced<std::string, std::string>::with(serdes::string(), serdes::string()));
}

}  // namespace eddy::examples
