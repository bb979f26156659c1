#include <gtest/gtest.h>

#include "dsl_test_support.h"

namespace eddy {
namespace {

using test::test_config;

TEST(KStreamFilter, KeepsMatchingRecordsWithKeysAndTimestamps) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .filter([](const std::string&, int64_t v) { return v > 10; })
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<std::string, int64_t>("out");
  in.pipe_input("a", 5, 100);
  in.pipe_input("b", 50, 200);
  in.pipe_input("c", 11, 300);
  auto first = out.read_record();
  EXPECT_EQ(first.key, "b");
  EXPECT_EQ(first.value, 50);
  EXPECT_EQ(first.timestamp, 200);
  EXPECT_EQ(out.read_key_value(), (KeyValue<std::string, int64_t>{"c", 11}));
  EXPECT_TRUE(out.is_empty());
}

}  // namespace
}  // namespace eddy
