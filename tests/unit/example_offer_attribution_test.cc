// eddy-offer-attribution's topology (examples/offer_attribution/) in the test driver: a fixed
// script of exposures and purchases, every attribution and every per-offer count checked.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <unistd.h>
#include <filesystem>
#include <string>
#include <vector>

#include "eddy/testing/topology_test_driver.h"
#include "offer_attribution/offer_attribution_topology.h"
#include "offer_attribution/offer_scoreboard.h"
#include "session_scoring/memory_feature_sink.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using examples::add_offer_attribution;
using examples::MemoryFeatureSink;
using examples::OfferAttributionOptions;
using json = nlohmann::json;

constexpr int64_t kBase = 1'700'000'000'000;
constexpr int64_t kMinute = 60'000;

std::string exposure(const std::string& customer, const std::string& sku, const std::string& offer,
                     int64_t at) {
  return json{{"event_id", "x-" + customer + "-" + std::to_string(at)},
              {"type", "offer_exposure"},
              {"customer_id", customer},
              {"sku", sku},
              {"offer_id", offer},
              {"ts", kBase + at}}
      .dump();
}

std::string event(const std::string& type, const std::string& customer, const std::string& sku,
                  int64_t at) {
  return json{{"event_id", type + "-" + customer + "-" + std::to_string(at)},
              {"type", type},
              {"customer_id", customer},
              {"sku", sku},
              {"price", 10.0},
              {"quantity", 1},
              {"ts", kBase + at}}
      .dump();
}

json attribution(const std::string& customer, const std::string& sku, const std::string& offer,
                 int64_t exposure_at, int64_t purchase_at) {
  return {{"customer_id", customer},
          {"sku", sku},
          {"offer_id", offer},
          {"exposure_ts", kBase + exposure_at},
          {"purchase_ts", kBase + purchase_at},
          {"seconds_to_purchase", static_cast<double>(purchase_at - exposure_at) / 1000.0}};
}

struct Published {
  std::string key;
  json value;
  int64_t timestamp = 0;
  bool operator==(const Published&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Published& p) {
  return os << p.key << " " << p.value.dump() << " @" << p.timestamp;
}

StreamsConfig config() {
  StreamsConfig c;
  c.application_id = "offer-attribution";
  return c;
}

TEST(OfferAttribution, AttributesEachPurchaseOnceToItsFirstExposureOfTheSameSkuInTheWindow) {
  auto conversions = std::make_shared<MemoryFeatureSink>(SinkOptions{.name = "conversions"});
  examples::OfferScoreboard board;
  StreamsBuilder builder;
  OfferAttributionOptions options;
  options.window = 30min;
  options.conversions_sink = conversions;
  options.on_attribution = [&board](const std::string&, const json& row) { board.record(row); };
  add_offer_attribution(builder, options);
  TopologyTestDriver driver(builder.build(config()), config(), {.partitions_per_topic = 2});
  auto events = driver.create_input_topic<std::string, std::string>("retail.events");
  auto out = driver.create_output_topic<std::string, std::string>("offer.attributions");
  auto send = [&](const std::string& customer, const std::string& value) {
    events.pipe_input(customer, value, json::parse(value).at("ts").get<int64_t>());
  };

  send("c1", exposure("c1", "sku-1", "offer-1", 0));
  send("c1", event("page_view", "c1", "sku-1", 1000));
  send("c1", event("purchase", "c1", "sku-1", 60'000));   // 60 s after: attributed
  send("c1", event("purchase", "c1", "sku-1", 100'000));  // a second purchase: attributed too
  send("c2", exposure("c2", "sku-2", "offer-2", 10'000));
  send("c2", event("purchase", "c2", "sku-3", 20'000));  // another SKU: not attributed
  send("c4", exposure("c4", "sku-5", "offer-5", 1000));
  send("c4", exposure("c4", "sku-5", "offer-15", 2000));
  send("c4", event("purchase", "c4", "sku-5", 5000));  // first exposure wins, once
  send("c5", event("purchase", "c5", "sku-6", 50'000));
  send("c5", exposure("c5", "sku-6", "offer-6", 40'000));   // out of order: attributed now
  send("c5", exposure("c5", "sku-6", "offer-16", 45'000));  // a second candidate: dropped
  send("c6", event("purchase", "c6", "sku-7", 60'000));
  send("c6", exposure("c6", "sku-7", "offer-7", 61'000));  // after the purchase: no
  // Stream time jumps by half an hour from here: purchases before it are forgotten.
  send("c3", exposure("c3", "sku-4", "offer-4", 0));
  send("c3", event("purchase", "c3", "sku-4", 31 * kMinute));  // 31 min later: too late
  send("c7", exposure("c7", "sku-8", "offer-8", 2 * kMinute));
  send("c7", event("purchase", "c7", "sku-8", 32 * kMinute));  // exactly 30 min: attributed
  send("c7", R"({"type":"offer_exposure","customer_id":"c7","ts":1700000000000})");  // malformed

  std::vector<Published> published;
  for (auto& r : out.read_records_to_list()) {
    published.push_back({r.key, json::parse(*r.value), r.timestamp});
  }
  EXPECT_EQ(published,
            (std::vector<Published>{
                {"c1", attribution("c1", "sku-1", "offer-1", 0, 60'000), kBase + 60'000},
                {"c1", attribution("c1", "sku-1", "offer-1", 0, 100'000), kBase + 100'000},
                {"c4", attribution("c4", "sku-5", "offer-5", 1000, 5000), kBase + 5000},
                {"c5", attribution("c5", "sku-6", "offer-6", 40'000, 50'000), kBase + 50'000},
                {"c7", attribution("c7", "sku-8", "offer-8", 2 * kMinute, 32 * kMinute),
                 kBase + 32 * kMinute}}));
  EXPECT_EQ(driver.skipped_records(), 1);  // the malformed exposure

  conversions->flush();
  EXPECT_EQ(conversions->all(),
            (std::map<std::string, FeatureFields>{{"offer-1", {{"conversions", "2"}}},
                                                  {"offer-5", {{"conversions", "1"}}},
                                                  {"offer-6", {{"conversions", "1"}}},
                                                  {"offer-8", {{"conversions", "1"}}}}));
  EXPECT_EQ(board.total(), 5);
  auto counts = driver.key_value_store<std::string, int64_t>("offer-conversions");
  EXPECT_EQ(counts.get("offer-1"), 2);
}

TEST(OfferAttribution, ARestartNeverAttributesAPurchaseTwice) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("eddy-offer-restart-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto run = [&](const std::vector<std::pair<std::string, std::string>>& script) {
    StreamsBuilder builder;
    add_offer_attribution(builder, {});
    TopologyTestDriver driver(builder.build(config()), config(), {.state_dir = dir.string()});
    auto events = driver.create_input_topic<std::string, std::string>("retail.events");
    auto out = driver.create_output_topic<std::string, std::string>("offer.attributions");
    for (const auto& [key, value] : script) {
      events.pipe_input(key, value, json::parse(value).at("ts").get<int64_t>());
    }
    std::vector<json> rows;
    for (auto& v : out.read_values_to_list()) rows.push_back(json::parse(v));
    return rows;
  };
  EXPECT_EQ(run({{"c1", exposure("c1", "sku-1", "offer-1", 0)},
                 {"c1", event("purchase", "c1", "sku-1", 10'000)}}),
            (std::vector<json>{attribution("c1", "sku-1", "offer-1", 0, 10'000)}));
  // After the restart a late exposure before the same purchase finds it in the restored join
  // store, and the restored store of attributed purchases drops the second candidate.
  EXPECT_EQ(run({{"c1", exposure("c1", "sku-1", "offer-9", 5000)},
                 {"c1", event("purchase", "c1", "sku-1", 20'000)}}),
            (std::vector<json>{attribution("c1", "sku-1", "offer-1", 0, 20'000)}));
  std::filesystem::remove_all(dir);
}

TEST(OfferAttribution, OfferExposureIsPartOfTheEventContract) {
  const auto serde = examples::retail_event_serde();
  const auto e = serde.deserialize(exposure("c1", "sku-1", "offer-1", 5));
  EXPECT_EQ(e.type, examples::EventType::kOfferExposure);
  EXPECT_EQ(e.offer_id, "offer-1");
  EXPECT_EQ(e.sku, "sku-1");
  EXPECT_EQ(json::parse(serde.to_bytes(e)),
            json::parse(exposure("c1", "sku-1", "offer-1", 5)));  // no price or quantity
  EXPECT_THROW(serde.deserialize(R"({"type":"offer_exposure","customer_id":"c","ts":1,"sku":"s"})"),
               SerdeError);
}

}  // namespace
}  // namespace eddy
