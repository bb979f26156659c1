#include "session_scoring/session_features.h"

#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>
#include <variant>

namespace eddy::examples {
namespace {

// + 0.0 turns a -0.0 (a cart emptied to within rounding) into 0.0, so JSON never says "-0.0".
double round_to(double value, double scale) {
  return std::round(value * scale) / scale + 0.0;
}

// The store's fields in the order nlohmann writes an object (by name), as to_json did.
using Member = std::variant<int64_t SessionFeatures::*, double SessionFeatures::*>;
struct StoreField {
  std::string_view name;
  Member member;
};
constexpr std::array<StoreField, 8> kFields = {{{"adds", &SessionFeatures::adds},
                                                {"cart_value", &SessionFeatures::cart_value},
                                                {"checkouts", &SessionFeatures::checkouts},
                                                {"failures", &SessionFeatures::failures},
                                                {"purchases", &SessionFeatures::purchases},
                                                {"removes", &SessionFeatures::removes},
                                                {"revenue", &SessionFeatures::revenue},
                                                {"views", &SessionFeatures::views}}};

int field_of(std::string_view name) {
  for (size_t i = 0; i < kFields.size(); ++i) {
    if (kFields[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

// JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? (from_chars alone
// would also take "007", "inf" or "nan").
bool is_json_number(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    const size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

template <typename T>
bool parse_whole(std::string_view s, T& out) {
  if (!is_json_number(s)) return false;
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), out);
  return error == std::errc() && end == s.data() + s.size();
}

bool read_field(int field, std::string_view number, SessionFeatures& f) {
  return std::visit([&](auto member) { return parse_whole(number, f.*member); },
                    kFields[static_cast<size_t>(field)].member);
}

// The object as the serde writes it: {"name":number,...}, each field once, no white space.
// nullopt for any other shape (from_json then decides).
std::optional<SessionFeatures> read_flat(std::string_view s) {
  SessionFeatures f;
  unsigned seen = 0;
  if (s.size() < 2 || s.front() != '{' || s.back() != '}') return std::nullopt;
  size_t i = 1;
  while (i < s.size() - 1) {
    if (s[i] != '"') return std::nullopt;
    const size_t name_end = s.find('"', i + 1);
    if (name_end == std::string_view::npos || name_end + 1 >= s.size() || s[name_end + 1] != ':') {
      return std::nullopt;
    }
    const int field = field_of(s.substr(i + 1, name_end - i - 1));
    if (field < 0 || (seen & (1U << field)) != 0) return std::nullopt;
    const size_t value_start = name_end + 2;
    const size_t value_end = s.find_first_of(",}", value_start);
    if (!read_field(field, s.substr(value_start, value_end - value_start), f)) return std::nullopt;
    seen |= 1U << field;
    i = value_end + 1;
    if (s[value_end] == '}') break;
  }
  if (i != s.size() || seen != (1U << kFields.size()) - 1) return std::nullopt;
  return f;
}

template <typename T>
void append_number(std::string& out, T value) {
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(value)) {  // as nlohmann writes it (reading it back then fails)
      out += "null";
      return;
    }
  }
  std::array<char, 32> buf;
  const auto result = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  out.append(buf.data(), result.ptr);
}

void write_flat(const SessionFeatures& f, std::string& out) {
  char separator = '{';
  for (const StoreField& field : kFields) {
    out += separator;
    separator = ',';
    out += '"';
    out += field.name;
    out += "\":";
    std::visit([&](auto member) { append_number(out, f.*member); }, field.member);
  }
  out += '}';
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

Serde<SessionFeatures> session_features_serde() {
  const Serde<SessionFeatures> general = serdes::json<SessionFeatures>();
  return Serde<SessionFeatures>(
      [](const SessionFeatures& f, std::string& out) { write_flat(f, out); },
      [general](std::string_view bytes) {
        if (auto f = read_flat(bytes)) return *f;
        return general.deserialize(bytes);
      },
      "session-features-json");
}

}  // namespace eddy::examples
