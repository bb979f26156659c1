// A windowed aggregation with a record cache on the real broker gives what the same
// aggregation without one gives: the same final value for every window, in fewer records
// (updates of a hot window combine between commits), and each record it sends carries the
// headers of the input record whose write it holds (as Kafka Streams' LRUCacheEntry keeps the
// record context), so a header names exactly the prefix of the input that the value counts.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <thread>
#include <tuple>

#include "eddy/dsl/streams_builder.h"
#include "eddy/kafka_streams.h"
#include "eddy/serde/serdes.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "support/real_kafka.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using testing_support::real_bootstrap;
using testing_support::real_props;
using testing_support::unique_name;

constexpr int kKeys = 12;
constexpr int kPerKey = 300;
constexpr int64_t kSize = 1'000;
constexpr int64_t kAdvance = 500;
constexpr int64_t kStep = 23;  // ms between a key's records: ~43 per key and window

struct Update {
  std::string key;
  int64_t start = 0;
  int64_t count = 0;
  int64_t timestamp = 0;
  std::optional<int> seq;  // from the "seq" header: the key's input record it carries
};

// Runs the hopping-window count over `input` into `output`, cached or not, until every input
// record is processed.
void run_count(const std::string& input, const std::string& output, bool cached) {
  const std::string app = unique_name(cached ? "cache-on" : "cache-off");
  const std::string state_dir = (std::filesystem::temp_directory_path() / app).string();
  Materialized<std::string, int64_t> store = Materialized<std::string, int64_t>::as("counts");
  if (cached) store.with_caching_enabled();
  StreamsBuilder builder;
  builder.stream<std::string, std::string>(input)
      .group_by_key()
      .windowed_by(TimeWindows::of_size_with_no_grace(std::chrono::milliseconds(kSize))
                       .advance_by(std::chrono::milliseconds(kAdvance)))
      .count(store)
      .to_stream()
      .to(output,
          Produced<Windowed<std::string>, std::optional<int64_t>>::with(
              serdes::time_windowed(serdes::string(), kSize), serdes::nullable(serdes::int64())));
  auto config = StreamsConfig::from_properties({{"application.id", app},
                                                {"bootstrap.servers", real_bootstrap()},
                                                {"state.dir", state_dir},
                                                {"commit.interval.ms", "100"},
                                                {"poll.ms", "20"}});
  {
    KafkaStreams streams(builder.build(config), config);
    streams.start();
    const auto deadline = std::chrono::steady_clock::now() + 40s;
    while (streams.records_processed() < kKeys * kPerKey &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(streams.records_processed(), kKeys * kPerKey);
    EXPECT_TRUE(streams.close(30s));  // the last flush
  }
  std::filesystem::remove_all(state_dir);
}

std::vector<Update> read_updates(const std::string& topic) {
  const auto key_serde = serdes::time_windowed(serdes::string(), kSize);
  const auto value_serde = serdes::int64();
  std::vector<Update> out;
  kafka::Consumer reader({.properties = real_props(), .group_id = unique_name("cache-reader")});
  reader.assign({{topic, 0, kafka::kOffsetBeginning}, {topic, 1, kafka::kOffsetBeginning}});
  for (int empty = 0; empty < 8;) {
    auto batch = reader.poll_batch(1000, 250ms);
    empty = batch.empty() ? empty + 1 : 0;
    for (const auto& m : batch) {
      const Windowed<std::string> key = key_serde.deserialize(*m.key());
      Update u{key.key, key.start, value_serde.deserialize(*m.value()), m.timestamp(), {}};
      const Headers headers = m.headers();
      if (auto seq = header_value(headers, "seq")) u.seq = std::stoi(std::string(*seq));
      out.push_back(std::move(u));
    }
  }
  return out;
}

TEST(RecordCacheOnKafka, ACachedWindowedCountGivesTheUncachedResultsWithTheLastWritersHeaders) {
  const std::string input = unique_name("it.cache.clicks");
  kafka::Admin admin(real_props());
  admin.create_topics({{.name = input, .partitions = 2},
                       {.name = input + ".on", .partitions = 2},
                       {.name = input + ".off", .partitions = 2}});
  const int64_t base = testing_support::recent_ms() / 10'000 * 10'000;
  auto ts_of = [base](int seq) { return base + seq * kStep; };
  {
    kafka::Producer producer({.properties = real_props()});
    std::vector<Headers> headers(kPerKey);
    for (int seq = 0; seq < kPerKey; ++seq) {
      headers[seq] = {{"seq", std::to_string(seq)}};
      for (int k = 0; k < kKeys; ++k) {
        const std::string key = "sku-" + std::to_string(k);
        producer.send({.topic = input,
                       .key = key,
                       .value = "view",
                       .timestamp = ts_of(seq),
                       .headers = &headers[seq]});
      }
    }
    producer.flush(30s);
  }
  run_count(input, input + ".off", /*cached=*/false);
  run_count(input, input + ".on", /*cached=*/true);
  const auto uncached = read_updates(input + ".off");
  const auto cached = read_updates(input + ".on");

  // Without a cache every record updates its two windows.
  EXPECT_EQ(uncached.size(), static_cast<size_t>(2 * kKeys * kPerKey));
  // The final value per window: the same.
  auto finals = [](const std::vector<Update>& updates) {
    std::map<std::pair<std::string, int64_t>, int64_t> last;
    for (const auto& u : updates) last[{u.key, u.start}] = u.count;
    return last;
  };
  EXPECT_EQ(finals(cached), finals(uncached));
  EXPECT_FALSE(cached.empty());
  EXPECT_LT(cached.size(), uncached.size() / 4) << "a hot window's updates combine";

  // Every cached update carries the headers of the record it counts last: the count equals the
  // number of that key's records in the window up to that one, and its timestamp is that
  // record's.
  for (const auto& u : cached) {
    ASSERT_TRUE(u.seq.has_value()) << u.key << "@" << u.start << ": no seq header";
    int64_t expected = 0;
    for (int seq = 0; seq <= *u.seq; ++seq) {
      if (ts_of(seq) >= u.start && ts_of(seq) < u.start + kSize) ++expected;
    }
    EXPECT_EQ(u.count, expected) << u.key << "@" << u.start << " seq " << *u.seq;
    EXPECT_EQ(u.timestamp, ts_of(*u.seq)) << u.key << "@" << u.start;
  }
}

}  // namespace
}  // namespace eddy
