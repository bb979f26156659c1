// TTL on DSL tables and on Processor API stores: an expired key leaves the table as a
// deletion that reaches downstream exactly once (cache on or off), stamped with its expiry
// time; wall-clock TTL expires keys of an idle partition; windowed stores refuse a TTL.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dsl_test_support.h"
#include "eddy/processor/processor.h"
#include "eddy/sink/feature_sink.h"

namespace eddy {
namespace {

using namespace std::chrono_literals;
using test::expect_error;
using test::test_config;

struct Change {
  std::string key;
  std::optional<int64_t> value;
  int64_t timestamp;
  bool operator==(const Change&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Change& c) {
  return os << c.key << "=" << (c.value ? std::to_string(*c.value) : "null") << "@" << c.timestamp;
}

// What `out` received since the last call, by key (a cache flushes in key order, a table
// without one in processing order; per key, the order is kept).
std::vector<Change> drain(TestOutputTopic<std::string, int64_t>& out) {
  std::vector<Change> changes;
  for (auto& r : out.read_records_to_list()) changes.push_back({r.key, r.value, r.timestamp});
  std::stable_sort(changes.begin(), changes.end(),
                   [](const Change& a, const Change& b) { return a.key < b.key; });
  return changes;
}

// count() per key with a TTL, its changes to "out". `caching`: a record cache in front.
Topology counting_topology(TtlOptions ttl, bool caching) {
  StreamsBuilder builder;
  auto m = Materialized<std::string, int64_t>::as("counts").with_ttl(ttl);
  if (caching) m.with_caching_enabled();
  builder.stream<std::string, std::string>("in").group_by_key().count(m).to_stream().to("out");
  return builder.build(test_config());
}

// Every test commits after each step: with the cache on that is when changes leave it, so
// both modes must produce the very same changes — each expiry once, never twice.
class TableTtl : public ::testing::TestWithParam<bool> {};

TEST_P(TableTtl, EventTimeExpiryForwardsOneTombstoneStampedWithTheExpiryTime) {
  const bool caching = GetParam();
  TopologyTestDriver driver(counting_topology({.ttl = 10s, .clock = TtlClock::kEventTime}, caching),
                            test_config());
  auto in = driver.create_input_topic<std::string, std::string>("in");
  auto out = driver.create_output_topic<std::string, int64_t>("out");
  auto step = [&](const std::string& key, int64_t ts) {
    in.pipe_input(key, "x", ts);
    driver.commit();
  };

  step("a", 1000);
  step("a", 2000);
  step("b", 5000);
  EXPECT_EQ(drain(out), (std::vector<Change>{{"a", 1, 1000}, {"a", 2, 2000}, {"b", 1, 5000}}));

  // Stream time 12000: "a" (last written at 2000) was due at 12000; "b" not before 15000.
  step("c", 12000);
  EXPECT_EQ(drain(out), (std::vector<Change>{{"a", std::nullopt, 12000}, {"c", 1, 12000}}));
  auto counts = driver.key_value_store<std::string, int64_t>("counts");
  EXPECT_EQ(counts.get("a"), std::nullopt);
  EXPECT_EQ(counts.get("b"), 1);

  // A key that expired starts over; "b" expires (at 15000) on the write that passes it.
  step("a", 16000);
  EXPECT_EQ(drain(out), (std::vector<Change>{{"a", 1, 16000}, {"b", std::nullopt, 15000}}));
  // Nothing more: a commit, with its sweep, forwards no expiry twice.
  driver.commit();
  EXPECT_TRUE(drain(out).empty());

  // The changelog has each expiry's tombstone, with the expiry time.
  // (a tombstone is a record whose value is std::nullopt)
  auto changelog = driver.create_output_topic<std::string, std::string>("app-counts-changelog");
  std::map<std::string, int64_t> tombstones;
  for (auto& r : changelog.read_records_to_list()) {
    if (!r.value) tombstones[r.key] = r.timestamp;
  }
  EXPECT_EQ(tombstones, (std::map<std::string, int64_t>{{"a", 12000}, {"b", 15000}}));
}

TEST_P(TableTtl, WallClockExpiryNeedsNoNewInput) {
  const bool caching = GetParam();
  TopologyTestDriver driver(counting_topology({.ttl = 60s, .clock = TtlClock::kWallClock}, caching),
                            test_config(), {.initial_wall_clock_ms = 100'000});
  auto in = driver.create_input_topic<std::string, std::string>("in");
  auto out = driver.create_output_topic<std::string, int64_t>("out");
  auto advance = [&](std::chrono::milliseconds by) {
    driver.advance_wall_clock_time(by);
    driver.commit();
  };

  in.pipe_input("a", "x", 1);  // written at wall clock 100000: due at 160000
  driver.commit();
  advance(30s);
  in.pipe_input("b", "x", 2);  // written at 130000: due at 190000
  driver.commit();
  EXPECT_EQ(drain(out), (std::vector<Change>{{"a", 1, 1}, {"b", 1, 2}}));

  advance(29s);  // 159000: nothing due
  EXPECT_TRUE(drain(out).empty());
  advance(1s);  // 160000: "a" expires with no record arriving
  EXPECT_EQ(drain(out), (std::vector<Change>{{"a", std::nullopt, 160'000}}));
  advance(40s);  // 200000: "b" expires (due at 190000)
  EXPECT_EQ(drain(out), (std::vector<Change>{{"b", std::nullopt, 190'000}}));
  advance(60s);
  EXPECT_TRUE(drain(out).empty());
  auto counts = driver.key_value_store<std::string, int64_t>("counts");
  EXPECT_TRUE(counts.all().empty());
}

INSTANTIATE_TEST_SUITE_P(CacheOnAndOff, TableTtl, ::testing::Bool(), [](const auto& param_info) {
  return param_info.param ? "Cached" : "Uncached";
});

TEST(TableTtl, AKeyWrittenAfterItsTtlStartsOverAfterItsDeletion) {
  // No other key moves the store's time: the record itself finds its key's old value due.
  TopologyTestDriver driver(counting_topology({.ttl = 10s, .clock = TtlClock::kEventTime}, false),
                            test_config());
  auto in = driver.create_input_topic<std::string, std::string>("in");
  auto out = driver.create_output_topic<std::string, int64_t>("out");
  in.pipe_input("a", "x", 1000);
  in.pipe_input("a", "x", 9000);   // within the TTL: 2
  in.pipe_input("a", "x", 25000);  // due at 19000: deleted, then counted from scratch
  EXPECT_EQ(drain(out),
            (std::vector<Change>{
                {"a", 1, 1000}, {"a", 2, 9000}, {"a", std::nullopt, 19000}, {"a", 1, 25000}}));
}

TEST(TableTtlCaching, AnExpiryLeavesTheCacheAtCommitWithItsExpiryTime) {
  TopologyTestDriver driver(counting_topology({.ttl = 10s, .clock = TtlClock::kEventTime}, true),
                            test_config());
  auto in = driver.create_input_topic<std::string, std::string>("in");
  auto out = driver.create_output_topic<std::string, int64_t>("out");
  in.pipe_input("a", "x", 1000);
  driver.commit();
  EXPECT_EQ(drain(out), (std::vector<Change>{{"a", 1, 1000}}));
  in.pipe_input("c", "x", 20'000);  // expires "a" (due at 11000) into the cache
  EXPECT_TRUE(drain(out).empty());  // cached: nothing leaves before the commit
  driver.commit();
  EXPECT_EQ(drain(out), (std::vector<Change>{{"a", std::nullopt, 11'000}, {"c", 1, 20'000}}));
}

TEST(TableTtl, SourceTableForwardsExpiries) {
  StreamsBuilder builder;
  builder
      .table<std::string, std::string>(
          "prices", {},
          Materialized<std::string, std::string>::as("prices").with_ttl(
              {.ttl = 5s, .clock = TtlClock::kEventTime}))
      .to_stream()
      .to("prices-out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, std::string>("prices");
  auto out = driver.create_output_topic<std::string, std::string>("prices-out");
  in.pipe_input("sku-1", "9.99", 1000);
  in.pipe_input("sku-2", "4.50", 7000);  // sku-1 was due at 6000
  auto records = out.read_records_to_list();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].key, "sku-1");
  EXPECT_EQ(records[1].value, std::nullopt);
  EXPECT_EQ(records[1].timestamp, 6000);
  EXPECT_EQ(records[2].key, "sku-2");
}

// A serving sink that applies writes as Redis would: upserts and deletes by key.
class MapSink final : public FeatureSink {
 public:
  MapSink() : FeatureSink(manual_options()) {}
  ~MapSink() override { stop_flushing(); }
  std::map<std::string, std::string> rows;
  int deletes = 0;

 protected:
  void write_batch(std::span<const FeatureUpdate> batch, std::span<WriteOutcome>) override {
    for (const auto& u : batch) {
      if (u.fields) {
        rows[u.key] = u.fields->at(0).second;
      } else {
        rows.erase(u.key);
        ++deletes;
      }
    }
  }

 private:
  static SinkOptions manual_options() {
    SinkOptions o;
    o.name = "map-sink";
    o.background_flush = false;
    return o;
  }
};

TEST(TableTtl, ExpiredKeyIsDeletedFromTheServingSink) {
  auto sink = std::make_shared<MapSink>();
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .group_by_key()
      .count(Materialized<std::string, int64_t>::as("counts").with_ttl(
          {.ttl = 10s, .clock = TtlClock::kEventTime}))
      .to_sink(sink, [](const std::string& key, const std::optional<int64_t>& n) {
        if (!n) return FeatureRow{key, std::nullopt};
        return FeatureRow{key, FeatureFields{{"n", std::to_string(*n)}}};
      });
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, std::string>("in");
  in.pipe_input("a", "x", 1000);
  in.pipe_input("b", "x", 2000);
  driver.commit();
  EXPECT_EQ(sink->rows, (std::map<std::string, std::string>{{"a", "1"}, {"b", "1"}}));
  in.pipe_input("b", "x", 11'500);  // "a" due at 11000
  driver.commit();
  EXPECT_EQ(sink->rows, (std::map<std::string, std::string>{{"b", "2"}}));
  EXPECT_EQ(sink->deletes, 1);
}

TEST(TableTtl, WindowedAndSessionStoresRefuseATtlAtBuild) {
  const TtlOptions ttl{.ttl = 1h, .clock = TtlClock::kEventTime};
  expect_error<TopologyError>(
      [&] {
        StreamsBuilder builder;
        builder.stream<std::string, std::string>("in")
            .group_by_key()
            .windowed_by(TimeWindows::of_size_with_no_grace(1min))
            .count(Materialized<std::string, int64_t>::as("per-minute").with_ttl(ttl));
        builder.build(test_config());
      },
      "store 'per-minute' cannot have a TTL: window and session stores expire by retention");
  expect_error<TopologyError>(
      [&] {
        StreamsBuilder builder;
        builder.stream<std::string, std::string>("in")
            .group_by_key()
            .windowed_by(SessionWindows::of_inactivity_gap_with_no_grace(5min))
            .count(Materialized<std::string, int64_t>::as("sessions").with_ttl(ttl));
        builder.build(test_config());
      },
      "expire by retention");
  expect_error<TopologyError>(
      [&] {
        StreamsBuilder builder;
        builder.stream<std::string, std::string>("in").group_by_key().count(
            Materialized<std::string, int64_t>::as("counts").with_ttl({.ttl = 0ms}));
        builder.build(test_config());
      },
      "the TTL of store 'counts' must be positive");
}

// Processor API: a processor mirrors a TTL store downstream by listening for its expiries.
class LastSeen final : public Processor<std::string, std::string, std::string, std::string> {
 public:
  void init(ProcessorContext<std::string, std::string>& context) override {
    context_ = &context;
    store_.emplace(context.get_key_value_store<std::string, std::string>("last-seen"));
    context.on_expiry<std::string, std::string>(
        "last-seen", [this](const std::string& key, const std::string& old, int64_t at) {
          EXPECT_FALSE(context_->record_metadata().has_value());
          context_->forward(Record<std::string, std::string>{key, "expired:" + old, at});
        });
  }
  void process(const Record<std::string, std::string>& record) override {
    store_->put(record.key, record.value);
    context_->forward(record);
  }

 private:
  ProcessorContext<std::string, std::string>* context_ = nullptr;
  std::optional<KeyValueStore<std::string, std::string>> store_;
};

TEST(ProcessorApiTtl, ProcessorHearsExpiriesOfItsStore) {
  StreamsBuilder builder;
  builder.add_state_store(Stores::in_memory_key_value("last-seen")
                              .with_caching_enabled()
                              .with_ttl({.ttl = 1s, .clock = TtlClock::kEventTime}));
  builder.stream<std::string, std::string>("in")
      .process<std::string, std::string>([] { return std::make_unique<LastSeen>(); }, {"last-seen"})
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, std::string>("in");
  auto out = driver.create_output_topic<std::string, std::string>("out");
  in.pipe_input("u1", "home", 100);
  in.pipe_input("u2", "cart", 1500);  // u1 due at 1100
  driver.commit();
  auto records = out.read_records_to_list();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].key, "u1");
  EXPECT_EQ(records[1].value, "expired:home");
  EXPECT_EQ(records[1].timestamp, 1100);
  EXPECT_EQ(records[2].key, "u2");
}

class ListensToAStoreWithoutTtl final
    : public Processor<std::string, std::string, std::string, std::string> {
 public:
  void init(ProcessorContext<std::string, std::string>& context) override {
    context.on_expiry<std::string, std::string>("plain", [](const auto&, const auto&, int64_t) {});
  }
  void process(const Record<std::string, std::string>&) override {}
};

TEST(ProcessorApiTtl, ListeningToAStoreWithoutTtlFailsAtInit) {
  StreamsBuilder builder;
  builder.add_state_store(Stores::in_memory_key_value("plain"));
  builder.stream<std::string, std::string>("in").process<std::string, std::string>(
      [] { return std::make_unique<ListensToAStoreWithoutTtl>(); }, {"plain"});
  const auto topology = builder.build(test_config());
  expect_error<TopologyError>([&] { TopologyTestDriver driver(topology, test_config()); },
                              "store 'plain', which has no TTL");
}

}  // namespace
}  // namespace eddy
