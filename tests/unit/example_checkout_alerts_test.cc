// eddy-checkout-alerts' topology (examples/checkout_alerts/) in the test driver: one alert
// per window when the failure count reaches the threshold, never again for that window, no
// alert from late or other events, and malformed values are skipped.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "checkout_alerts/checkout_alerts_topology.h"
#include "eddy/testing/topology_test_driver.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using examples::add_checkout_alerts;
using examples::CheckoutAlertsOptions;

std::string event(const std::string& type, const std::string& customer, int64_t ts) {
  return nlohmann::json{{"event_id", customer + "-" + std::to_string(ts)},
                        {"type", type},
                        {"customer_id", customer},
                        {"ts", ts}}
      .dump();
}

struct Alert {
  std::string key;
  nlohmann::json value;
  int64_t timestamp = 0;
};

std::vector<Alert> read_alerts(TestOutputTopic<std::string, std::string>& out) {
  std::vector<Alert> alerts;
  for (auto& r : out.read_records_to_list()) {
    alerts.push_back({r.key, nlohmann::json::parse(*r.value), r.timestamp});
  }
  return alerts;
}

nlohmann::json alert(const std::string& customer, int64_t start, int64_t end, int64_t failures) {
  return {{"customer_id", customer},
          {"window_start", start},
          {"window_end", end},
          {"failures", failures}};
}

StreamsConfig config(const std::string& app) {
  StreamsConfig c;
  c.application_id = app;
  return c;
}

TEST(CheckoutAlerts, OneAlertPerWindowWhenTheCountReachesTheThreshold) {
  StreamsBuilder builder;
  add_checkout_alerts(builder, {.window = 10s, .threshold = 3});
  TopologyTestDriver driver(builder.build(config("alerts")), config("alerts"));
  auto events = driver.create_input_topic<std::string, std::string>("retail.events");
  auto out = driver.create_output_topic<std::string, std::string>("checkout.alerts");

  // c1: the third failure in [0, 10s) alerts; the fourth does not.
  events.pipe_input("c1", event("checkout_failed", "c1", 1000), 1000);
  events.pipe_input("c1", event("checkout_failed", "c1", 2000), 2000);
  events.pipe_input("c3", event("checkout_failed", "c3", 2500), 2500);
  events.pipe_input("c3", event("checkout_started", "c3", 2600), 2600);  // not a failure
  events.pipe_input("c1", event("checkout_failed", "c1", 3000), 3000);
  events.pipe_input("c1", event("checkout_failed", "c1", 4000), 4000);
  events.pipe_input("c3", event("checkout_failed", "c3", 4500), 4500);  // c3: 2, no alert
  events.pipe_input("c4", event("checkout_failed", "c4", 5000), 5000);
  events.pipe_input("c4", event("checkout_failed", "c4", 6000), 6000);
  // c2 in [10s, 20s), the third one out of order: still counted, still alerts once.
  events.pipe_input("c2", event("checkout_failed", "c2", 12000), 12000);
  events.pipe_input("c2", event("checkout_failed", "c2", 15000), 15000);
  // Stream time is now 15 s: [0, 10s) is closed, so c4's third failure is late and dropped.
  events.pipe_input("c4", event("checkout_failed", "c4", 7000), 7000);
  events.pipe_input("c2", event("checkout_failed", "c2", 11000), 11000);
  events.pipe_input("c2", event("checkout_failed", "c2", 16000), 16000);
  // Malformed values are skipped, and the app goes on.
  events.pipe_input("c1", std::string("not json"), 17000);
  events.pipe_input("c1", std::string(R"({"type":"checkout_failed","customer_id":"c1"})"), 17000);
  // c1 again in the next window of its own: a new alert.
  events.pipe_input("c1", event("checkout_failed", "c1", 21000), 21000);
  events.pipe_input("c1", event("page_view", "c1", 21500), 21500);
  events.pipe_input("c1", event("checkout_failed", "c1", 22000), 22000);
  events.pipe_input("c1", event("checkout_failed", "c1", 23000), 23000);

  const auto alerts = read_alerts(out);
  ASSERT_EQ(alerts.size(), 3u);
  EXPECT_EQ(alerts[0].key, "c1");
  EXPECT_EQ(alerts[0].value, alert("c1", 0, 10000, 3));
  EXPECT_EQ(alerts[0].timestamp, 3000);
  EXPECT_EQ(alerts[1].key, "c2");
  EXPECT_EQ(alerts[1].value, alert("c2", 10000, 20000, 3));
  EXPECT_EQ(alerts[1].timestamp, 15000);  // max timestamp of the window's failures so far
  EXPECT_EQ(alerts[2].key, "c1");
  EXPECT_EQ(alerts[2].value, alert("c1", 20000, 30000, 3));
  EXPECT_EQ(alerts[2].timestamp, 23000);
  EXPECT_EQ(driver.late_dropped_records(), 1);
  EXPECT_EQ(driver.skipped_records(), 2);
}

TEST(CheckoutAlerts, GraceLetsALateFailureCompleteTheWindow) {
  StreamsBuilder builder;
  add_checkout_alerts(builder, {.window = 10s, .grace = 5s, .threshold = 2});
  TopologyTestDriver driver(builder.build(config("alerts-grace")), config("alerts-grace"));
  auto events = driver.create_input_topic<std::string, std::string>("retail.events");
  auto out = driver.create_output_topic<std::string, std::string>("checkout.alerts");

  events.pipe_input("c1", event("checkout_failed", "c1", 9000), 9000);
  events.pipe_input("c2", event("checkout_failed", "c2", 14000), 14000);
  // 14 s < 10 s + 5 s grace: [0, 10s) is still open for c1's late second failure.
  events.pipe_input("c1", event("checkout_failed", "c1", 8000), 8000);
  events.pipe_input("c2", event("checkout_failed", "c2", 15000), 15000);
  // Now stream time is 15 s = end + grace: [0, 10s) is closed.
  events.pipe_input("c3", event("checkout_failed", "c3", 1000), 1000);
  events.pipe_input("c3", event("checkout_failed", "c3", 2000), 2000);

  const auto alerts = read_alerts(out);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].value, alert("c1", 0, 10000, 2));
  EXPECT_EQ(alerts[1].value, alert("c2", 10000, 20000, 2));
  EXPECT_EQ(driver.late_dropped_records(), 2);
}

TEST(CheckoutAlerts, RestartNeverRepeatsAnAlert) {
  // Two drivers over one state directory: the count resumes from the store, so the fourth
  // failure after a restart is still not an alert.
  const auto dir = std::filesystem::temp_directory_path() /
                   ("eddy-alerts-restart-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto run = [&](const std::vector<std::pair<int64_t, std::string>>& failures) {
    StreamsBuilder builder;
    add_checkout_alerts(builder, {.window = 10s, .threshold = 3});
    TopologyTestDriver driver(builder.build(config("alerts-restart")), config("alerts-restart"),
                              {.state_dir = dir.string()});
    auto events = driver.create_input_topic<std::string, std::string>("retail.events");
    auto out = driver.create_output_topic<std::string, std::string>("checkout.alerts");
    for (const auto& [ts, customer] : failures) {
      events.pipe_input(customer, event("checkout_failed", customer, ts), ts);
    }
    return read_alerts(out);
  };
  const auto first = run({{1000, "c1"}, {2000, "c1"}, {3000, "c1"}});
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].value, alert("c1", 0, 10000, 3));
  EXPECT_TRUE(run({{4000, "c1"}, {5000, "c1"}}).empty());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace eddy
