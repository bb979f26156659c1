// A GlobalKTable on the real broker: every stream thread loads the whole table (all
// partitions of its topic) before processing, joins stream records against it without
// co-partitioning, and keeps applying the table's updates while it runs. The table answers
// interactive queries from another thread, like any other store of the application.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <thread>

#include "eddy/dsl/streams_builder.h"
#include "eddy/errors.h"
#include "eddy/kafka_streams.h"
#include "eddy/state/queryable_store.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "support/real_kafka.h"
#include "support/wait_until.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using testing_support::real_bootstrap;
using testing_support::real_props;
using testing_support::retry_on;
using testing_support::unique_name;
using testing_support::wait_until;

constexpr int kSkus = 30;
constexpr int kViews = 200;

TEST(GlobalTableOnKafka, StreamGlobalJoinSeesTheWholeTableAndItsUpdates) {
  const std::string products = unique_name("it.products");
  const std::string views = unique_name("it.views");
  const std::string output = views + ".enriched";
  const std::string app = unique_name("global-app");
  const std::string state_dir = (std::filesystem::temp_directory_path() / app).string();
  kafka::Admin admin(real_props());
  // Three table partitions against two stream partitions: no co-partitioning needed.
  admin.create_topics({{.name = products, .partitions = 3},
                       {.name = views, .partitions = 2},
                       {.name = output, .partitions = 2}});
  const int64_t ts = testing_support::recent_ms();
  kafka::Producer producer({.properties = real_props()});
  for (int i = 0; i < kSkus; ++i) {
    const std::string sku = "sku-" + std::to_string(i);
    const std::string category = "cat-" + std::to_string(i % 4);
    producer.send({.topic = products, .key = sku, .value = category, .timestamp = ts});
  }
  // Views are produced after the table: the table is complete before the first view anyway,
  // since each thread loads it before processing.
  std::map<std::string, std::string> expected;  // customer -> "sku|category"
  auto view = [&](const std::string& customer, const std::string& sku, int64_t at) {
    producer.send({.topic = views, .key = customer, .value = sku, .timestamp = at});
  };
  for (int i = 0; i < kViews; ++i) {
    const std::string customer = "c" + std::to_string(i);
    const int sku = i % kSkus;
    view(customer, "sku-" + std::to_string(sku), ts + i);
    expected[customer] = "sku-" + std::to_string(sku) + "|cat-" + std::to_string(sku % 4);
  }
  view("c-unknown", "sku-unknown", ts + kViews);  // not in the table: left join -> "none"
  expected["c-unknown"] = "sku-unknown|none";
  producer.flush(30s);

  auto config = StreamsConfig::from_properties({{"application.id", app},
                                                {"bootstrap.servers", real_bootstrap()},
                                                {"state.dir", state_dir},
                                                {"num.stream.threads", "2"},
                                                {"poll.ms", "20"}});
  StreamsBuilder builder;
  auto table = builder.global_table<std::string, std::string>(
      products, {}, Materialized<std::string, std::string>::as("products"));
  builder.stream<std::string, std::string>(views)
      .left_join(
          table, [](const std::string&, const std::string& sku) { return sku; },
          [](const std::string& sku, const std::optional<std::string>& category) {
            return sku + "|" + category.value_or("none");
          })
      .to(output);
  KafkaStreams streams(builder.build(config), config);
  streams.start();
  auto wait_processed = [&](int64_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (streams.records_processed() < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    return streams.records_processed();
  };
  EXPECT_EQ(wait_processed(kViews + 1), kViews + 1);

  // The whole table, queried from this thread while the stream threads run. The second
  // thread may still be joining (REBALANCING): reads are retried, as callers do.
  auto queried = streams.key_value_store<std::string, std::string>("products");
  auto query = [](auto read) { return retry_on<InvalidStateStoreError>(read); };
  EXPECT_EQ(query([&] { return queried.get("sku-5"); }), "cat-1");
  EXPECT_EQ(query([&] { return queried.get("sku-unknown"); }), std::nullopt);
  const auto rows = query([&] { return queried.all(); });
  ASSERT_EQ(rows.size(), static_cast<size_t>(kSkus));
  EXPECT_EQ(rows.front(), std::make_pair(std::string("sku-0"), std::string("cat-0")));
  EXPECT_EQ(query([&] { return queried.range("sku-10", "sku-12"); }).size(), 3u);

  // A table update while running reaches every thread's copy; later views see it.
  producer.send({.topic = products,
                 .key = std::string_view("sku-0"),
                 .value = std::string_view("cat-new"),
                 .timestamp = ts + 1000});
  producer.flush(30s);
  EXPECT_TRUE(wait_until([&] { return query([&] { return queried.get("sku-0"); }) == "cat-new"; }));
  std::this_thread::sleep_for(3s);  // the other thread's copy: it polls every loop (~20 ms)
  for (int i = 0; i < 10; ++i) {
    const std::string customer = "late-c" + std::to_string(i);
    view(customer, "sku-0", ts + 2000 + i);
    expected[customer] = "sku-0|cat-new";
  }
  producer.flush(30s);
  EXPECT_EQ(wait_processed(kViews + 11), kViews + 11);
  EXPECT_TRUE(streams.close(30s));
  EXPECT_THROW(queried.get("sku-0"), StateStoreError);  // closed: no store to read

  std::map<std::string, std::string> got;
  int records = 0;
  {
    kafka::Consumer reader({.properties = real_props(), .group_id = unique_name("global-reader")});
    reader.assign({{output, 0, kafka::kOffsetBeginning}, {output, 1, kafka::kOffsetBeginning}});
    for (int empty = 0; empty < 8;) {
      auto batch = reader.poll_batch(1000, 250ms);
      empty = batch.empty() ? empty + 1 : 0;
      for (const auto& m : batch) {
        got[std::string(m.key().value_or(""))] = std::string(m.value().value_or(""));
        ++records;
      }
    }
  }
  EXPECT_EQ(records, kViews + 11);
  EXPECT_EQ(got, expected);
  std::filesystem::remove_all(state_dir);
}

}  // namespace
}  // namespace eddy
