// eddy-trending-skus' topology (examples/trending_skus/) in the test driver: views re-keyed by
// sku, out-of-stock views not counted (inventory arriving before and after views), final
// hopping-window counts on the topic, and a ranking that holds exactly the latest closed
// window's counts (members of older windows are deleted).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "eddy/testing/topology_test_driver.h"
#include "trending_skus/trending_skus_topology.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using examples::add_trending_skus;

// Applies versioned writes as RedisSink's sorted-set mode does: a write older than the
// member's stored version is rejected; a delete removes the member but keeps its version.
class SortedSetFake final : public FeatureSink {
 public:
  SortedSetFake() : FeatureSink(manual_options()) {}
  ~SortedSetFake() override { stop_flushing(); }

  std::map<std::string, int64_t> members() const { return scores_; }
  int rejected_stale = 0;

 protected:
  void write_batch(std::span<const FeatureUpdate> batch,
                   std::span<WriteOutcome> outcomes) override {
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const FeatureUpdate& u = batch[i];
      auto [it, fresh] = versions_.try_emplace(u.key, u.version());
      if (!fresh && u.version() < it->second) {
        outcomes[i] = WriteOutcome::kStale;
        ++rejected_stale;
        continue;
      }
      it->second = u.version();
      if (u.fields) {
        scores_[u.key] = std::stoll(u.fields->at(0).second);
      } else {
        scores_.erase(u.key);
      }
    }
  }

 private:
  static SinkOptions manual_options() {
    SinkOptions o;
    o.name = "trending-fake";
    o.background_flush = false;
    return o;
  }
  std::map<std::string, FeatureVersion> versions_;
  std::map<std::string, int64_t> scores_;
};

std::string view(const std::string& customer, const std::string& sku, int64_t ts) {
  return nlohmann::json{{"event_id", customer + "-" + std::to_string(ts)},
                        {"type", "page_view"},
                        {"customer_id", customer},
                        {"sku", sku},
                        {"category", "toys"},
                        {"price", 9.5},
                        {"quantity", 1},
                        {"ts", ts}}
      .dump();
}

std::string stock(const std::string& sku, int64_t units, int64_t ts) {
  return nlohmann::json{{"sku", sku}, {"stock", units}, {"ts", ts}}.dump();
}

struct Row {
  std::string sku;
  int64_t start = 0;
  int64_t end = 0;
  int64_t views = 0;
  int64_t timestamp = 0;
  bool operator==(const Row&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << r.sku << "@[" << r.start << "," << r.end << ")=" << r.views << " ts" << r.timestamp;
}

std::vector<Row> read_rows(TestOutputTopic<std::string, std::string>& out) {
  std::vector<Row> rows;
  for (auto& r : out.read_records_to_list()) {
    const auto v = nlohmann::json::parse(*r.value);
    EXPECT_EQ(v.at("sku"), r.key);
    rows.push_back({r.key, v.at("window_start"), v.at("window_end"), v.at("views"), r.timestamp});
  }
  return rows;
}

StreamsConfig config(const std::string& app) {
  StreamsConfig c;
  c.application_id = app;
  return c;
}

using Members = std::map<std::string, int64_t>;

TEST(TrendingSkus, FinalWindowCountsSkipOutOfStockViewsAndRankTheLatestWindow) {
  auto sink = std::make_shared<SortedSetFake>();
  StreamsBuilder builder;
  add_trending_skus(builder, {.window = 30s, .advance = 10s, .ranking_sink = sink});
  TopologyTestDriver driver(builder.build(config("trending")), config("trending"));
  auto events = driver.create_input_topic<std::string, std::string>("retail.events");
  auto inventory = driver.create_input_topic<std::string, std::string>("retail.inventory");
  auto out = driver.create_output_topic<std::string, std::string>("sku.trending");

  // Inventory before the views: sku-b out of stock, sku-c in stock; sku-a is unknown.
  inventory.pipe_input("sku-b", stock("sku-b", 0, 0), 0);
  inventory.pipe_input("sku-c", stock("sku-c", 5, 0), 0);
  inventory.pipe_input("sku-x", std::string("{broken"), 0);  // skipped
  events.pipe_input("c1", view("c1", "sku-a", 1000), 1000);  // unknown sku: counted
  events.pipe_input("c2", view("c2", "sku-b", 2000), 2000);  // stock 0: not counted
  events.pipe_input("c3", view("c3", "sku-c", 3000), 3000);
  events.pipe_input("c1", view("c1", "sku-a", 12000), 12000);
  events.pipe_input("c1", std::string(R"({"type":"page_view","sku":"sku-a"})"), 12500);  // skipped
  // Inventory after views: sku-b back in stock, sku-c sold out.
  inventory.pipe_input("sku-b", stock("sku-b", 3, 13000), 13000);
  events.pipe_input("c2", view("c2", "sku-b", 14000), 14000);  // counted now
  inventory.pipe_input("sku-c", stock("sku-c", 0, 15000), 15000);
  events.pipe_input("c3", view("c3", "sku-c", 16000), 16000);  // not counted now
  events.pipe_input(
      "c4",
      nlohmann::json{
          {"type", "add_to_cart"}, {"customer_id", "c4"}, {"sku", "sku-a"}, {"ts", 17000}}
          .dump(),
      17000);                                                // not a view
  events.pipe_input("c1", view("c1", "sku-a", 9000), 9000);  // out of order, [0,30s) open
  EXPECT_TRUE(out.is_empty());                               // no window has closed yet

  // 31 s closes [0, 30s).
  events.pipe_input("c1", view("c1", "sku-a", 31000), 31000);
  EXPECT_EQ(read_rows(out), (std::vector<Row>{{"sku-a", 0, 30000, 3, 12000},
                                              {"sku-b", 0, 30000, 1, 14000},
                                              {"sku-c", 0, 30000, 1, 3000}}));
  sink->flush();
  EXPECT_EQ(sink->members(), (Members{{"sku-a", 3}, {"sku-b", 1}, {"sku-c", 1}}));

  // 41 s closes [10s, 40s): sku-c had no counted view in it and leaves the ranking.
  events.pipe_input("c5", view("c5", "sku-d", 41000), 41000);
  EXPECT_EQ(read_rows(out), (std::vector<Row>{{"sku-a", 10000, 40000, 2, 31000},
                                              {"sku-b", 10000, 40000, 1, 14000}}));
  sink->flush();
  EXPECT_EQ(sink->members(), (Members{{"sku-a", 2}, {"sku-b", 1}}));

  // A view for the closed [0, 30s) only (5 s < first start 10 s of any open window): late.
  events.pipe_input("c1", view("c1", "sku-a", 5000), 5000);
  EXPECT_EQ(driver.late_dropped_records(), 1);

  // 52 s closes [20s, 50s).
  events.pipe_input("c5", view("c5", "sku-d", 52000), 52000);
  EXPECT_EQ(read_rows(out), (std::vector<Row>{{"sku-a", 20000, 50000, 1, 31000},
                                              {"sku-d", 20000, 50000, 1, 41000}}));
  sink->flush();
  EXPECT_EQ(sink->members(), (Members{{"sku-a", 1}, {"sku-d", 1}}));
  EXPECT_EQ(sink->rejected_stale, 0);
  EXPECT_EQ(driver.skipped_records(), 2);
}

TEST(TrendingSkus, IdleTaskDropsMembersAWindowSizeAfterTheirLastWindow) {
  auto sink = std::make_shared<SortedSetFake>();
  StreamsBuilder builder;
  add_trending_skus(builder, {.window = 30s, .advance = 10s, .ranking_sink = sink});
  TopologyTestDriver driver(builder.build(config("trending-idle")), config("trending-idle"));
  auto events = driver.create_input_topic<std::string, std::string>("retail.events");
  auto inventory = driver.create_input_topic<std::string, std::string>("retail.inventory");

  events.pipe_input("c1", view("c1", "sku-a", 1000), 1000);
  events.pipe_input("c2", view("c2", "sku-b", 30000), 30000);  // closes [0, 30s): sku-a 1
  sink->flush();
  EXPECT_EQ(sink->members(), (Members{{"sku-a", 1}}));

  // Only inventory from here: no window result tells the task that sku-a left, but its
  // stream time moves. At 59 s sku-a's last window ([0,30s)) ended less than a size ago.
  inventory.pipe_input("sku-z", stock("sku-z", 1, 59000), 59000);
  sink->flush();
  EXPECT_EQ(sink->members(), (Members{{"sku-a", 1}}));
  inventory.pipe_input("sku-z", stock("sku-z", 1, 60000), 60000);
  sink->flush();
  EXPECT_TRUE(sink->members().empty());
}

}  // namespace
}  // namespace eddy
