// eddy-trending-skus' topology: page views re-keyed by sku, joined with the inventory table
// (views of out-of-stock skus are not counted), counted per sku in hopping windows; each
// window's final count goes to a topic and, optionally, into a ranking sink (a Redis sorted
// set) that always holds the latest closed window's counts.
//
//   eddy::StreamsBuilder builder;
//   eddy::examples::add_trending_skus(builder, {.window = 60s, .advance = 10s,
//                                              .ranking_sink = redis_sorted_set_sink});
//   // sku.trending: key sku, value {"sku":"sku-7","window_start":..,"window_end":..,"views":12}
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

#include "common/inventory_update.h"
#include "common/retail_event.h"
#include "eddy/dsl/streams_builder.h"
#include "eddy/sink/feature_sink.h"
#include "eddy/state/stores.h"
#include "trending_skus/latest_window_ranking.h"

namespace eddy::examples {

struct TrendingSkusOptions {
  std::string events_topic = "retail.events";
  std::string inventory_topic = "retail.inventory";
  std::string trending_topic = "sku.trending";
  // Hopping windows: `window` long, a new one every `advance`; late views count until
  // stream time passes a window's end + grace.
  std::chrono::milliseconds window{60'000};
  std::chrono::milliseconds advance{10'000};
  std::chrono::milliseconds grace{0};
  // Optional: receives (sku, views) for the latest closed window and (sku, delete) for skus
  // that left it; made for a RedisSink in sorted-set mode with score_field "views".
  std::shared_ptr<FeatureSink> ranking_sink;
  // Called with each closed window's row (trending_row(), on the stream thread), e.g. to show
  // the latest window in a summary.
  std::function<void(const nlohmann::json& row)> on_trending;
};

// Whether a view counts, given the sku's inventory row when the view is processed.
// Out of stock (stock <= 0): not counted — nobody can buy it, so it should not trend.
// Absent from the table: counted. Inventory updates are sparse (the load generator sends
// one every 50 events) and a sku nobody has reported on is far more likely stocked than not;
// dropping its views would hide every new sku until its first inventory update.
inline bool view_counts(const std::optional<InventoryUpdate>& inventory) {
  return !inventory || inventory->stock > 0;
}

inline nlohmann::json trending_row(const Windowed<std::string>& window, int64_t views) {
  return {{"sku", window.key},
          {"window_start", window.start},
          {"window_end", window.end},
          {"views", views}};
}

// Adds the topology to `builder`. Names (stable, so state survives code changes):
// repartition topic <application.id>-views-by-sku-repartition, stores inventory,
// sku-views (window store), final-sku-views-store (suppress buffer) and, with a sink,
// trending-members.
//
// "At the time of the view" is the inventory table as of when the task processes the view.
// The task reads the repartitioned views and the inventory topic's partition together and
// always takes the record with the lowest timestamp among those it has buffered, so when
// both are available an update stamped before a view is applied before it. A partition
// with nothing buffered does not hold the other back (max.task.idle.ms, default 0).
inline void add_trending_skus(StreamsBuilder& builder, const TrendingSkusOptions& options) {
  auto inventory = builder.table<std::string, InventoryUpdate>(
      options.inventory_topic, {}, Materialized<std::string, InventoryUpdate>::as("inventory"));

  auto final_counts =
      builder.stream<std::string, RetailEvent>(options.events_topic, retail_events_consumed())
          .filter(
              [](const std::string&, const RetailEvent& e) {
                return e.type == EventType::kPageView && !e.sku.empty();
              },
              Named::as("page-views-with-sku"))
          .select_key([](const std::string&, const RetailEvent& e) { return e.sku; },
                      Named::as("key-by-sku"))
          .repartition(Repartitioned<std::string, RetailEvent>::as("views-by-sku"))
          .left_join(
              inventory,
              [](const RetailEvent&, const std::optional<InventoryUpdate>& stock) {
                return view_counts(stock);
              },
              Named::as("view-with-stock"))
          .filter([](const std::string&, bool counts) { return counts; },
                  Named::as("in-stock-or-unknown"))
          .group_by_key(Grouped<std::string, bool>::with_name("views-per-sku"))
          .windowed_by(TimeWindows::of_size_and_grace(options.window, options.grace)
                           .advance_by(options.advance))
          .count(Materialized<std::string, int64_t>::as("sku-views"))
          .suppress(Suppressed::until_window_closes().with_name("final-sku-views"))
          .to_stream(Named::as("closed-windows"));

  final_counts
      .map(
          [on_trending = options.on_trending](const Windowed<std::string>& window,
                                              const std::optional<int64_t>& views) {
            const nlohmann::json row = trending_row(window, views.value_or(0));
            if (on_trending) on_trending(row);
            return std::make_pair(window.key, row.dump());
          },
          Named::as("to-trending-row"))
      .to(options.trending_topic,
          Produced<std::string, std::string>::with(serdes::string(), serdes::string()));

  if (options.ranking_sink) {
    builder.add_state_store(Stores::persistent_key_value(LatestWindowRanking::kStore));
    const auto size = options.window;
    const auto advance = options.advance;
    const auto grace = options.grace;
    final_counts
        .process<std::string, std::optional<int64_t>>(
            [size, advance, grace] {
              return std::make_unique<LatestWindowRanking>(size, advance, grace);
            },
            {LatestWindowRanking::kStore}, Named::as("latest-window-ranking"))
        .to_sink(
            options.ranking_sink,
            [](const std::string& sku, const std::optional<int64_t>& views) {
              if (!views) return FeatureRow{sku, std::nullopt};
              return FeatureRow{sku, FeatureFields{{"views", std::to_string(*views)}}};
            },
            Named::as("trending-ranking"));
  }
}

}  // namespace eddy::examples
