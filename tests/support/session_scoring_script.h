// A fixed script of retail events for eddy-session-scoring's tests (unit and integration),
// with every result the app must produce from it. Gap 10 s, grace 5 s: a session closes once
// stream time > its last event + 15 s.
//
//   rel. ms   customer  event                                  what it exercises
//    1000     alice     page_view                              alice's first session opens
//    2000     bob       page_view
//    3000     alice     add_to_cart  sku-1 10.50 x2
//   14000     bob       page_view                              a second bob session (12 s > gap)
//     -       bob       "not json{"                            malformed: skipped, app goes on
//     -       bob       JSON without ts                        malformed: skipped
//    7000     bob       add_to_cart  sku-2 5.25 x1             out of order: merges bob's two
//   16000     carol     page_view
//   17000     carol     add_to_cart  sku-3 30.00 x1
//   17500     carol     add_to_cart  sku-4 4.50 x2
//   17800     carol     remove_from_cart sku-4 4.50 x1
//   18000     carol     checkout_started
//   19000     carol     checkout_failed                        closes alice [1000, 3000]
//   20000     carol     purchase     sku-3 30.00 x1
//    2500     alice     remove_from_cart sku-1                 late: alice's session is closed
//   40000     dave      page_view                              closes bob and carol
//   41000     alice     page_view                              alice's second session
//   (wall-clock idleness, or more stream time, closes dave's and alice's open sessions)
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace eddy::testing_support {

inline constexpr std::chrono::milliseconds kScriptGap{10'000};
inline constexpr std::chrono::milliseconds kScriptGrace{5'000};

struct ScriptRecord {
  std::string key;
  std::string value;  // JSON, or malformed bytes
  int64_t timestamp;  // the Kafka record timestamp (= ts for well-formed events)
};

// A closed session as the app must publish it (JSON on session.features, hash session:*).
struct ExpectedSession {
  std::string customer;
  nlohmann::json features;
};

class SessionScript {
 public:
  // `base_ms` is added to every relative time; `customer_prefix` to every customer id, so
  // runs against a shared broker and Redis never see each other's keys.
  SessionScript(int64_t base_ms, std::string customer_prefix)
      : base_(base_ms), prefix_(std::move(customer_prefix)) {}

  std::string customer(const std::string& name) const { return prefix_ + name; }
  int64_t at(int64_t relative_ms) const { return base_ + relative_ms; }

  std::vector<ScriptRecord> records() const {
    std::vector<ScriptRecord> out;
    int n = 0;
    auto event = [&](const std::string& who, const std::string& type, int64_t rel,
                     nlohmann::json extra = nlohmann::json::object()) {
      nlohmann::json e = {{"event_id", "e-" + std::to_string(++n)},
                          {"type", type},
                          {"customer_id", customer(who)},
                          {"ts", at(rel)}};
      e.update(extra);
      out.push_back({customer(who), e.dump(), at(rel)});
    };
    auto item = [](const char* sku, double price, int quantity) {
      return nlohmann::json{
          {"sku", sku}, {"category", "toys"}, {"price", price}, {"quantity", quantity}};
    };
    event("alice", "page_view", 1000, {{"sku", "sku-1"}, {"category", "toys"}});
    event("bob", "page_view", 2000);
    event("alice", "add_to_cart", 3000, item("sku-1", 10.50, 2));
    event("bob", "page_view", 14000);
    out.push_back({customer("bob"), "not json{", at(14000)});
    out.push_back({customer("bob"),
                   nlohmann::json{{"type", "page_view"}, {"customer_id", customer("bob")}}.dump(),
                   at(14000)});
    event("bob", "add_to_cart", 7000, item("sku-2", 5.25, 1));
    event("carol", "page_view", 16000);
    event("carol", "add_to_cart", 17000, item("sku-3", 30.00, 1));
    event("carol", "add_to_cart", 17500, item("sku-4", 4.50, 2));
    event("carol", "remove_from_cart", 17800, item("sku-4", 4.50, 1));
    event("carol", "checkout_started", 18000);
    event("carol", "checkout_failed", 19000);
    event("carol", "purchase", 20000, item("sku-3", 30.00, 1));
    event("alice", "remove_from_cart", 2500, item("sku-1", 10.50, 1));
    event("dave", "page_view", 40000);
    event("alice", "page_view", 41000);
    return out;
  }

  static constexpr int kMalformedRecords = 2;
  static constexpr int kLateRecords = 1;

  // Every session the script closes, by window end: what session.features must hold.
  std::vector<ExpectedSession> closed_sessions() const {
    return {
        {customer("alice"), features(1000, 3000, {.views = 1, .adds = 1, .cart = 21.0}, 0.1751)},
        {customer("bob"), features(2000, 14000, {.views = 2, .adds = 1, .cart = 5.25}, 0.1824)},
        {customer("carol"), features(16000, 20000,
                                     {.views = 1,
                                      .adds = 2,
                                      .removes = 1,
                                      .checkouts = 1,
                                      .failures = 1,
                                      .purchases = 1,
                                      .cart = 34.5,
                                      .revenue = 30.0},
                                     0.2994)},
        {customer("dave"), features(40000, 40000, {.views = 1}, 0.1246)},
        {customer("alice"), features(41000, 41000, {.views = 1}, 0.1246)},
    };
  }

  // Hash session:<customer> after the script: each customer's latest closed session.
  // Hash session-live:<customer>: the same features (the last update of each customer's
  // latest session is its final value; the open-session path skips nothing else).
  std::vector<ExpectedSession> latest_sessions() const {
    auto all = closed_sessions();
    return {all[4], all[1], all[2], all[3]};  // alice (second session), bob, carol, dave
  }

 private:
  struct Counts {
    int views = 0, adds = 0, removes = 0, checkouts = 0, failures = 0, purchases = 0;
    double cart = 0, revenue = 0;
  };
  nlohmann::json features(int64_t start, int64_t end, Counts c, double score) const {
    return {{"views", c.views},         {"adds", c.adds},         {"removes", c.removes},
            {"checkouts", c.checkouts}, {"failures", c.failures}, {"purchases", c.purchases},
            {"cart_value", c.cart},     {"revenue", c.revenue},   {"window_start", at(start)},
            {"window_end", at(end)},    {"score", score}};
  }

  int64_t base_;
  std::string prefix_;
};

}  // namespace eddy::testing_support
