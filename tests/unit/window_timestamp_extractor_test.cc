// Event time from a timestamp extractor (Consumed::with_timestamp_extractor), and invalid
// timestamps going to the deserialization handler.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "window_test_support.h"

namespace eddy {
namespace {

using namespace std::chrono_literals;
using test::Out;
using test::test_config;

Topology clicks_per_10ms() {
  StreamsBuilder builder;
  builder
      .stream<std::string, nlohmann::json>(
          "clicks", Consumed<std::string, nlohmann::json>{}.with_timestamp_extractor(
                        [](const std::string&, const nlohmann::json& v, int64_t) {
                          return v.at("ts").get<int64_t>();
                        }))
      .group_by_key()
      .windowed_by(TimeWindows::of_size_with_no_grace(10ms))
      .count()
      .to_stream()
      .to("out");
  return builder.build(test_config());
}

TEST(TimestampExtractor, WindowsUseTheExtractedEventTime) {
  TopologyTestDriver driver(clicks_per_10ms(), test_config());
  auto clicks = driver.create_input_topic<std::string, nlohmann::json>("clicks");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::time_windowed(serdes::string(), 10), serdes::int64());
  clicks.pipe_input("u", nlohmann::json{{"ts", 15}}, /*record timestamp=*/1'000);
  clicks.pipe_input("u", nlohmann::json{{"ts", 3}}, 1'001);  // late by event time
  clicks.pipe_input("u", nlohmann::json{{"ts", 12}}, 2);
  EXPECT_EQ(test::read_windowed(out),
            (std::vector<Out>{{"u", 10, 20, 1, 15}, {"u", 10, 20, 2, 15}}));
  EXPECT_EQ(driver.late_dropped_records(), 1);
}

TEST(TimestampExtractor, NegativeOrFailingExtractionGoesToTheErrorHandler) {
  TopologyTestDriver driver(clicks_per_10ms(), test_config());  // log and continue
  auto clicks = driver.create_input_topic<std::string, nlohmann::json>("clicks");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::time_windowed(serdes::string(), 10), serdes::int64());
  clicks.pipe_input("u", nlohmann::json{{"ts", -5}}, 1);
  clicks.pipe_input("u", nlohmann::json{{"no-ts", 1}}, 1);
  clicks.pipe_input("u", nlohmann::json{{"ts", 5}}, 1);
  EXPECT_EQ(test::read_windowed(out), (std::vector<Out>{{"u", 0, 10, 1, 5}}));
  EXPECT_EQ(driver.skipped_records(), 2);
}

TEST(TimestampExtractor, NegativeRecordTimestampIsSkippedAsOnKafkaEvenUnderLogAndFail) {
  // A negative *record* timestamp never reaches the source (the task's input queues skip
  // and count it, on Kafka and in the driver alike); a negative *extracted* one goes to the
  // deserialization handler (above).
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in").to("out");
  auto config = test_config();
  config.deserialization_error_handling = ErrorHandling::kLogAndFail;
  TopologyTestDriver driver(builder.build(config), config);
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  in.pipe_input("k", 1, -1);
  in.pipe_input("k", 2, 3);
  auto out = driver.create_output_topic<std::string, int64_t>("out");
  EXPECT_EQ(out.read_values_to_list(), std::vector<int64_t>{2});
  EXPECT_EQ(driver.invalid_timestamp_records(), 1);
}

}  // namespace
}  // namespace eddy
