// RetailEventSax: the fast path of retail_event_serde() (retail_event.h, read_retail_event). It
// reads a retail.events value with nlohmann's SAX parser (the same lexer, so the same JSON is
// accepted) into the event's fields directly, without building a JSON document, which
// was the largest part of an event's cost in the session-scoring topology. It returns an
// event only when the value is plainly valid; anything else (another type for a known field,
// a number that needs from_json's integer rules, a value from_json would refuse) returns
// nullopt, and from_json decides, so errors and edge cases stay from_json's. The fuzz target
// (tests/fuzz/fuzz_retail_event.cc) checks that both read every accepted value alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace eddy::examples {

// Collects the top-level fields of a JSON object; aborts (returns false) at the first thing
// it does not read plainly, so that parse returns false and from_json takes over.
class RetailEventSax final : public nlohmann::json_sax<nlohmann::json> {
 public:
  enum class Field {
    kNone,
    kEventId,
    kType,
    kCustomerId,
    kSku,
    kCategory,
    kOfferId,
    kPrice,
    kQuantity,
    kTs
  };

  std::string event_id, type, customer_id, sku, category, offer_id;
  double price = 0;
  int64_t quantity = 1;
  int64_t ts = 0;
  bool has_type = false, has_customer_id = false, has_ts = false;
  bool object = false;  // the top level was an object

  bool null() override { return skipped(); }
  bool boolean(bool /*value*/) override { return skipped(); }
  bool number_integer(number_integer_t value) override { return integer(value); }
  bool number_unsigned(number_unsigned_t value) override {
    if (value > static_cast<number_unsigned_t>(INT64_MAX)) return skipped();
    return integer(static_cast<int64_t>(value));
  }
  bool number_float(number_float_t value, const string_t& /*text*/) override {
    if (depth_ != 1 || field_ != Field::kPrice) return skipped();
    price = value;
    return true;
  }
  bool string(string_t& value) override {
    if (depth_ != 1) return true;
    switch (field_) {
      case Field::kEventId:
        event_id = std::move(value);
        return true;
      case Field::kType:
        type = std::move(value);
        has_type = true;
        return true;
      case Field::kCustomerId:
        customer_id = std::move(value);
        has_customer_id = true;
        return true;
      case Field::kSku:
        sku = std::move(value);
        return true;
      case Field::kCategory:
        category = std::move(value);
        return true;
      case Field::kOfferId:
        offer_id = std::move(value);
        return true;
      case Field::kNone:
        return true;
      default:
        return false;  // a number field holding a string: from_json's error
    }
  }
  bool binary(binary_t& /*value*/) override { return false; }
  bool start_object(std::size_t /*elements*/) override {
    if (depth_ == 0) object = true;
    return nested();
  }
  bool end_object() override { return --depth_ >= 0; }
  bool start_array(std::size_t /*elements*/) override { return depth_ > 0 && nested(); }
  bool end_array() override { return --depth_ >= 0; }
  bool key(string_t& name) override {
    if (depth_ == 1) field_ = field_of(name);
    return true;
  }
  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& /*ex*/) override {
    return false;
  }

 private:
  static Field field_of(std::string_view name) {
    if (name == "type") return Field::kType;
    if (name == "customer_id") return Field::kCustomerId;
    if (name == "ts") return Field::kTs;
    if (name == "event_id") return Field::kEventId;
    if (name == "sku") return Field::kSku;
    if (name == "category") return Field::kCategory;
    if (name == "price") return Field::kPrice;
    if (name == "quantity") return Field::kQuantity;
    if (name == "offer_id") return Field::kOfferId;
    return Field::kNone;
  }
  // A value at the top level must be the object; inside it, only a known field's matters.
  bool nested() {
    if (depth_ == 1 && field_ != Field::kNone) return false;  // a known field holding a structure
    ++depth_;
    return true;
  }
  bool skipped() const { return depth_ > 1 || (depth_ == 1 && field_ == Field::kNone); }
  bool integer(int64_t value) {
    if (depth_ != 1) return true;
    switch (field_) {
      case Field::kPrice:
        price = static_cast<double>(value);
        return true;
      case Field::kQuantity:
        quantity = value;
        return true;
      case Field::kTs:
        ts = value;
        has_ts = true;
        return true;
      case Field::kNone:
        return true;
      default:
        return false;  // a string field holding a number: from_json's error
    }
  }

  int depth_ = 0;
  Field field_ = Field::kNone;
};

}  // namespace eddy::examples
