// RetailGenerator: a deterministic stream of retail events (docs/retail-events.md) with
// realistic funnels — most sessions browse, some add to cart, few buy — offer exposures at
// the start of some sessions, plus inventory updates, optional out-of-order and late events.
// Same seed, same events.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace eddy::examples {

struct GeneratorOptions {
  uint64_t seed = 42;
  int customers = 1000;
  int skus = 500;
  int64_t start_time_ms = 1'700'000'000'000;  // event time of the first event
  double events_per_event_second = 1000;      // how fast event time advances
  double late_fraction = 0.0;                 // share of events delivered late
  int64_t late_min_ms = 60'000;               // how late a late event is: [min, max]
  int64_t late_max_ms = 600'000;
  int64_t max_disorder_ms = 0;  // jitter of ordinary events into the past
  int inventory_every = 50;     // one inventory update per N events (0: none)
  // Share of sessions that start with an offer exposure for the session's SKU (an offer
  // that may convert), and of sessions shown an offer for another SKU (one that cannot).
  double exposure_fraction = 0.3;
  double other_sku_exposure_fraction = 0.05;
  int offers = 20;  // offer ids offer-0 .. offer-<offers - 1>; a SKU's offer is sku % offers
};

struct GeneratedRecord {
  std::string topic;  // "events" or "inventory"
  std::string key;
  std::string value;  // JSON
  int64_t timestamp_ms = 0;
  std::string type;  // event type, or "inventory"
  bool late = false;
};

class RetailGenerator {
 public:
  explicit RetailGenerator(GeneratorOptions options) : options_(options), rng_(options.seed) {}

  // Event time advances with the events only (inventory updates do not move it), so at a
  // production rate of events_per_event_second it keeps pace with the wall clock.
  GeneratedRecord next() {
    ++emitted_;
    const int64_t now =
        options_.start_time_ms + static_cast<int64_t>(static_cast<double>(events_) * 1000.0 /
                                                      options_.events_per_event_second);
    if (options_.inventory_every > 0 && emitted_ % options_.inventory_every == 0)
      return inventory(now);
    ++events_;
    return event(now);
  }

 private:
  struct Session {
    std::string customer;
    std::vector<std::string> steps;  // remaining event types, in order
    std::string sku;
    std::string category;
    double price = 0;
    std::string offer_sku;  // the SKU of the offer shown (offer_exposure step)
  };

  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  double chance() { return std::uniform_real_distribution<double>(0, 1)(rng_); }

  std::string sku_name(int i) const { return "sku-" + std::to_string(i); }
  std::string category_of(int sku) const {
    static const char* kCategories[] = {"shoes", "shirts", "electronics", "home",
                                        "toys",  "beauty", "sports",      "books"};
    return kCategories[sku % 8];
  }
  double price_of(int sku) const { return 5.0 + static_cast<double>((sku * 7919) % 200) + 0.99; }

  Session new_session() {
    Session s;
    s.customer = "customer-" + std::to_string(uniform(0, options_.customers - 1));
    const int sku = uniform(0, options_.skus - 1);
    s.sku = sku_name(sku);
    s.category = category_of(sku);
    s.price = price_of(sku);
    if (options_.exposure_fraction > 0 || options_.other_sku_exposure_fraction > 0) {
      const double roll = chance();
      if (roll < options_.exposure_fraction) {
        s.offer_sku = s.sku;
      } else if (options_.skus > 1 &&
                 roll < options_.exposure_fraction + options_.other_sku_exposure_fraction) {
        s.offer_sku = sku_name((sku + 1 + uniform(0, options_.skus - 2)) % options_.skus);
      }
      if (!s.offer_sku.empty()) s.steps.emplace_back("offer_exposure");
    }
    const int views = uniform(1, 6);
    for (int i = 0; i < views; ++i) s.steps.emplace_back("page_view");
    if (chance() < 0.35) {  // adds to cart
      const int adds = uniform(1, 3);
      for (int i = 0; i < adds; ++i) s.steps.emplace_back("add_to_cart");
      if (chance() < 0.2) s.steps.emplace_back("remove_from_cart");
      if (chance() < 0.5) {  // checks out
        s.steps.emplace_back("checkout_started");
        if (chance() < 0.2) {
          const int failures = uniform(1, 4);
          for (int i = 0; i < failures; ++i) s.steps.emplace_back("checkout_failed");
        }
        if (chance() < 0.8) s.steps.emplace_back("purchase");
      }
    }
    return s;
  }

  GeneratedRecord event(int64_t now) {
    // Keep ~50 sessions interleaved, like concurrent shoppers.
    while (active_.size() < 50) active_.push_back(new_session());
    const size_t index = static_cast<size_t>(uniform(0, static_cast<int>(active_.size()) - 1));
    Session& s = active_[index];
    const std::string type = s.steps.front();
    s.steps.erase(s.steps.begin());

    int64_t ts = now;
    bool late = false;
    if (options_.late_fraction > 0 && chance() < options_.late_fraction) {
      ts -=
          std::uniform_int_distribution<int64_t>(options_.late_min_ms, options_.late_max_ms)(rng_);
      late = true;
    } else if (options_.max_disorder_ms > 0) {
      ts -= std::uniform_int_distribution<int64_t>(0, options_.max_disorder_ms)(rng_);
    }
    nlohmann::json value = {{"event_id", "e-" + std::to_string(emitted_)},
                            {"type", type},
                            {"customer_id", s.customer},
                            {"ts", ts}};
    if (type == "offer_exposure") {
      const int offer_sku = std::stoi(s.offer_sku.substr(4));  // "sku-<n>"
      value["sku"] = s.offer_sku;
      value["offer_id"] = "offer-" + std::to_string(offer_sku % std::max(1, options_.offers));
    } else if (type != "checkout_started" && type != "checkout_failed") {
      value["sku"] = s.sku;
      value["category"] = s.category;
      value["price"] = s.price;
      value["quantity"] = type == "page_view" ? 1 : uniform(1, 2);
    }
    GeneratedRecord out{"events", s.customer, value.dump(), ts, type, late};
    if (s.steps.empty()) active_.erase(active_.begin() + static_cast<std::ptrdiff_t>(index));
    return out;
  }

  GeneratedRecord inventory(int64_t now) {
    const int sku = uniform(0, options_.skus - 1);
    const int stock = chance() < 0.1 ? 0 : uniform(1, 100);
    nlohmann::json value = {{"sku", sku_name(sku)}, {"stock", stock}, {"ts", now}};
    return {"inventory", sku_name(sku), value.dump(), now, "inventory", false};
  }

  GeneratorOptions options_;
  std::mt19937_64 rng_;
  int64_t emitted_ = 0;
  int64_t events_ = 0;
  std::vector<Session> active_;
};

}  // namespace eddy::examples
