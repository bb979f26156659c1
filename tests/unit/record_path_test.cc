// The record path the driver and the runtime share (processor::PartitionGroup inside TaskCore):
// which record goes next (lowest timestamp, max.task.idle.ms, negative timestamps), headers
// through every step, and the error handlers with each record's context.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/log_throttle.h"
#include "dsl_test_support.h"
#include "eddy/error_handlers.h"
#include "eddy/processor/processor.h"
#include "eddy/sink/feature_sink.h"
#include "processor/partition_group.h"

namespace eddy {
namespace {

using test::read_rows;
using test::Rows;
using test::test_config;

Topology merged(const StreamsConfig& config) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("a")
      .merge(builder.stream<std::string, std::string>("b"))
      .to("out");
  return builder.build(config);
}

// --- which record goes next -------------------------------------------------------------

TEST(RecordPath, MaxTaskIdleWaitsForAnEmptyPartitionThenProcessesInTimestampOrder) {
  auto config = test_config();
  config.max_task_idle = std::chrono::milliseconds(1000);
  TopologyTestDriver driver(merged(config), config);
  auto a = driver.create_input_topic<std::string, std::string>("a");
  auto b = driver.create_input_topic<std::string, std::string>("b");
  auto out = driver.create_output_topic<std::string, std::string>("out");

  a.pipe_input("x", "a@10", 10);
  EXPECT_TRUE(out.is_empty());  // "b" has nothing yet: the task waits for it
  driver.advance_wall_clock_time(std::chrono::milliseconds(999));
  EXPECT_TRUE(out.is_empty());
  // Both have data: the lower timestamp goes first; then "b" is empty again, so "a@10" waits.
  b.pipe_input("y", "b@5", 5);
  EXPECT_EQ(read_rows(out), (Rows<std::string, std::string>{{"y", "b@5", 5}}));
  b.pipe_input("y", "b@15", 15);
  EXPECT_EQ(read_rows(out), (Rows<std::string, std::string>{{"x", "a@10", 10}}));
  // "a" empty now: after max.task.idle.ms the task stops waiting for it.
  driver.advance_wall_clock_time(std::chrono::milliseconds(999));
  EXPECT_TRUE(out.is_empty());
  driver.advance_wall_clock_time(std::chrono::milliseconds(1));
  EXPECT_EQ(read_rows(out), (Rows<std::string, std::string>{{"y", "b@15", 15}}));
}

TEST(RecordPath, WithoutIdlingTheTaskProcessesWhateverIsBuffered) {
  auto config = test_config();  // max.task.idle.ms = 0
  TopologyTestDriver driver(merged(config), config);
  auto a = driver.create_input_topic<std::string, std::string>("a");
  auto out = driver.create_output_topic<std::string, std::string>("out");
  a.pipe_input("x", "a@10", 10);
  EXPECT_EQ(read_rows(out), (Rows<std::string, std::string>{{"x", "a@10", 10}}));
}

TEST(RecordPath, NegativeTimestampIsSkippedAndCountedAsOnKafka) {
  auto config = test_config();
  config.deserialization_error_handling = ErrorHandling::kLogAndFail;  // not a handler matter
  TopologyTestDriver driver(merged(config), config);
  auto a = driver.create_input_topic<std::string, std::string>("a");
  auto out = driver.create_output_topic<std::string, std::string>("out");
  a.pipe_input("x", "bad", -1);
  a.pipe_input("x", "good", 7);
  EXPECT_EQ(read_rows(out), (Rows<std::string, std::string>{{"x", "good", 7}}));
  EXPECT_EQ(driver.invalid_timestamp_records(), 1);
  EXPECT_EQ(driver.skipped_records(ErrorKind::kDeserialization), 0);
}

TEST(PartitionGroup, PicksTheLowestHeadTimestampAndSkipsInvalidOnes) {
  processor::PartitionGroup group(0);
  auto& p0 = group.add_partition("t", 0);
  auto& p1 = group.add_partition("t", 1);
  group.push(p0, processor::ConsumedRecord::owned("t", 0, 0, 30, "k", "v"));
  group.push(p1, processor::ConsumedRecord::owned("t", 1, 0, -3, "k", "v"));
  group.push(p1, processor::ConsumedRecord::owned("t", 1, 1, 20, "k", "v"));
  std::vector<int64_t> skipped;
  auto skip = [&](auto&, const processor::ConsumedRecord& r) { skipped.push_back(r.offset); };
  auto* next = group.next(0, skip);
  ASSERT_EQ(next, &p1);
  EXPECT_EQ(next->records.front().timestamp, 20);
  EXPECT_EQ(skipped, std::vector<int64_t>{0});
  EXPECT_EQ(p1.next_offset, 1);  // the skipped record counts as consumed
  group.pop(*next);
  EXPECT_EQ(group.next(0, skip), &p0);
  EXPECT_EQ(group.buffered(), 1u);
}

TEST(PartitionGroup, IdlingIsMeasuredPerEmptyPartitionOnTheCallersClock) {
  processor::PartitionGroup group(100);
  auto& p0 = group.add_partition("t", 0);
  group.add_partition("t", 1);
  group.push(p0, processor::ConsumedRecord::owned("t", 0, 0, 5, "k", "v"));
  auto skip = [](auto&, const processor::ConsumedRecord&) {};
  EXPECT_EQ(group.next(1000, skip), nullptr);  // p1 first seen empty at 1000
  EXPECT_EQ(group.next(1099, skip), nullptr);
  EXPECT_EQ(group.next(1100, skip), &p0);
}

// --- headers ----------------------------------------------------------------------------

// A processor that reads a header and adds one.
class Stamper : public Processor<std::string, std::string, std::string, std::string> {
 public:
  void init(ProcessorContext<std::string, std::string>& context) override { context_ = &context; }
  void process(const Record<std::string, std::string>& r) override {
    auto out = r;
    const auto trace = header_value(r.headers, "trace");
    out.value = r.value + "/" + std::string(trace.value_or("none"));
    out.headers.push_back({"stamped-by", "stamper"});
    context_->forward(out);
  }

 private:
  ProcessorContext<std::string, std::string>* context_ = nullptr;
};

TEST(RecordPath, HeadersReachOutputsAndRepartitionTopicsAndProcessorsCanChangeThem) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .process<std::string, std::string>([] { return std::make_unique<Stamper>(); })
      .select_key([](const std::string&, const std::string& v) { return v; })
      .repartition(Repartitioned<std::string, std::string>::as("by-value"))
      .map_values([](const std::string& v) { return v + "!"; })
      .to("out");
  const auto config = test_config();
  TopologyTestDriver driver(builder.build(config), config, {.partitions_per_topic = 2});
  auto in = driver.create_input_topic<std::string, std::string>("in");
  in.pipe_input("k", "v", 1, Headers{{"trace", "t-1"}, {"flag", std::nullopt}});
  auto out = driver.create_output_topic<std::string, std::string>("out");
  auto r = out.read_record();
  EXPECT_EQ(r.value, "v/t-1!");
  EXPECT_EQ(r.headers,
            (Headers{{"trace", "t-1"}, {"flag", std::nullopt}, {"stamped-by", "stamper"}}));
  auto repartition =
      driver.create_output_topic<std::string, std::string>("app-by-value-repartition");
  EXPECT_EQ(repartition.read_record().headers, r.headers);
}

// A feature sink that keeps what it is given, written when flushed.
class KeepingSink final : public FeatureSink {
 public:
  KeepingSink() : FeatureSink(SinkOptions{.name = "keeping", .background_flush = false}) {}
  ~KeepingSink() override { stop_flushing(); }
  std::vector<FeatureUpdate> written;

 protected:
  void write_batch(std::span<const FeatureUpdate> batch, std::span<WriteOutcome>) override {
    written.insert(written.end(), batch.begin(), batch.end());
  }
};

TEST(RecordPath, HeadersReachAFeatureSink) {
  auto sink = std::make_shared<KeepingSink>();
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in").to_sink(
      sink, [](const std::string& k, const std::string& v) {
        return FeatureRow{k, FeatureFields{{"v", v}}};
      });
  const auto config = test_config();
  TopologyTestDriver driver(builder.build(config), config);
  auto in = driver.create_input_topic<std::string, std::string>("in");
  in.pipe_input("c-1", "3", 5, Headers{{"consent", "yes"}});
  driver.commit();
  ASSERT_EQ(sink->written.size(), 1u);
  EXPECT_EQ(sink->written[0].key, "c-1");
  EXPECT_EQ(sink->written[0].headers, (Headers{{"consent", "yes"}}));
  EXPECT_EQ(sink->written[0].source.offset, 0);
}

// --- error handlers ---------------------------------------------------------------------

struct Amount {
  int64_t cents = 0;
};
void to_json(nlohmann::json& j, const Amount& a) {
  j = {{"cents", a.cents}};
}
void from_json(const nlohmann::json& j, Amount& a) {
  j.at("cents").get_to(a.cents);
}

// Amounts by customer: a JSON source, a processor that throws on negative amounts, a store
// whose value serde refuses amounts over a million (a SerdeError during processing), and a
// sink whose value serde refuses 13.
Topology amounts_topology(const StreamsConfig& config) {
  Serde<int64_t> picky_store_serde(
      [](const int64_t& v, std::string& out) {
        if (v > 1'000'000) throw SerdeError("amount too large for the store: " + std::to_string(v));
        serdes::int64().serialize(v, out);
      },
      [](std::string_view b) { return serdes::int64().deserialize(b); }, "picky");
  Serde<int64_t> picky_sink_serde(
      [](const int64_t& v, std::string& out) {
        if (v == 13) throw SerdeError("unlucky");
        serdes::int64().serialize(v, out);
      },
      [](std::string_view b) { return serdes::int64().deserialize(b); }, "unlucky");
  StreamsBuilder builder;
  builder
      .stream<std::string, Amount>(
          "in", Consumed<std::string, Amount>::with(serdes::string(), serdes::json<Amount>()))
      .map_values(
          [](const Amount& a) {
            if (a.cents < 0) throw std::invalid_argument("negative amount");
            return a.cents;
          },
          Named::as("check-amount"))
      .group_by_key()
      .reduce([](int64_t a, int64_t b) { return a + b; },
              Materialized<std::string, int64_t>::as("totals").with_value_serde(picky_store_serde))
      .to_stream()
      .map_values([](const std::optional<int64_t>& v) { return v.value_or(0); })
      .to("out", Produced<std::string, int64_t>::with(serdes::string(), picky_sink_serde));
  return builder.build(config);
}

struct Amounts {
  explicit Amounts(StreamsConfig config)
      : driver(amounts_topology(config), config),
        out(driver.create_output_topic<std::string, int64_t>("out")) {}
  void pipe(const std::string& key, const std::string& json, int64_t ts,
            Headers headers = {{"trace", "t"}}) {
    driver.pipe_raw("in", key, json, ts, std::move(headers));
  }
  TopologyTestDriver driver;
  TestOutputTopic<std::string, int64_t> out;
};

StreamsConfig with_dead_letters(ErrorHandling handling) {
  auto config = test_config();
  config.deserialization_error_handling = handling;
  config.processing_error_handling = handling;
  config.production_error_handling = handling;
  config.dead_letter_topic = "dlq";
  config.cache_max_bytes = 0;  // every update goes downstream at once
  return config;
}

TEST(ErrorHandlers, DeadLetterRecordsCarryTheSourceRecordAndKip1034Headers) {
  Amounts a(with_dead_letters(ErrorHandling::kDeadLetter));
  a.pipe("c", R"({"cents": 5})", 1);
  a.pipe("c", "{not json", 2);              // deserialization
  a.pipe("c", R"({"cents": -1})", 3);       // processing: the map throws
  a.pipe("c", R"({"cents": 2000000})", 4);  // processing: the store's serde throws
  a.pipe("c", R"({"cents": 8})", 5);        // total 13: the sink's serde throws
  a.pipe("c", R"({"cents": 1})", 6);
  EXPECT_EQ(read_rows(a.out), (Rows<std::string, int64_t>{{"c", 5, 1}, {"c", 14, 6}}));
  EXPECT_EQ(a.driver.skipped_records(ErrorKind::kDeserialization), 1);
  EXPECT_EQ(a.driver.skipped_records(ErrorKind::kProcessing), 2);
  EXPECT_EQ(a.driver.skipped_records(ErrorKind::kProduction), 1);
  EXPECT_EQ(a.driver.dead_lettered_records(), 4);

  auto dlq = a.driver.create_output_topic<std::string, std::string>("dlq");
  auto records = dlq.read_records_to_list();
  ASSERT_EQ(records.size(), 4u);
  const std::vector<std::string> values = {"{not json", R"({"cents": -1})", R"({"cents": 2000000})",
                                           R"({"cents": 8})"};
  const std::vector<std::string> kinds = {"deserialization", "processing", "processing",
                                          "production"};
  const std::vector<std::string> offsets = {"1", "2", "3", "4"};
  for (size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    SCOPED_TRACE(i);
    EXPECT_EQ(r.key, "c");
    EXPECT_EQ(r.value, values[i]);  // the source record's raw bytes
    EXPECT_EQ(r.timestamp, static_cast<int64_t>(i) + 2);
    EXPECT_EQ(header_value(r.headers, "trace"), "t");  // its headers too
    EXPECT_EQ(header_value(r.headers, error_headers::kTopic), "in");
    EXPECT_EQ(header_value(r.headers, error_headers::kPartition), "0");
    EXPECT_EQ(header_value(r.headers, error_headers::kOffset), offsets[i]);
    EXPECT_EQ(header_value(r.headers, error_headers::kKind), kinds[i]);
    EXPECT_EQ(header_value(r.headers, error_headers::kTask), "0_0");
    EXPECT_TRUE(header_value(r.headers, error_headers::kMessage).has_value());
  }
  EXPECT_EQ(header_value(records[0].headers, error_headers::kException), "eddy::SerdeError");
  EXPECT_EQ(header_value(records[1].headers, error_headers::kException), "std::invalid_argument");
  EXPECT_EQ(header_value(records[1].headers, error_headers::kNode), "check-amount");
  // The store's serde failing is the aggregation's processing error, not a deserialization
  // error of the input record (issue 23).
  EXPECT_EQ(header_value(records[2].headers, error_headers::kException), "eddy::SerdeError");
  EXPECT_NE(header_value(records[2].headers, error_headers::kNode)->find("REDUCE"),
            std::string_view::npos);
  EXPECT_NE(header_value(records[3].headers, error_headers::kMessage)->find("unlucky"),
            std::string_view::npos);
}

TEST(ErrorHandlers, LogAndContinueSkipsEachKindWithoutDeadLetters) {
  auto config = with_dead_letters(ErrorHandling::kLogAndContinue);
  config.dead_letter_topic.clear();
  Amounts a(config);
  a.pipe("c", "{not json", 1);
  a.pipe("c", R"({"cents": -1})", 2);
  a.pipe("c", R"({"cents": 13})", 3);
  a.pipe("c", R"({"cents": 1})", 4);
  EXPECT_EQ(read_rows(a.out), (Rows<std::string, int64_t>{{"c", 14, 4}}));
  EXPECT_EQ(a.driver.skipped_records(), 3);
  EXPECT_EQ(a.driver.dead_lettered_records(), 0);
}

TEST(ErrorHandlers, LogAndFailThrowsForEachKindAndDeadLettersFirstWhenATopicIsSet) {
  for (const std::string& bad : {std::string("{not json"), std::string(R"({"cents": -1})"),
                                 std::string(R"({"cents": 13})")}) {
    SCOPED_TRACE(bad);
    Amounts a(with_dead_letters(ErrorHandling::kLogAndFail));
    EXPECT_THROW(a.pipe("c", bad, 1), Error);
    // As Kafka Streams' built-ins once errors.dead.letter.queue.topic.name is set.
    EXPECT_EQ(a.driver.dead_lettered_records(), 1);
    EXPECT_EQ(a.driver.skipped_records(), 0);
  }
}

TEST(ErrorHandlers, CallbacksSeeTheRecordsContextAndDecide) {
  auto config = test_config();
  std::vector<std::string> seen;
  config.processing_exception_handler = [&](const ErrorContext& c) {
    seen.push_back(std::string(c.topic) + "-" + std::to_string(c.partition) + "@" +
                   std::to_string(c.offset) + " " + std::string(c.task_id) + " " +
                   std::string(c.node) + " " + std::string(*c.raw_key) + "=" +
                   std::string(*c.raw_value) + " " + std::string(c.error_type) + ": " +
                   std::string(c.message) +
                   " trace=" + std::string(header_value(*c.headers, "trace").value_or("-")));
    DeadLetterRecord custom{.topic = "my-dlq", .key = "k", .value = "custom", .timestamp = 9};
    return c.offset == 0 ? HandlerResponse::resume({custom}) : HandlerResponse::fail();
  };
  Amounts a(config);
  a.pipe("c", R"({"cents": -1})", 1, {{"trace", "abc"}});
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(
      seen[0],
      R"(in-0@0 0_0 check-amount c={"cents": -1} std::invalid_argument: negative amount trace=abc)");
  auto dlq = a.driver.create_output_topic<std::string, std::string>("my-dlq");
  EXPECT_EQ(dlq.read_value(), "custom");
  EXPECT_THROW(a.pipe("c", R"({"cents": -2})", 2), Error);
}

TEST(ErrorHandlers, AThrowingHandlerFailsTheTask) {
  auto config = test_config();
  config.deserialization_exception_handler = [](const ErrorContext&) -> HandlerResponse {
    throw std::runtime_error("handler bug");
  };
  Amounts a(config);
  test::expect_error<Error>([&] { a.pipe("c", "{not json", 1); }, "handler bug");
}

TEST(ErrorHandlers, APunctuatorsExceptionGoesToTheProcessingHandler) {
  class Ticking : public Processor<std::string, std::string, std::string, std::string> {
   public:
    void init(ProcessorContext<std::string, std::string>& context) override {
      context.schedule(std::chrono::milliseconds(10), PunctuationType::kWallClockTime,
                       [](int64_t) { throw std::runtime_error("tick failed"); });
    }
    void process(const Record<std::string, std::string>&) override {}
  };
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in").process<std::string, std::string>(
      [] { return std::make_unique<Ticking>(); }, {}, Named::as("ticking"));
  auto config = test_config();
  std::vector<std::string> nodes;
  config.processing_exception_handler = [&](const ErrorContext& c) {
    nodes.emplace_back(c.node);
    EXPECT_TRUE(c.topic.empty());  // no source record in a punctuation
    return HandlerResponse::resume();
  };
  TopologyTestDriver driver(builder.build(config), config);
  driver.advance_wall_clock_time(std::chrono::milliseconds(10));
  EXPECT_EQ(nodes, std::vector<std::string>{"ticking"});
}

// --- drops ------------------------------------------------------------------------------

TEST(RecordPath, DroppedRecordsAreCountedByNodeAndReason) {
  StreamsBuilder builder;
  builder
      .stream<std::string, std::string>(
          "in", Consumed<std::string, std::string>::with(serdes::string(), serdes::string())
                    .with_name("src"))
      .group_by_key(Grouped<std::string, std::string>::with_name("g"))
      .count(Materialized<std::string, int64_t>::as("counts"));
  const auto config = test_config();
  TopologyTestDriver driver(builder.build(config), config);
  driver.pipe_raw("in", std::nullopt, Bytes("v"), 1, {});  // null key
  driver.pipe_raw("in", Bytes("k"), std::nullopt, 2, {});  // null value
  driver.pipe_raw("in", std::nullopt, Bytes("v"), 3, {});
  EXPECT_EQ(driver.dropped_records(), 3);
  EXPECT_EQ(driver.dropped_records("src", "null value"), 1);
  EXPECT_EQ(driver.dropped_records("KSTREAM-AGGREGATE-0000000000", "null key"), 2);
}

}  // namespace
}  // namespace eddy

namespace eddy {
namespace {

TEST(LogThrottle, FiftyThousandRepeatsWriteAFewLinesWithTheirCount) {
  detail::LogThrottle throttle(std::chrono::minutes(1));
  int lines = 0;
  for (int64_t n = 1; n <= 50'000; ++n) lines += throttle.due(n) ? 1 : 0;
  EXPECT_EQ(lines, 16);  // 1, 2, 4, ..., 32768
  int64_t last_ms = 0;
  lines = 0;
  for (int64_t n = 1; n <= 50'000; ++n) lines += detail::log_due(n, last_ms) ? 1 : 0;
  EXPECT_EQ(lines, 16);
}

}  // namespace
}  // namespace eddy
