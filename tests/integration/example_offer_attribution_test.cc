// eddy-offer-attribution, the built binary, on the real Kafka and Redis under exactly-once: a
// script of exposures, purchases and filler events in; the app is SIGKILLed while it works,
// restarted, and given purchases whose exposures only its restored join store still holds.
// Every purchase is attributed exactly once (read_committed), to the expected offer, and
// Redis holds each offer's exact conversion count.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
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
using testing_support::redis_port;
using testing_support::RedisClient;
using testing_support::unique_name;
using json = nlohmann::json;

constexpr int kPartitions = 3;
constexpr int kCustomers = 120;
constexpr int64_t kWindowMs = 30 * 60'000;

struct Event {
  std::string customer;
  std::string type;
  std::string sku;
  std::string offer;  // exposures
  int64_t ts = 0;
  std::string id;
};

std::string to_value(const Event& e) {
  json j = {{"event_id", e.id}, {"type", e.type}, {"customer_id", e.customer}, {"ts", e.ts}};
  if (!e.sku.empty()) j["sku"] = e.sku;
  if (!e.offer.empty()) j["offer_id"] = e.offer;
  if (e.type == "purchase" || e.type == "page_view") {
    j["price"] = 9.99;
    j["quantity"] = 1;
  }
  return j.dump();
}

// The published attribution of `purchase` to `exposure`, as the app writes it.
json attribution(const Event& purchase, const Event& exposure) {
  return {{"customer_id", purchase.customer},
          {"sku", purchase.sku},
          {"offer_id", exposure.offer},
          {"exposure_ts", exposure.ts},
          {"purchase_ts", purchase.ts},
          {"seconds_to_purchase", static_cast<double>(purchase.ts - exposure.ts) / 1000.0}};
}

// The rule the app implements: the earliest exposure of the customer and SKU in
// [purchase - 30 min, purchase], among the exposures produced before the purchase.
std::vector<json> expected_attributions(const std::vector<Event>& events) {
  std::vector<json> out;
  std::map<std::string, std::vector<const Event*>> exposures;  // by customer, in order
  for (const auto& e : events) {
    if (e.type == "offer_exposure") {
      exposures[e.customer].push_back(&e);
    } else if (e.type == "purchase") {
      const Event* first = nullptr;
      for (const Event* x : exposures[e.customer]) {
        if (x->sku == e.sku && x->ts >= e.ts - kWindowMs && x->ts <= e.ts &&
            (first == nullptr || x->ts < first->ts)) {
          first = x;
        }
      }
      if (first != nullptr) out.push_back(attribution(e, *first));
    }
  }
  return out;
}

// Each customer: two exposures (one for the SKU they buy), page views, and a purchase 0-40
// minutes after the first exposure; every event a customer makes is later than the last.
std::vector<Event> script(int64_t base, int phase, int filler_per_customer) {
  std::vector<Event> events;
  for (int c = 0; c < kCustomers; ++c) {
    const std::string customer = "c" + std::to_string(c);
    const std::string sku = "sku-" + std::to_string(c % 7);
    const std::string other = "sku-" + std::to_string((c + 1) % 7);
    int64_t t = base + phase * 60 * 60'000 + c * 1000;
    auto add = [&](const std::string& type, const std::string& s, const std::string& offer,
                   int64_t at) {
      events.push_back(
          {customer, type, s, offer, at,
           "p" + std::to_string(phase) + "-" + customer + "-" + std::to_string(events.size())});
    };
    add("offer_exposure", sku, "offer-" + std::to_string(c % 5), t);
    add("offer_exposure", other, "offer-" + std::to_string((c + 2) % 5), t + 10);
    for (int i = 0; i < filler_per_customer; ++i) add("page_view", sku, "", t + 20 + i);
    add("purchase", sku, "", t + (c % 9) * 5 * 60'000 + 30'000);  // 0.5 .. 40.5 min later
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.ts < b.ts; });
  return events;
}

TEST(ExampleOfferAttribution, BinaryAttributesEveryPurchaseExactlyOnceAcrossAKill) {
  const std::string app = unique_name("it-offer-attribution");
  const std::string events_topic = app + ".events";
  const std::string output = app + ".attributions";
  const std::string prefix = app + ":attribution:";
  kafka::Admin(real_props()).create_topics({{.name = events_topic, .partitions = kPartitions}});
  RedisClient redis;
  ASSERT_TRUE(redis.connected()) << "no redis-server on 127.0.0.1:" << redis_port();

  const int64_t base = testing_support::recent_ms() - 3 * 60 * 60'000;
  auto produce = [&](const std::vector<Event>& events) {
    kafka::Producer producer({.properties = real_props()});
    for (const auto& e : events) {
      producer.send(
          {.topic = events_topic, .key = e.customer, .value = to_value(e), .timestamp = e.ts});
    }
    producer.flush(30s);
  };
  // Phase 1: exposures and purchases with many page views between, so the app is still at work
  // when it is killed.
  auto one = script(base, 0, 150);
  // Phase 2, after the restart: each customer buys their SKU again 10 s after phase 1's last
  // event of theirs, with no new exposure: only the restored join store can attribute it.
  std::vector<Event> two;
  for (int c = 0; c < kCustomers; ++c) {
    const std::string customer = "c" + std::to_string(c);
    int64_t last = 0;
    for (const auto& e : one) {
      if (e.customer == customer) last = std::max(last, e.ts);
    }
    two.push_back({customer, "purchase", "sku-" + std::to_string(c % 7), "", last + 10'000,
                   "p1-" + customer + "-again"});
  }
  std::vector<Event> all = one;
  all.insert(all.end(), two.begin(), two.end());
  const auto expected = expected_attributions(all);
  const auto expected_one = expected_attributions(one);
  ASSERT_GT(expected_one.size(), 40u);
  ASSERT_GT(expected.size(), expected_one.size());
  std::map<std::string, int> expected_conversions;
  for (const auto& a : expected) ++expected_conversions[a.at("offer_id").get<std::string>()];
  produce(one);

  const auto state_dir = std::filesystem::temp_directory_path() / app;
  const std::string log = (std::filesystem::temp_directory_path() / (app + ".log")).string();
  const std::vector<std::string> argv = {EDDY_OFFER_ATTRIBUTION_BINARY,
                                         "--bootstrap-servers",
                                         real_bootstrap(),
                                         "--application-id",
                                         app,
                                         "--state-dir",
                                         state_dir.string(),
                                         "--events-topic",
                                         events_topic,
                                         "--attributions-topic",
                                         output,
                                         "--window",
                                         "30m",
                                         "--guarantee",
                                         "exactly_once_v2",
                                         "--commit-interval",
                                         "100ms",
                                         "--redis",
                                         "127.0.0.1:" + std::to_string(redis_port()),
                                         "--key-prefix",
                                         prefix};

  // Reads what was committed so far on the output (read_committed), from the start.
  auto committed = [&] {
    kafka::Consumer reader({.properties = real_props(),
                            .group_id = unique_name("offer-reader"),
                            .read_committed = true});
    std::vector<kafka::TopicPartitionOffset> assignment;
    for (int p = 0; p < kPartitions; ++p)
      assignment.push_back({output, p, kafka::kOffsetBeginning});
    reader.assign(assignment);
    std::vector<json> rows;
    int empty = 0;
    while (empty < 4) {
      auto batch = reader.poll_batch(1000, 250ms);
      empty = batch.empty() ? empty + 1 : 0;
      for (const auto& m : batch) {
        auto row = json::parse(m.value().value_or("null"));
        EXPECT_EQ(row.at("customer_id"), std::string(m.key().value_or("")));
        rows.push_back(row);
      }
    }
    return rows;
  };
  auto sorted = [](std::vector<json> rows) {
    std::sort(rows.begin(), rows.end(),
              [](const json& a, const json& b) { return a.dump() < b.dump(); });
    return rows;
  };
  auto wait_for = [&](size_t n) {
    std::vector<json> rows;
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    while ((rows = committed()).size() < n && std::chrono::steady_clock::now() < deadline) {
    }
    return rows;
  };

  {
    testing_support::ChildProcess child(argv, log);
    // Kill it hard as soon as it has written some attributions (committed or not), before all.
    kafka::Admin admin(real_props());
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!admin.describe_topic(output) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
    }
    ASSERT_TRUE(admin.describe_topic(output)) << "the app did not create " << output;
    kafka::Consumer probe({.properties = real_props(), .group_id = unique_name("probe")});
    std::vector<kafka::TopicPartitionOffset> assignment;
    for (int p = 0; p < kPartitions; ++p)
      assignment.push_back({output, p, kafka::kOffsetBeginning});
    probe.assign(assignment);
    size_t seen = 0;
    deadline = std::chrono::steady_clock::now() + 90s;
    while (seen == 0 && std::chrono::steady_clock::now() < deadline) {
      seen = probe.poll_batch(1000, 20ms).size();
    }
    child.kill_hard();
    ASSERT_GT(seen, 0u) << "no attribution before the kill; see " << log;
  }
  const size_t before_restart = committed().size();
  std::printf("killed with %zu of %zu phase-1 attributions committed\n", before_restart,
              expected_one.size());

  testing_support::ChildProcess child(argv, log);
  EXPECT_EQ(sorted(wait_for(expected_one.size())), sorted(expected_one)) << "see " << log;
  produce(two);
  const auto rows = wait_for(expected.size());
  EXPECT_EQ(sorted(rows), sorted(expected)) << "see " << log;
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(committed().size(), expected.size());  // nothing more comes

  // Redis: each offer's conversion count (the sink flushes before every commit).
  auto read_conversions = [&] {
    std::map<std::string, int> out;
    for (const auto& key : redis.keys(prefix + "*")) {
      out[key.substr(prefix.size())] = std::stoi(redis.hgetall(key).at("conversions"));
    }
    return out;
  };
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (read_conversions() != expected_conversions &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(read_conversions(), expected_conversions);

  EXPECT_EQ(child.terminate(), 0) << "see " << log;
  redis.delete_matching(prefix + "*");
  std::filesystem::remove_all(state_dir);
}

}  // namespace
}  // namespace eddy
