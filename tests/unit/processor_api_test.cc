#include <gtest/gtest.h>

#include <filesystem>
#include <numeric>

#include "dsl_test_support.h"
#include "eddy/processor/processor.h"

namespace eddy {
namespace {

using test::test_config;

// Sums values per key in a store; emits every total on stream-time punctuation and the number
// of keys on wall-clock punctuation; remembers where each record came from.
class TotalsProcessor : public Processor<std::string, int64_t, std::string, int64_t> {
 public:
  explicit TotalsProcessor(std::vector<std::string>* log) : log_(log) {}

  void init(ProcessorContext<std::string, int64_t>& context) override {
    context_ = &context;
    totals_.emplace(context.get_key_value_store<std::string, int64_t>("totals"));
    context.schedule(std::chrono::milliseconds(100), PunctuationType::kStreamTime,
                     [this](int64_t now) {
                       log_->push_back("stream@" + std::to_string(now));
                       for (const auto& [key, total] : totals_->all()) {
                         context_->forward(Record<std::string, int64_t>{key, total, now});
                       }
                     });
    context.schedule(
        std::chrono::milliseconds(1000), PunctuationType::kWallClockTime, [this](int64_t now) {
          log_->push_back("wall@" + std::to_string(now) +
                          " keys=" + std::to_string(totals_->approximate_num_entries()));
          EXPECT_FALSE(context_->record_metadata().has_value());
        });
  }
  void process(const Record<std::string, int64_t>& record) override {
    auto meta = context_->record_metadata();
    ASSERT_TRUE(meta);
    log_->push_back(meta->topic + "/" + std::to_string(meta->partition) + "/" +
                    std::to_string(meta->offset) + " " + record.key);
    totals_->put(record.key, totals_->get(record.key).value_or(0) + record.value);
  }

 private:
  std::vector<std::string>* log_;
  ProcessorContext<std::string, int64_t>* context_ = nullptr;
  std::optional<KeyValueStore<std::string, int64_t>> totals_;
};

TEST(CustomProcessor, UsesItsStoreAndFiresStreamTimeAndWallClockPunctuation) {
  std::vector<std::string> log;
  StreamsBuilder builder;
  builder.add_state_store(Stores::in_memory_key_value("totals"));
  builder.stream<std::string, int64_t>("in")
      .process<std::string, int64_t>([&log] { return std::make_unique<TotalsProcessor>(&log); },
                                     {"totals"}, Named::as("totals-processor"))
      .to("out");
  const auto topology = builder.build(test_config());
  EXPECT_NE(topology.describe().find("Processor: totals-processor (stores: [totals])"),
            std::string::npos);
  TopologyTestDriver driver(topology, test_config(), {.initial_wall_clock_ms = 5000});
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<std::string, int64_t>("out");

  in.pipe_input("a", 1, 50);   // stream time 50: first punctuation (aligned to 0) fires at 50
  in.pipe_input("b", 2, 80);   // next due at 100: nothing
  in.pipe_input("a", 3, 120);  // stream time 120 >= 100: fires
  in.pipe_input("c", 4, 110);  // stream time stays 120: nothing
  EXPECT_EQ(log, (std::vector<std::string>{"in/0/0 a", "stream@50", "in/0/1 b", "in/0/2 a",
                                           "stream@120", "in/0/3 c"}));
  using KV = std::vector<KeyValue<std::string, int64_t>>;
  // At 50 only "a"=1 existed; at 120: a=4, b=2 (sorted by key bytes).
  EXPECT_EQ(out.read_key_values_to_list(), (KV{{"a", 1}, {"a", 4}, {"b", 2}}));

  log.clear();
  driver.advance_wall_clock_time(std::chrono::milliseconds(999));  // 5999: not yet
  EXPECT_TRUE(log.empty());
  driver.advance_wall_clock_time(std::chrono::milliseconds(1));     // 6000: fires
  driver.advance_wall_clock_time(std::chrono::milliseconds(2500));  // 8500: fires once more
  EXPECT_EQ(log, (std::vector<std::string>{"wall@6000 keys=3", "wall@8500 keys=3"}));

  auto totals = driver.key_value_store<std::string, int64_t>("totals");
  EXPECT_EQ(totals.get("a"), 4);
  EXPECT_EQ(totals.get("c"), 4);
}

class ForgetfulProcessor : public Processor<std::string, int64_t, std::string, int64_t> {
 public:
  void init(ProcessorContext<std::string, int64_t>& context) override {
    context.get_key_value_store<std::string, int64_t>("not-connected");
  }
  void process(const Record<std::string, int64_t>&) override {}
};

TEST(CustomProcessor, AskingForAStoreItIsNotConnectedToFailsNamingIt) {
  StreamsBuilder builder;
  builder.add_state_store(Stores::in_memory_key_value("not-connected"));
  builder.stream<std::string, int64_t>("in").process<std::string, int64_t>(
      [] { return std::make_unique<ForgetfulProcessor>(); }, {}, Named::as("forgetful"));
  const auto topology = builder.build(test_config());
  test::expect_error<TopologyError>(
      [&] { TopologyTestDriver driver(topology, test_config()); },
      "processor 'forgetful' is not connected to store 'not-connected'");
}

TEST(CustomProcessor, ForwardsHeadersItSets) {
  struct Tagger : Processor<std::string, std::string, std::string, std::string> {
    ProcessorContext<std::string, std::string>* ctx = nullptr;
    void init(ProcessorContext<std::string, std::string>& c) override { ctx = &c; }
    void process(const Record<std::string, std::string>& r) override {
      auto out = r;
      out.headers.push_back({"tagged", "yes"});
      out.timestamp = r.timestamp + 1;
      ctx->forward(out);
    }
  };
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .process<std::string, std::string>([] { return std::make_unique<Tagger>(); })
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  driver.create_input_topic<std::string, std::string>("in").pipe_input("k", "v", 10);
  auto r = driver.create_output_topic<std::string, std::string>("out").read_record();
  EXPECT_EQ(r.timestamp, 11);
  EXPECT_EQ(header_value(r.headers, "tagged"), "yes");
}

// Counts its records in memory and, in close(), writes the count to its store: close runs
// once per task, before the task's stores close, so what it writes is kept.
class CountOnCloseProcessor : public Processor<std::string, int64_t, std::string, int64_t> {
 public:
  explicit CountOnCloseProcessor(std::vector<int64_t>* closes) : closes_(closes) {}
  void init(ProcessorContext<std::string, int64_t>& context) override {
    store_.emplace(context.get_key_value_store<std::string, int64_t>("seen"));
  }
  void process(const Record<std::string, int64_t>&) override { ++seen_; }
  void close() override {
    closes_->push_back(seen_);
    if (seen_ > 0) store_->put("seen", store_->get("seen").value_or(0) + seen_);
  }

 private:
  std::vector<int64_t>* closes_;
  std::optional<KeyValueStore<std::string, int64_t>> store_;
  int64_t seen_ = 0;
};

TEST(CustomProcessor, CloseRunsOncePerTaskBeforeItsStoresClose) {
  const auto dir = std::filesystem::temp_directory_path() / "eddy-processor-close-test";
  std::filesystem::remove_all(dir);
  std::vector<int64_t> closes;
  StreamsBuilder builder;
  builder.add_state_store(Stores::persistent_key_value("seen"));
  builder.stream<std::string, int64_t>("in").process<std::string, int64_t>(
      [&closes] { return std::make_unique<CountOnCloseProcessor>(&closes); }, {"seen"});
  const auto topology = builder.build(test_config());
  const TestDriverOptions options{.partitions_per_topic = 4, .state_dir = dir.string()};
  int64_t sent = 0;
  {
    TopologyTestDriver driver(topology, test_config(), options);
    auto in = driver.create_input_topic<std::string, int64_t>("in");
    for (int i = 0; i < 40; ++i, ++sent) in.pipe_input("k" + std::to_string(i), i, i);
    EXPECT_TRUE(closes.empty());  // not before the driver closes
  }
  ASSERT_EQ(closes.size(), 4u);  // one processor per partition's task, each closed once
  EXPECT_EQ(std::accumulate(closes.begin(), closes.end(), int64_t{0}), sent);

  // What close() wrote reached the RocksDB stores: a driver over the same directory reads it.
  int64_t stored = 0;
  {
    TopologyTestDriver reopened(topology, test_config(), options);
    for (const auto& [key, n] : reopened.key_value_store<std::string, int64_t>("seen").all()) {
      EXPECT_EQ(key, "seen");
      stored += n;
    }
  }
  EXPECT_EQ(stored, sent);
  EXPECT_EQ(closes.size(), 8u);  // the second driver's four processors closed too
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace eddy
