// eddy-checkout-alerts, the built binary, on the real Kafka: a fixed script of failures
// (other event types, out-of-order, late and malformed records included) in, every alert on
// checkout.alerts checked (the app creates that topic), SIGTERM out.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "support/child_process.h"
#include "support/real_kafka.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using testing_support::real_bootstrap;
using testing_support::real_props;
using testing_support::unique_name;

struct ScriptRecord {
  std::string key;
  std::string value;
  int64_t timestamp = 0;
};

struct Published {
  std::string key;
  nlohmann::json value;
  bool operator==(const Published&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Published& p) {
  return os << p.key << " " << p.value.dump();
}

// Failures for four customers in 10 s tumbling windows, threshold 3, grace 0, times relative
// to `base` (a multiple of 10 s, so windows start at base + k * 10 s).
std::vector<ScriptRecord> script(int64_t base) {
  std::vector<ScriptRecord> out;
  auto add = [&](const std::string& type, const std::string& customer, int64_t at) {
    out.push_back({customer,
                   nlohmann::json{{"event_id", customer + "-" + std::to_string(at)},
                                  {"type", type},
                                  {"customer_id", customer},
                                  {"ts", base + at}}
                       .dump(),
                   base + at});
  };
  add("checkout_failed", "c1", 1000);
  add("checkout_failed", "c1", 2000);
  add("checkout_failed", "c3", 2500);
  add("checkout_started", "c3", 2600);  // not a failure
  add("checkout_failed", "c1", 3000);   // c1's third: alert
  add("checkout_failed", "c1", 4000);   // fourth: nothing
  add("checkout_failed", "c3", 4500);   // c3 stays at 2
  add("checkout_failed", "c4", 5000);
  add("checkout_failed", "c4", 6000);
  add("checkout_failed", "c2", 12000);
  add("checkout_failed", "c2", 15000);  // stream time 15 s closes [0, 10 s)
  add("checkout_failed", "c4", 7000);   // c4's third is late: dropped, no alert
  add("checkout_failed", "c2", 11000);  // out of order, window open: c2's alert
  add("checkout_failed", "c2", 16000);
  out.push_back({"c1", "not json", base + 17000});
  out.push_back({"c1", R"({"type":"checkout_failed","customer_id":"c1"})", base + 17000});
  add("checkout_failed", "c1", 21000);
  add("page_view", "c1", 21500);
  add("checkout_failed", "c1", 22000);
  add("checkout_failed", "c1", 23000);  // c1's third in [20 s, 30 s): alert
  return out;
}

Published alert(const std::string& customer, int64_t start, int64_t failures) {
  return {customer,
          {{"customer_id", customer},
           {"window_start", start},
           {"window_end", start + 10000},
           {"failures", failures}}};
}

TEST(ExampleCheckoutAlerts, BinaryAlertsOncePerWindowAtTheThreshold) {
  const std::string app = unique_name("it-checkout-alerts");
  const std::string events = app + ".events";
  const std::string alerts = app + ".alerts";
  // One partition: one stream time, so which failure is late is fixed.
  kafka::Admin(real_props()).create_topics({{.name = events, .partitions = 1}});
  const int64_t base = testing_support::recent_ms() / 10000 * 10000;
  {
    kafka::Producer producer({.properties = real_props()});
    for (const auto& r : script(base)) {
      producer.send({.topic = events, .key = r.key, .value = r.value, .timestamp = r.timestamp});
    }
    producer.flush(10s);
  }

  const auto state_dir = std::filesystem::temp_directory_path() / app;
  const std::string log = (std::filesystem::temp_directory_path() / (app + ".log")).string();
  testing_support::ChildProcess child(
      {EDDY_CHECKOUT_ALERTS_BINARY, "--bootstrap-servers", real_bootstrap(), "--application-id",
       app, "--state-dir", state_dir.string(), "--events-topic", events, "--alerts-topic", alerts,
       "--window", "10s", "--threshold", "3", "--commit-interval", "500ms"},
      log);

  // The app creates its output topic; subscribe once it exists.
  {
    kafka::Admin admin(real_props());
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!admin.describe_topic(alerts) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(100ms);
    }
    ASSERT_TRUE(admin.describe_topic(alerts)) << "the app did not create " << alerts;
  }
  std::vector<Published> published;
  {
    kafka::Consumer consumer({.properties = real_props(), .group_id = app + "-reader"});
    consumer.subscribe({alerts});
    auto read = [&] {
      for (const auto& m : consumer.poll_batch(100, 200ms)) {
        published.push_back({std::string(m.key().value_or("<null>")),
                             nlohmann::json::parse(m.value().value_or("null"))});
      }
    };
    const auto deadline = std::chrono::steady_clock::now() + 90s;
    while (published.size() < 3 && std::chrono::steady_clock::now() < deadline) read();
    for (int i = 0; i < 10; ++i) read();  // a stray fourth alert would show up here
    consumer.close();
  }
  EXPECT_EQ(child.terminate(), 0) << "see " << log;  // SIGTERM: a clean close

  EXPECT_EQ(published, (std::vector<Published>{alert("c1", base, 3), alert("c2", base + 10000, 3),
                                               alert("c1", base + 20000, 3)}))
      << "see " << log;
  std::filesystem::remove_all(state_dir);
}

}  // namespace
}  // namespace eddy
