// process_values (FixedKeyProcessor) and window / session stores in the Processor API.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>

#include "dsl_test_support.h"
#include "eddy/processor/fixed_key_processor.h"
#include "eddy/processor/processor.h"

namespace eddy {
namespace {

using namespace std::chrono_literals;
using test::read_rows;
using test::Rows;
using test::test_config;
using S = std::string;

// Counts each key's records in the last 10 ms (a window store keyed by record time), and
// forwards "<value>#<count>", stamped 1 ms later, with a header saying so.
class RecentCount : public FixedKeyProcessor<S, S, S> {
 public:
  void init(FixedKeyProcessorContext<S, S>& context) override {
    context_ = &context;
    recent_.emplace(context.get_window_store<S, int64_t>("recent"));
  }
  void process(const FixedKeyRecord<S, S>& record) override {
    recent_->put(record.key(), 1, record.timestamp);
    const auto seen = recent_->fetch(record.key(), record.timestamp - 10, record.timestamp);
    context_->forward(record.with_value(record.value + "#" + std::to_string(seen.size()))
                          .with_timestamp(record.timestamp + 1)
                          .with_headers({{"counted", "yes"}}));
  }

 private:
  FixedKeyProcessorContext<S, S>* context_ = nullptr;
  std::optional<WindowStore<S, int64_t>> recent_;
};

TEST(ProcessValues, KeepsTheKeyUsesAWindowStoreAndChangesValueTimeAndHeaders) {
  StreamsBuilder builder;
  builder.add_state_store(
      Stores::persistent_window("recent", 1min, 1ms, /*retain_duplicates=*/true));
  builder.stream<S, S>("in")
      .process_values<S>([] { return std::make_unique<RecentCount>(); }, {"recent"},
                         Named::as("recent-count"))
      .to("out");
  const auto config = test_config();
  const auto topology = builder.build(config);
  EXPECT_NE(topology.describe().find("Processor: recent-count (stores: [recent])"),
            std::string::npos)
      << topology.describe();
  TopologyTestDriver driver(topology, config);
  auto in = driver.create_input_topic<S, S>("in");
  auto out = driver.create_output_topic<S, S>("out");
  in.pipe_input("a", "x", 100);
  in.pipe_input("a", "y", 105);
  in.pipe_input("b", "z", 106);
  in.pipe_input("a", "w", 115);  // 100 is out of [105, 115], 105 is in
  auto records = out.read_records_to_list();
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].key, "a");
  EXPECT_EQ(records[0].value, "x#1");
  EXPECT_EQ(records[0].timestamp, 101);
  EXPECT_EQ(records[1].value, "y#2");
  EXPECT_EQ(records[2].key, "b");
  EXPECT_EQ(records[2].value, "z#1");
  EXPECT_EQ(records[3].value, "w#2");
  EXPECT_EQ(records[3].headers, (Headers{{"counted", "yes"}}));
}

// The stream after process_values is not marked for repartitioning: grouping it needs no
// repartition topic, whereas after process() it does.
TEST(ProcessValues, DoesNotMarkTheStreamForRepartitioning) {
  struct Upper : FixedKeyProcessor<S, S, S> {
    FixedKeyProcessorContext<S, S>* context = nullptr;
    void init(FixedKeyProcessorContext<S, S>& c) override { context = &c; }
    void process(const FixedKeyRecord<S, S>& r) override {
      context->forward(r.with_value(r.value + "!"));
    }
  };
  struct Same : Processor<S, S, S, S> {
    ProcessorContext<S, S>* context = nullptr;
    void init(ProcessorContext<S, S>& c) override { context = &c; }
    void process(const Record<S, S>& r) override { context->forward(r); }
  };
  {
    StreamsBuilder builder;
    builder.stream<S, S>("in")
        .process_values<S>([] { return std::make_unique<Upper>(); })
        .group_by_key()
        .count(Materialized<S, int64_t>::as("counts"));
    EXPECT_TRUE(builder.build(test_config()).repartition_topics().empty());
  }
  {
    StreamsBuilder builder;
    builder.stream<S, S>("in")
        .process<S, S>([] { return std::make_unique<Same>(); })
        .group_by_key()
        .count(Materialized<S, int64_t>::as("counts"));
    EXPECT_EQ(builder.build(test_config()).repartition_topics().size(), 1u);
  }
  {  // ... but a stream that was re-keyed before stays marked.
    StreamsBuilder builder;
    builder.stream<S, S>("in")
        .select_key([](const S&, const S& v) { return v; })
        .process_values<S>([] { return std::make_unique<Upper>(); })
        .group_by_key()
        .count(Materialized<S, int64_t>::as("counts"));
    EXPECT_EQ(builder.build(test_config()).repartition_topics().size(), 1u);
  }
}

TEST(ProcessValues, ANullKeyStaysNull) {
  struct Tag : FixedKeyProcessor<S, S, S> {
    FixedKeyProcessorContext<S, S>* context = nullptr;
    void init(FixedKeyProcessorContext<S, S>& c) override { context = &c; }
    void process(const FixedKeyRecord<S, S>& r) override {
      context->forward(r.with_value("tagged-" + r.value));
    }
  };
  StreamsBuilder builder;
  builder.stream<S, S>("in").process_values<S>([] { return std::make_unique<Tag>(); }).to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  driver.pipe_raw("in", std::nullopt, "v", 5, {});
  auto raw = driver.read_raw("out");
  ASSERT_TRUE(raw);
  EXPECT_FALSE(raw->key.has_value());
  EXPECT_EQ(raw->value, "tagged-v");
}

// Merges each key's records into sessions (gap 10 ms) in a session store and forwards the
// session's bounds and count after every record.
class Sessions : public Processor<S, S, S, S> {
 public:
  void init(ProcessorContext<S, S>& context) override {
    context_ = &context;
    sessions_.emplace(context.get_session_store<S, int64_t>("sessions"));
  }
  void process(const Record<S, S>& r) override {
    SessionWindow merged{r.timestamp, r.timestamp};
    int64_t count = 1;
    for (const auto& s : sessions_->find_sessions(r.key, r.timestamp - 10, r.timestamp + 10)) {
      merged.start = std::min(merged.start, s.window.start);
      merged.end = std::max(merged.end, s.window.end);
      count += s.value;
      sessions_->remove(r.key, s.window);
    }
    sessions_->put(r.key, merged, count);
    context_->forward(r.with_value(std::to_string(merged.start) + "-" + std::to_string(merged.end) +
                                   ":" + std::to_string(count)));
  }

 private:
  ProcessorContext<S, S>* context_ = nullptr;
  std::optional<SessionStore<S, int64_t>> sessions_;
};

TEST(CustomProcessor, UsesASessionStore) {
  StreamsBuilder builder;
  builder.add_state_store(Stores::in_memory_session("sessions", 1min));
  builder.stream<S, S>("in")
      .process<S, S>([] { return std::make_unique<Sessions>(); }, {"sessions"})
      .to("out");
  const auto config = test_config();
  TopologyTestDriver driver(builder.build(config), config);
  auto in = driver.create_input_topic<S, S>("in");
  auto out = driver.create_output_topic<S, S>("out");
  in.pipe_input("a", "", 100);
  in.pipe_input("a", "", 108);
  in.pipe_input("a", "", 125);  // more than the gap later: a new session
  in.pipe_input("a", "", 117);  // within the gap of both: merges them
  EXPECT_EQ(read_rows(out), (Rows<S, S>{{"a", "100-100:1", 100},
                                        {"a", "100-108:2", 108},
                                        {"a", "125-125:1", 125},
                                        {"a", "100-125:4", 117}}));
  auto store = driver.session_store<S, int64_t>("sessions");
  EXPECT_EQ(store.fetch("a").size(), 1u);
}

TEST(CustomProcessor, AskingForAStoreOfAnotherKindFailsNamingIt) {
  struct Wrong : Processor<S, S, S, S> {
    void init(ProcessorContext<S, S>& c) override { c.get_window_store<S, int64_t>("kv"); }
    void process(const Record<S, S>&) override {}
  };
  StreamsBuilder builder;
  builder.add_state_store(Stores::in_memory_key_value("kv"));
  builder.stream<S, S>("in").process<S, S>([] { return std::make_unique<Wrong>(); }, {"kv"});
  test::expect_error<TopologyError>(
      [&] { TopologyTestDriver driver(builder.build(test_config()), test_config()); },
      "store 'kv' is not a window store");
}

}  // namespace
}  // namespace eddy
