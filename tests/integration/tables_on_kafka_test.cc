// Tables on the real broker under exactly-once, across a restart from an empty state
// directory: a foreign-key left join (order lines -> products, by SKU, on topics with
// different partition counts, rows moving between SKUs and deleted on both sides), a re-grouped
// aggregation of the lines (quantity per SKU: lines move between SKUs and are deleted), and a
// re-grouping of the join's result (revenue). Every store (subscriptions, results, aggregates) is
// restored from its changelog by the second run; the final tables and the exact number of
// aggregation updates are checked. A second test runs a stream joined with a grace period to
// a versioned table, restoring the table's history and the join's buffer from their
// changelogs.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "eddy/dsl/streams_builder.h"
#include "eddy/kafka_streams.h"
#include "eddy/serde/serdes.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "support/output_progress.h"
#include "support/real_kafka.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using testing_support::real_bootstrap;
using testing_support::real_props;
using testing_support::unique_name;

constexpr int kLinePartitions = 4;
constexpr int kProductPartitions = 3;

std::string sku_of(const std::string& line) {
  return line.substr(0, line.find(':'));
}
int64_t qty_of(const std::string& line) {
  return std::stoll(line.substr(line.find(':') + 1));
}

struct Topics {
  std::string lines, products, totals, sku_qty, revenue;
};

Topology tables_topology(const StreamsConfig& config, const Topics& t) {
  StreamsBuilder builder;
  auto lines = builder.table<std::string, std::string>(t.lines);
  auto products = builder.table<std::string, int64_t>(t.products);
  // A left join: every change of a line is answered (an inner join answers a line whose
  // product is missing only if its foreign key changed), so its final result does not depend
  // on how the subscription and response topics interleave with the inputs. A line without a
  // product is priced -1 per unit.
  auto totals = lines.left_join(
      products, [](const std::string& line) { return sku_of(line); },
      [](const std::string& line, const std::optional<int64_t>& price) {
        return qty_of(line) * price.value_or(-1);
      },
      Materialized<std::string, int64_t>::as("line-totals"), Named::as("line-prices"));
  totals.to_stream().to(t.totals);
  lines
      .group_by([](const std::string&, const std::string& line) {
        return std::make_pair(sku_of(line), qty_of(line));
      })
      .reduce([](int64_t a, int64_t b) { return a + b; },
              [](int64_t a, int64_t b) { return a - b; },
              Materialized<std::string, int64_t>::as("qty-per-sku"))
      .to_stream()
      .to(t.sku_qty);
  totals
      .group_by([](const std::string&, int64_t total) {
        return std::make_pair(std::string("all"), total);
      })
      .reduce([](int64_t a, int64_t b) { return a + b; },
              [](int64_t a, int64_t b) { return a - b; },
              Materialized<std::string, int64_t>::as("revenue"))
      .to_stream()
      .to(t.revenue);
  return builder.build(config);
}

// Latest value per key of `topic` (read_committed; a tombstone removes the key) and the
// number of records it held.
std::pair<std::map<std::string, int64_t>, int> read_latest(const std::string& topic,
                                                           int partitions) {
  kafka::Consumer reader({.properties = real_props(),
                          .group_id = unique_name("tables-reader"),
                          .read_committed = true});
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (int p = 0; p < partitions; ++p) assignment.push_back({topic, p, kafka::kOffsetBeginning});
  reader.assign(assignment);
  const auto longs = serdes::int64();
  std::map<std::string, int64_t> latest;
  int records = 0;
  int empty = 0;
  while (empty < 8) {
    auto batch = reader.poll_batch(5000, 250ms);
    empty = batch.empty() ? empty + 1 : 0;
    for (const auto& m : batch) {
      ++records;
      if (m.value()) {
        latest[std::string(*m.key())] = longs.deserialize(*m.value());
      } else {
        latest.erase(std::string(*m.key()));
      }
    }
  }
  return {latest, records};
}

// Waits until `app` committed the end of every partition of its inputs and of its internal
// topics (repartitions, subscriptions, responses: a task still restoring has not read them),
// and its outputs have not grown for 3 s.
void wait_until_drained(const std::string& app, const Topology& topology,
                        std::map<std::string, int> inputs,
                        const std::vector<std::string>& outputs) {
  kafka::Admin admin(real_props());
  const auto existing = admin.list_topics();
  const auto internal = topology.repartition_topics();
  for (const auto& topic : internal) inputs[topic] = existing.at(topic);
  kafka::Consumer group({.properties = real_props(), .group_id = app});  // reads commits only
  kafka::Consumer probe({.properties = real_props(), .group_id = unique_name("drain-probe")});
  std::vector<kafka::TopicPartition> input_partitions;
  for (const auto& [topic, n] : inputs) {
    for (int p = 0; p < n; ++p) input_partitions.push_back({topic, p});
  }
  // An internal topic is written in transactions: its last offset is a commit marker, which
  // a consumer never commits past.
  auto drained = [&](const kafka::TopicPartitionOffset& c) {
    const int64_t end = probe.watermarks({c.topic, c.partition}, 10s).second;
    return end == 0 || c.offset >= end - (internal.count(c.topic) != 0 ? 1 : 0);
  };
  const auto deadline = std::chrono::steady_clock::now() + 180s;
  int64_t last_output = -1;
  auto stable_since = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < deadline) {
    bool committed_all = true;
    for (const auto& c : group.committed(input_partitions, 10s)) {
      committed_all = committed_all && drained(c);
    }
    int64_t now_output = 0;
    for (const auto& topic : outputs) {
      now_output += testing_support::output_end(probe, topic, kLinePartitions);
    }
    if (now_output != last_output) {
      last_output = now_output;
      stable_since = std::chrono::steady_clock::now();
    }
    if (committed_all && std::chrono::steady_clock::now() - stable_since > 3s) return;
    std::this_thread::sleep_for(200ms);
  }
  ADD_FAILURE() << "application " << app << " did not drain its inputs";
}

TEST(TablesOnKafka, ForeignKeyJoinAndRegroupedAggregationsAreExactUnderExactlyOnceAcrossARestart) {
  const std::string base = unique_name("it.tables");
  const Topics t{base + ".lines", base + ".products", base + ".totals", base + ".sku-qty",
                 base + ".revenue"};
  const std::string app = unique_name("tables-app");
  const auto state_dir = std::filesystem::temp_directory_path() / app;
  kafka::Admin admin(real_props());
  admin.create_topics({{.name = t.lines, .partitions = kLinePartitions},
                       {.name = t.products, .partitions = kProductPartitions},
                       {.name = t.totals, .partitions = kLinePartitions},
                       {.name = t.sku_qty, .partitions = kLinePartitions},
                       {.name = t.revenue, .partitions = kLinePartitions}});

  std::map<std::string, std::string> lines;  // the lines table as it ends up
  std::map<std::string, int64_t> prices;     // the products table
  int sku_qty_updates = 0;                   // one per change of a group (caching off)
  const int64_t ts0 = testing_support::recent_ms();
  int64_t ts = ts0;
  uint64_t rng = 42;
  auto next = [&rng](uint64_t n) {
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (rng >> 33) % n;
  };
  auto produce = [&](int line_changes, int price_changes) {
    kafka::Producer producer({.properties = real_props()});
    for (int i = 0; i < price_changes; ++i) {
      const std::string sku = "sku-" + std::to_string(next(40));
      if (next(10) == 0) {
        producer.send({.topic = t.products, .key = sku, .value = std::nullopt, .timestamp = ++ts});
        prices.erase(sku);
      } else {
        const auto price = static_cast<int64_t>(next(1000) + 1);
        const std::string bytes = serdes::int64().to_bytes(price);
        producer.send({.topic = t.products, .key = sku, .value = bytes, .timestamp = ++ts});
        prices[sku] = price;
      }
    }
    for (int i = 0; i < line_changes; ++i) {
      const std::string id = "line-" + std::to_string(next(300));
      auto it = lines.find(id);
      if (next(8) == 0) {
        producer.send({.topic = t.lines, .key = id, .value = std::nullopt, .timestamp = ++ts});
        if (it != lines.end()) {
          ++sku_qty_updates;  // leaves its group
          lines.erase(it);
        }
        continue;
      }
      const std::string line =
          "sku-" + std::to_string(next(45)) + ":" + std::to_string(next(9) + 1);
      producer.send({.topic = t.lines, .key = id, .value = line, .timestamp = ++ts});
      sku_qty_updates += it == lines.end() || sku_of(it->second) == sku_of(line) ? 1 : 2;
      lines[id] = line;
    }
    producer.flush(60s);
  };

  auto config = StreamsConfig::from_properties({{"application.id", app},
                                                {"bootstrap.servers", real_bootstrap()},
                                                {"state.dir", state_dir.string()},
                                                {"processing.guarantee", "exactly_once_v2"},
                                                {"poll.ms", "20"}});
  auto run_until_drained = [&] {
    const Topology topology = tables_topology(config, t);
    KafkaStreams streams(topology, config);
    streams.start();
    wait_until_drained(app, topology,
                       {{t.lines, kLinePartitions}, {t.products, kProductPartitions}},
                       {t.totals, t.sku_qty, t.revenue});
    EXPECT_TRUE(streams.close(60s));
  };

  // First run: products, then lines (most lines find their product).
  produce(0, 60);
  produce(1'500, 0);
  run_until_drained();
  // Lose the local state: the second run restores every store from its changelog (the
  // subscription store included, so price changes still reach the lines that subscribed
  // before the restart).
  std::filesystem::remove_all(state_dir);
  produce(1'500, 40);
  produce(0, 30);
  run_until_drained();

  std::map<std::string, int64_t> totals, sku_qty;
  int64_t revenue = 0;
  for (const auto& [id, line] : lines) {
    sku_qty[sku_of(line)] += qty_of(line);
    auto price = prices.find(sku_of(line));
    totals[id] = qty_of(line) * (price != prices.end() ? price->second : -1);
    revenue += totals[id];
  }
  const auto totals_latest = read_latest(t.totals, kLinePartitions).first;
  EXPECT_EQ(totals_latest.size(), totals.size());
  for (const auto& [id, total] : totals) {
    auto it = totals_latest.find(id);
    EXPECT_TRUE(it != totals_latest.end() && it->second == total)
        << id << " (" << lines[id] << "): expected " << total << ", got "
        << (it == totals_latest.end() ? std::string("none") : std::to_string(it->second));
  }
  for (const auto& [id, total] : totals_latest) {
    EXPECT_EQ(totals.count(id), 1u) << id << " has a result " << total << " but was deleted";
  }
  const auto [qty_latest, qty_records] = read_latest(t.sku_qty, kLinePartitions);
  // Groups that lost every line stay at 0 (a reduce never deletes a group by itself).
  for (const auto& [sku, qty] : qty_latest) {
    EXPECT_EQ(qty, sku_qty.count(sku) != 0 ? sku_qty[sku] : 0) << sku;
  }
  for (const auto& [sku, qty] : sku_qty) EXPECT_EQ(qty_latest.count(sku), 1u) << sku;
  // Exactly once: one update per change of a group, none repeated across the restart.
  EXPECT_EQ(qty_records, sku_qty_updates);
  EXPECT_EQ(read_latest(t.revenue, kLinePartitions).first,
            (std::map<std::string, int64_t>{{"all", revenue}}));
  const auto topics = admin.list_topics();
  EXPECT_EQ(topics.at(app + "-line-prices-subscription-registration-topic"), kProductPartitions);
  EXPECT_EQ(topics.at(app + "-line-prices-subscription-response-topic"), kLinePartitions);
  EXPECT_EQ(topics.at(app + "-line-prices-subscription-store-changelog"), kProductPartitions);
  std::filesystem::remove_all(state_dir);
}

// A versioned table on the broker: prices written out of order (and some deleted) are kept as
// versions, and clicks joined with a grace period read the price valid at each click's
// timestamp. Two restarts wipe the local state: the first restores the versioned store's
// history from its changelog before the clicks arrive, the second restores the join's buffer
// with clicks still waiting in it. Each click is answered exactly once (exactly-once), with
// the price as of its time.
TEST(TablesOnKafka, VersionedTableJoinReadsHistoryRestoredFromItsChangelogExactlyOnce) {
  constexpr int kPartitions = 3;
  constexpr int kSkus = 12;
  constexpr int kVersions = 15;
  constexpr int64_t kStep = 1'000;  // ms between a SKU's price versions
  const auto retention = std::chrono::hours(1);
  const auto grace = std::chrono::milliseconds(2'000);
  const std::string base = unique_name("it.versioned");
  const std::string prices_topic = base + ".prices", clicks_topic = base + ".clicks",
                    out_topic = base + ".priced-clicks";
  const std::string app = unique_name("versioned-app");
  const auto state_dir = std::filesystem::temp_directory_path() / app;
  kafka::Admin admin(real_props());
  admin.create_topics({{.name = prices_topic, .partitions = kPartitions},
                       {.name = clicks_topic, .partitions = kPartitions},
                       {.name = out_topic, .partitions = kLinePartitions}});

  auto topology_of = [&](const StreamsConfig& config) {
    StreamsBuilder builder;
    auto prices = builder.table<std::string, int64_t>(
        prices_topic, {},
        Materialized<std::string, int64_t>::as_versioned("prices-store", retention));
    builder.stream<std::string, std::string>(clicks_topic)
        .left_join(
            prices,
            [](const std::string& click, const std::optional<int64_t>& price) {
              return click + "@" + (price ? std::to_string(*price) : std::string("none"));
            },
            Joined::as("click-prices").and_grace_period(grace))
        .to(out_topic);
    return builder.build(config);
  };
  auto config = StreamsConfig::from_properties({{"application.id", app},
                                                {"bootstrap.servers", real_bootstrap()},
                                                {"state.dir", state_dir.string()},
                                                {"processing.guarantee", "exactly_once_v2"},
                                                {"poll.ms", "20"}});
  auto run_until_drained = [&] {
    const Topology topology = topology_of(config);
    KafkaStreams streams(topology, config);
    streams.start();
    wait_until_drained(app, topology, {{prices_topic, kPartitions}, {clicks_topic, kPartitions}},
                       {out_topic});
    EXPECT_TRUE(streams.close(60s));
  };

  // Price versions of SKU s at t0 + v * kStep + s (distinct times), written in a shuffled
  // order; 1 in 6 is a delete.
  const int64_t t0 = testing_support::recent_ms();
  uint64_t rng = 18;
  auto next = [&rng](uint64_t n) {
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (rng >> 33) % n;
  };
  std::map<std::string, std::map<int64_t, std::optional<int64_t>>> history;
  std::vector<std::pair<std::string, int64_t>> writes;
  for (int s = 0; s < kSkus; ++s) {
    for (int v = 0; v < kVersions; ++v) writes.emplace_back("sku-" + std::to_string(s), v);
  }
  for (size_t i = writes.size(); i > 1; --i) std::swap(writes[i - 1], writes[next(i)]);
  {
    kafka::Producer producer({.properties = real_props()});
    for (const auto& [sku, v] : writes) {
      const int64_t ts = t0 + v * kStep + std::stoll(sku.substr(4));
      std::optional<int64_t> price;
      if (next(6) != 0) price = static_cast<int64_t>(next(1000) + 1);
      history[sku][ts] = price;
      std::optional<std::string> bytes;
      if (price) bytes = serdes::int64().to_bytes(*price);
      producer.send({.topic = prices_topic, .key = sku, .value = bytes, .timestamp = ts});
    }
    producer.flush(60s);
  }
  run_until_drained();  // the versioned store holds every version
  std::filesystem::remove_all(state_dir);

  // Clicks in time order (jittered within the grace) from before the first version to after
  // the last; the price each should see is the version valid at its timestamp.
  std::map<std::string, std::string> expected;  // click id -> "<click>@<price|none>"
  int clicks = 0;
  int64_t click_ts = t0 - 500;
  auto produce_clicks = [&](int n) {
    kafka::Producer producer({.properties = real_props()});
    for (int i = 0; i < n; ++i) {
      click_ts += static_cast<int64_t>(next(60));
      const int64_t ts = click_ts + static_cast<int64_t>(next(1'500));
      const std::string sku = "sku-" + std::to_string(next(kSkus));
      const std::string id = "click-" + std::to_string(clicks++);
      std::optional<int64_t> price;
      const auto& versions = history[sku];
      if (auto it = versions.upper_bound(ts); it != versions.begin()) price = std::prev(it)->second;
      expected[id] = id + "@" + (price ? std::to_string(*price) : std::string("none"));
      producer.send({.topic = clicks_topic, .key = sku, .value = id, .timestamp = ts});
    }
    producer.flush(60s);
  };
  produce_clicks(200);
  run_until_drained();  // the history restored from the changelog; the last clicks wait
  std::filesystem::remove_all(state_dir);
  produce_clicks(200);
  // A click far ahead on every partition releases the others (it stays in the buffer).
  {
    kafka::Producer producer({.properties = real_props()});
    for (int s = 0; s < kSkus; ++s) {
      producer.send({.topic = clicks_topic,
                     .key = "sku-" + std::to_string(s),
                     .value = std::string("release"),
                     .timestamp = click_ts + 60'000});
    }
    producer.flush(60s);
  }
  run_until_drained();  // the buffer restored from its changelog, then released

  kafka::Consumer reader({.properties = real_props(),
                          .group_id = unique_name("versioned-reader"),
                          .read_committed = true});
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (int p = 0; p < kLinePartitions; ++p) {
    assignment.push_back({out_topic, p, kafka::kOffsetBeginning});
  }
  reader.assign(assignment);
  std::map<std::string, std::string> got;
  int records = 0;
  for (int empty = 0; empty < 8;) {
    auto batch = reader.poll_batch(5000, 250ms);
    empty = batch.empty() ? empty + 1 : 0;
    for (const auto& m : batch) {
      ++records;
      const std::string value(*m.value());
      got[value.substr(0, value.find('@'))] = value;
    }
  }
  EXPECT_EQ(records, clicks);  // each click once; the releasing clicks still wait
  EXPECT_EQ(got, expected);
  const auto configs = admin.describe_topic_configs(app + "-prices-store-changelog");
  EXPECT_EQ(configs.at("cleanup.policy"), "compact");
  EXPECT_EQ(configs.at("min.compaction.lag.ms"), std::to_string(3'600'000 + 86'400'000));
  EXPECT_EQ(admin.list_topics().at(app + "-click-prices-Buffer-changelog"), kPartitions);
  std::filesystem::remove_all(state_dir);
}

}  // namespace
}  // namespace eddy
