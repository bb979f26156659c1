#include "session_scoring/session_features.h"

#include <cmath>

namespace eddy::examples {
namespace {

// + 0.0 turns a -0.0 (a cart emptied to within rounding) into 0.0, so JSON never says "-0.0".
double round_to(double value, double scale) {
  return std::round(value * scale) / scale + 0.0;
}

}  // namespace

SessionFeatures SessionFeatures::add(const RetailEvent& event) const {
  SessionFeatures next = *this;
  switch (event.type) {
    case EventType::kPageView:
      ++next.views;
      break;
    case EventType::kAddToCart:
      ++next.adds;
      next.cart_value += event.amount();
      break;
    case EventType::kRemoveFromCart:
      ++next.removes;
      next.cart_value -= event.amount();
      break;
    case EventType::kCheckoutStarted:
      ++next.checkouts;
      break;
    case EventType::kCheckoutFailed:
      ++next.failures;
      break;
    case EventType::kPurchase:
      ++next.purchases;
      next.revenue += event.amount();
      break;
    case EventType::kOfferExposure:  // shown an offer: no session feature (see offer attribution)
      break;
  }
  return next;
}

SessionFeatures SessionFeatures::merge(const SessionFeatures& a, const SessionFeatures& b) {
  return {.views = a.views + b.views,
          .adds = a.adds + b.adds,
          .removes = a.removes + b.removes,
          .checkouts = a.checkouts + b.checkouts,
          .failures = a.failures + b.failures,
          .purchases = a.purchases + b.purchases,
          .cart_value = a.cart_value + b.cart_value,
          .revenue = a.revenue + b.revenue};
}

double SessionFeatures::score() const {
  const double z = 0.05 * static_cast<double>(views) + 0.40 * static_cast<double>(adds) -
                   0.20 * static_cast<double>(removes) + 1.00 * static_cast<double>(checkouts) -
                   0.50 * static_cast<double>(failures) - 2.0;
  return round_to(1.0 / (1.0 + std::exp(-z)), 1e4);
}

nlohmann::json SessionFeatures::to_json(int64_t window_start, int64_t window_end) const {
  return {{"views", views},
          {"adds", adds},
          {"removes", removes},
          {"checkouts", checkouts},
          {"failures", failures},
          {"purchases", purchases},
          {"cart_value", round_to(cart_value, 100)},
          {"revenue", round_to(revenue, 100)},
          {"window_start", window_start},
          {"window_end", window_end},
          {"score", score()}};
}

FeatureFields SessionFeatures::to_fields(int64_t window_start, int64_t window_end) const {
  FeatureFields fields;
  const nlohmann::json published = to_json(window_start, window_end);
  for (const auto& [name, value] : published.items()) fields.emplace_back(name, value.dump());
  return fields;
}

void to_json(nlohmann::json& j, const SessionFeatures& f) {
  j = {{"views", f.views},           {"adds", f.adds},         {"removes", f.removes},
       {"checkouts", f.checkouts},   {"failures", f.failures}, {"purchases", f.purchases},
       {"cart_value", f.cart_value}, {"revenue", f.revenue}};
}

void from_json(const nlohmann::json& j, SessionFeatures& f) {
  j.at("views").get_to(f.views);
  j.at("adds").get_to(f.adds);
  j.at("removes").get_to(f.removes);
  j.at("checkouts").get_to(f.checkouts);
  j.at("failures").get_to(f.failures);
  j.at("purchases").get_to(f.purchases);
  j.at("cart_value").get_to(f.cart_value);
  j.at("revenue").get_to(f.revenue);
}

}  // namespace eddy::examples
