// suppress() buffers count against the process memory budget: their bytes are accounted,
// record caches and then the RocksDB block cache give way to them, and when the suppress
// buffers alone exceed half the budget the buffer applies its full behaviour.
#include <gtest/gtest.h>

#include "eddy/detail/nodes/suppress_node.h"
#include "window_test_support.h"

namespace eddy {
namespace {

using namespace std::chrono_literals;
using test::test_config;

// A windowed count's suppress entry: key "a" + 8-byte window start, stored value = 8-byte
// buffer time + 8-byte timestamp + presence byte + 8-byte count, plus the fixed overhead.
constexpr int64_t kWindowedEntry =
    (1 + 8) + (17 + 8) + detail::SuppressNode<int, int>::kEntryOverhead;
// A plain table's entry with a 3-byte key ("k00").
constexpr int64_t kPlainEntry = 3 + (17 + 8) + detail::SuppressNode<int, int>::kEntryOverhead;

// A 2000-byte budget: record caches get 500 bytes, suppress buffers may hold 1000 (half),
// RocksDB's block cache 1500, or down to 1000 while suppress buffers hold more than 500.
StreamsConfig small_budget() {
  StreamsConfig config = test_config();
  config.memory_budget_bytes = 2000;
  config.cache_max_bytes = 500;
  return config;
}

Topology final_counts(const StreamsConfig& config) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(TimeWindows::of_size_with_no_grace(10ms))
      .count(Materialized<std::string, int64_t>::as("counts"))
      .suppress(Suppressed::until_window_closes().with_name("final"))
      .to_stream()
      .to("out");
  return builder.build(config);
}

TEST(SuppressBufferMemory, CountsInTheBudgetUntilEmitted) {
  const StreamsConfig config = test_config();
  TopologyTestDriver driver(final_counts(config), config);
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  EXPECT_EQ(driver.memory_usage().suppress_buffer_limit, 128 << 20);  // half of 256 MiB
  EXPECT_EQ(driver.memory_usage().suppress_buffers, 0);
  in.pipe_input("a", 1, 1);
  in.pipe_input("b", 1, 2);
  in.pipe_input("a", 1, 3);  // replaces a's entry: same size
  EXPECT_EQ(driver.memory_usage().suppress_buffers, 2 * kWindowedEntry);
  in.pipe_input("c", 1, 10);  // closes [0,10): a and b go out, c waits
  EXPECT_EQ(driver.memory_usage().suppress_buffers, kWindowedEntry);
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::time_windowed(serdes::string(), 10), serdes::int64());
  EXPECT_EQ(out.read_records_to_list().size(), 2u);
  // The block cache gives way first, in 1 MiB steps: one step for a few bytes.
  EXPECT_EQ(driver.memory_usage().rocksdb_capacity, (256 << 20) - (10 << 20) - (1 << 20));
}

TEST(SuppressBufferMemory, TakesFromTheBlockCacheFirstDownToItsFloor) {
  // Total 2000, record caches 500: the block cache (1500) may give 500 (down to half the
  // total); here a 1 MiB step is more than that, so any entry takes all of it.
  const StreamsConfig config = small_budget();
  TopologyTestDriver driver(final_counts(config), config);
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  EXPECT_EQ(driver.memory_usage().rocksdb_capacity, 1500);
  for (char k = 'a'; k < 'a' + 5; ++k) in.pipe_input(std::string(1, k), 1, 1);
  EXPECT_EQ(driver.memory_usage().suppress_buffers, 5 * kWindowedEntry);  // 490
  EXPECT_EQ(driver.memory_usage().rocksdb_capacity, 1000);
  in.pipe_input("f", 1, 1);  // 588: 88 beyond the block cache's share come from the caches
  EXPECT_EQ(driver.memory_usage().rocksdb_capacity, 1000);  // never below its floor
  in.pipe_input("g", 1, 10);  // [0,10) closes: six results out, g waits
  in.pipe_input("h", 1, 20);  // [10,20) closes: g out, h waits
  EXPECT_EQ(driver.memory_usage().suppress_buffers, kWindowedEntry);
  EXPECT_EQ(driver.memory_usage().rocksdb_capacity, 1000);  // still holding h; the bytes
  // come back once the buffers are empty (MemoryBudget.SuppressBuffersTakeFrom...)
}

TEST(SuppressBufferMemory, ShutsDownNamingTheOperatorWhenTheBudgetIsExhausted) {
  // Suppress buffers may hold 1000 bytes: ten entries fit, the eleventh not.
  const StreamsConfig config = small_budget();
  TopologyTestDriver driver(final_counts(config), config);
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  for (char k = 'a'; k < 'a' + 10; ++k) in.pipe_input(std::string(1, k), 1, 1);
  const auto usage = driver.memory_usage();
  EXPECT_EQ(usage.suppress_buffer_limit, 1000);
  EXPECT_EQ(usage.suppress_buffers, 10 * kWindowedEntry);
  test::expect_error<Error>([&] { in.pipe_input("k", 1, 1); },
                            "suppress 'final': the memory budget is exhausted (suppress buffers "
                            "over their limit of 1000 bytes");
}

TEST(SuppressBufferMemory, EmitsOldestEarlyWhenTheBudgetIsExhaustedAndAllowed) {
  const StreamsConfig config = small_budget();
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .reduce([](int64_t a, int64_t b) { return a + b; })
      .suppress(Suppressed::until_time_limit(1h, BufferConfig::unbounded().emit_early_when_full()))
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(config), config);
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<std::string, int64_t>("out");
  for (int i = 0; i < 20; ++i) {
    const std::string key = "k" + std::string(i < 10 ? "0" : "") + std::to_string(i);
    in.pipe_input(key, i, i);
    EXPECT_LE(driver.memory_usage().suppress_buffers, 1000) << key;
  }
  // Ten entries (920 bytes) fit; each later key pushed the oldest one out, in order.
  EXPECT_EQ(driver.memory_usage().suppress_buffers, 10 * kPlainEntry);
  const auto records = out.read_records_to_list();
  ASSERT_EQ(records.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(records[static_cast<size_t>(i)].key, "k0" + std::to_string(i));
    EXPECT_EQ(records[static_cast<size_t>(i)].value, i);
  }
}

TEST(SuppressBufferMemory, WithoutBudgetPressureNothingIsEmittedEarly) {
  // The same input under the default budget: the time limit alone decides, as Kafka Streams.
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .reduce([](int64_t a, int64_t b) { return a + b; })
      .suppress(Suppressed::until_time_limit(1h, BufferConfig::unbounded().emit_early_when_full()))
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<std::string, int64_t>("out");
  for (int i = 0; i < 20; ++i) in.pipe_input("k" + std::to_string(100 + i), i, i);
  EXPECT_TRUE(out.is_empty());
  EXPECT_EQ(driver.memory_usage().suppress_buffers, 20 * (4 + 25 + 64));
}

}  // namespace
}  // namespace eddy
