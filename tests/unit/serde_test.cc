#include <gtest/gtest.h>

#include "dsl_test_support.h"
#include "eddy/errors.h"
#include "eddy/serde/serdes.h"

namespace eddy {
namespace {

struct Order {
  std::string sku;
  int qty = 0;
  bool operator==(const Order&) const = default;
};
void to_json(nlohmann::json& j, const Order& o) {
  j = {{"sku", o.sku}, {"qty", o.qty}};
}
void from_json(const nlohmann::json& j, Order& o) {
  j.at("sku").get_to(o.sku);
  j.at("qty").get_to(o.qty);
}

struct Opaque {
  int x = 0;
};

TEST(Serdes, Int64IsBigEndianLikeJavaLongSerializer) {
  auto s = serdes::int64();
  EXPECT_EQ(s.to_bytes(42), std::string("\0\0\0\0\0\0\0\x2a", 8));
  EXPECT_EQ(s.to_bytes(-1), std::string(8, '\xff'));
  EXPECT_EQ(s.deserialize(s.to_bytes(INT64_MIN)), INT64_MIN);
  EXPECT_EQ(s.deserialize(s.to_bytes(1234567890123)), 1234567890123);
}

TEST(Serdes, DoubleIsIeee754BigEndianLikeJavaDoubleSerializer) {
  auto s = serdes::double_();
  EXPECT_EQ(s.to_bytes(1.0), std::string("\x3f\xf0\0\0\0\0\0\0", 8));
  EXPECT_DOUBLE_EQ(s.deserialize(s.to_bytes(-2.5)), -2.5);
}

TEST(Serdes, StringAndBytesAreCopiedAsIs) {
  EXPECT_EQ(serdes::string().to_bytes("héllo"), "héllo");
  const Bytes raw("\0\x01\x02", 3);
  EXPECT_EQ(serdes::bytes().deserialize(serdes::bytes().to_bytes(raw)), raw);
}

TEST(Serdes, JsonRoundTripsTypesWithToJsonAndRawDocuments) {
  auto orders = default_serde<Order>();
  ASSERT_TRUE(orders);
  EXPECT_EQ(orders.to_bytes(Order{"sku-1", 3}), R"({"qty":3,"sku":"sku-1"})");
  EXPECT_EQ(orders.deserialize(R"({"sku":"x","qty":2})"), (Order{"x", 2}));
  auto docs = default_serde<nlohmann::json>();
  EXPECT_EQ(docs.deserialize("[1,2]"), nlohmann::json::array({1, 2}));
}

TEST(Serdes, MalformedBytesThrowSerdeError) {
  EXPECT_THROW(serdes::int64().deserialize("abc"), SerdeError);
  EXPECT_THROW(serdes::double_().deserialize(""), SerdeError);
  EXPECT_THROW(default_serde<Order>().deserialize("{not json"), SerdeError);
  EXPECT_THROW(default_serde<Order>().deserialize(R"({"sku":1})"), SerdeError);
}

TEST(Serdes, DefaultSerdeIsEmptyForTypesWithoutABuiltInOne) {
  EXPECT_FALSE(default_serde<Opaque>());
  EXPECT_TRUE(default_serde<std::string>());
  EXPECT_EQ(default_serde<int64_t>().name(), "int64");
  EXPECT_EQ(default_serde<std::optional<int64_t>>().name(), "nullable(int64)");
}

TEST(SourceDeserialization, FailureCarriesTopicPartitionAndOffsetWhenLogAndFail) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in").to("out");
  auto config = test::test_config();
  config.deserialization_error_handling = ErrorHandling::kLogAndFail;
  TopologyTestDriver driver(builder.build(config), config);
  auto in = driver.create_input_topic<std::string, std::string>("in");
  in.pipe_input("k", std::string(8, '\0'), 1);  // a valid int64
  try {
    in.pipe_input("k", "bad", 2);
    FAIL() << "expected SerdeError";
  } catch (const SerdeError& e) {
    EXPECT_EQ(e.position().topic, "in");
    EXPECT_EQ(e.position().partition, 0);
    EXPECT_EQ(e.position().offset, 1);
    EXPECT_NE(std::string(e.what()).find("KSTREAM-SOURCE-0000000000"), std::string::npos);
  }
}

TEST(SourceDeserialization, LogAndContinueSkipsAndCountsTheRecord) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in").to("out");
  TopologyTestDriver driver(builder.build(test::test_config()), test::test_config());
  auto raw = driver.create_input_topic<std::string, std::string>("in");
  raw.pipe_input("k", "bad", 1);
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  in.pipe_input("k", 7, 2);
  auto out = driver.create_output_topic<std::string, int64_t>("out");
  EXPECT_EQ(out.read_values_to_list(), std::vector<int64_t>{7});
  EXPECT_EQ(driver.skipped_records(), 1);
}

}  // namespace
}  // namespace eddy
