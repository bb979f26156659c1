// eddy-trending-skus, the built binary, on the real Kafka and Redis: a fixed script of views
// and inventory updates (stock-0 skus, updates before and after views, out-of-order, late and
// malformed records) in; every sku.trending record (the app creates that topic) and the
// Redis sorted set checked after each of two phases; SIGTERM out.
//
// The phases make "inventory before/after views" deterministic: the join sees the views only
// after a trip through the repartition topic, and phase 2's inventory is produced only once
// phase 1's last view has come out the other end (its windows' results are on the topic).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "support/child_process.h"
#include "support/real_kafka.h"
#include "support/redis_client.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using testing_support::real_bootstrap;
using testing_support::real_props;
using testing_support::unique_name;

using testing_support::redis_port;
using testing_support::RedisClient;
using Ranking = std::map<std::string, long long>;

struct Row {
  std::string sku;
  int64_t start = 0;  // relative to the script's base
  int64_t views = 0;
  bool operator==(const Row&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << r.sku << "@" << r.start << "=" << r.views;
}

class Script {
 public:
  explicit Script(int64_t base) : base_(base) {}
  void view(const std::string& customer, const std::string& sku, int64_t at) {
    events.push_back({customer,
                      nlohmann::json{{"event_id", customer + "-" + std::to_string(at)},
                                     {"type", "page_view"},
                                     {"customer_id", customer},
                                     {"sku", sku},
                                     {"category", "toys"},
                                     {"price", 9.5},
                                     {"quantity", 1},
                                     {"ts", base_ + at}}
                          .dump(),
                      base_ + at});
  }
  void stock(const std::string& sku, int64_t units, int64_t at) {
    inventory.push_back({sku,
                         nlohmann::json{{"sku", sku}, {"stock", units}, {"ts", base_ + at}}.dump(),
                         base_ + at});
  }
  struct Record {
    std::string key;
    std::string value;
    int64_t timestamp = 0;
  };
  std::vector<Record> events;
  std::vector<Record> inventory;

 private:
  int64_t base_;
};

TEST(ExampleTrendingSkus, BinaryPublishesFinalWindowCountsAndKeepsTheLatestWindowRanked) {
  const std::string app = unique_name("it-trending-skus");
  const std::string events = app + ".events";
  const std::string inventory = app + ".inventory";
  const std::string trending = app + ".trending";
  const std::string sorted_set = app + ":trending";
  // One partition each: one task, one stream time, so which view closes which window is fixed.
  kafka::Admin(real_props())
      .create_topics({{.name = events, .partitions = 1}, {.name = inventory, .partitions = 1}});
  // Windows of 30 s every 10 s, aligned to multiples of 10 s from the epoch, so with a base
  // that is a multiple of 10 s a view at base + t is in the windows starting at
  // base + floor(t / 10 s) * 10 s - {0, 10, 20} s.
  const int64_t base = testing_support::recent_ms() / 10000 * 10000;
  kafka::Producer producer({.properties = real_props()});
  auto produce = [&](const std::string& topic, const std::vector<Script::Record>& records) {
    for (const auto& r : records) {
      producer.send({.topic = topic, .key = r.key, .value = r.value, .timestamp = r.timestamp});
    }
    producer.flush(10s);
  };

  // Phase 1, produced before the app starts. Inventory first: sku-b out of stock, sku-c in
  // stock, sku-a and sku-d unknown (counted).
  Script one(base);
  one.stock("sku-b", 0, -60000);
  one.stock("sku-c", 5, -60000);
  one.inventory.push_back({"sku-x", "{broken", base - 60000});
  one.view("c1", "sku-a", 1000);
  one.view("c2", "sku-b", 2000);  // stock 0: not counted
  one.view("c3", "sku-c", 3000);
  one.events.push_back({"c1", "not json", base + 3500});
  one.events.push_back(
      {"c4",
       nlohmann::json{
           {"type", "add_to_cart"}, {"customer_id", "c4"}, {"sku", "sku-a"}, {"ts", base + 4000}}
           .dump(),
       base + 4000});              // not a view
  one.view("c1", "sku-a", 12000);  // closes [-20 s, 10 s)
  one.view("c1", "sku-a", 9000);   // out of order: late for [-20, 10), counted
                                   // in [-10, 20) and [0, 30)
  one.view("c5", "sku-d", 31000);  // closes [-10, 20) and [0, 30)
  produce(inventory, one.inventory);
  produce(events, one.events);

  const auto state_dir = std::filesystem::temp_directory_path() / app;
  const std::string log = (std::filesystem::temp_directory_path() / (app + ".log")).string();
  testing_support::ChildProcess child({EDDY_TRENDING_SKUS_BINARY,
                                       "--bootstrap-servers",
                                       real_bootstrap(),
                                       "--application-id",
                                       app,
                                       "--state-dir",
                                       state_dir.string(),
                                       "--events-topic",
                                       events,
                                       "--inventory-topic",
                                       inventory,
                                       "--trending-topic",
                                       trending,
                                       "--window",
                                       "30s",
                                       "--advance",
                                       "10s",
                                       "--redis",
                                       "127.0.0.1:" + std::to_string(redis_port()),
                                       "--sorted-set",
                                       sorted_set,
                                       "--commit-interval",
                                       "500ms"},
                                      log);
  {
    kafka::Admin admin(real_props());
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!admin.describe_topic(trending) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(100ms);
    }
    ASSERT_TRUE(admin.describe_topic(trending)) << "the app did not create " << trending;
  }
  kafka::Consumer consumer({.properties = real_props(), .group_id = app + "-reader"});
  consumer.subscribe({trending});
  auto read_rows = [&](size_t expected) {
    std::vector<Row> rows;
    auto read = [&] {
      for (const auto& m : consumer.poll_batch(100, 200ms)) {
        const auto v = nlohmann::json::parse(m.value().value_or("null"));
        EXPECT_EQ(v.at("sku"), std::string(m.key().value_or("")));
        EXPECT_EQ(v.at("window_end").get<int64_t>() - v.at("window_start").get<int64_t>(), 30000);
        rows.push_back({v.at("sku"), v.at("window_start").get<int64_t>() - base, v.at("views")});
      }
    };
    const auto deadline = std::chrono::steady_clock::now() + 90s;
    while (rows.size() < expected && std::chrono::steady_clock::now() < deadline) read();
    for (int i = 0; i < 5; ++i) read();  // nothing more may come
    return rows;
  };
  RedisClient redis;
  ASSERT_TRUE(redis.connected());
  auto ranking_becomes = [&](const Ranking& want) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (redis.zrange_with_scores(sorted_set) != want &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
    }
    return redis.zrange_with_scores(sorted_set);
  };

  // Windows in end order, skus in key order within a window; sku-b's view was out of stock.
  EXPECT_EQ(read_rows(6), (std::vector<Row>{{"sku-a", -20000, 1},
                                            {"sku-c", -20000, 1},
                                            {"sku-a", -10000, 3},
                                            {"sku-c", -10000, 1},
                                            {"sku-a", 0, 3},
                                            {"sku-c", 0, 1}}))
      << "see " << log;
  EXPECT_EQ(ranking_becomes({{"sku-a", 3}, {"sku-c", 1}}), (Ranking{{"sku-a", 3}, {"sku-c", 1}}));

  // Phase 2, inventory after those views: sku-b back in stock, sku-c sold out.
  Script two(base);
  two.stock("sku-b", 3, 32000);
  two.stock("sku-c", 0, 32000);
  two.view("c2", "sku-b", 33000);  // counted now
  two.view("c3", "sku-c", 34000);  // not counted now
  two.view("c1", "sku-a", 35000);
  two.view("c6", "sku-e", 52000);  // closes [10, 40) and [20, 50)
  two.view("c1", "sku-a", 15000);  // late for every window it is in: dropped
  produce(inventory, two.inventory);
  produce(events, two.events);

  EXPECT_EQ(read_rows(6), (std::vector<Row>{{"sku-a", 10000, 2},
                                            {"sku-b", 10000, 1},
                                            {"sku-d", 10000, 1},
                                            {"sku-a", 20000, 1},
                                            {"sku-b", 20000, 1},
                                            {"sku-d", 20000, 1}}))
      << "see " << log;
  // The latest closed window is [20, 50): sku-c, in the ranking since phase 1, is removed.
  const Ranking latest{{"sku-a", 1}, {"sku-b", 1}, {"sku-d", 1}};
  EXPECT_EQ(ranking_becomes(latest), latest);

  consumer.close();
  EXPECT_EQ(child.terminate(), 0) << "see " << log;  // SIGTERM: a clean close
  redis.cmd({"DEL", sorted_set, "eddy:versions:" + sorted_set});
  std::filesystem::remove_all(state_dir);
}

}  // namespace
}  // namespace eddy
