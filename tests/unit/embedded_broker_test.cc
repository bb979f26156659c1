// The Kafka client layer against the embedded broker (librdkafka's in-process mock).
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>

#include "eddy/errors.h"
#include "kafka/admin.h"
#include "kafka/client_config.h"
#include "kafka/consumer.h"
#include "kafka/embedded_cluster.h"
#include "kafka/partitioner.h"
#include "kafka/producer.h"

namespace eddy::kafka {
namespace {

using namespace std::chrono_literals;

Properties embedded_props() {
  return {{"bootstrap.servers", resolve_bootstrap_servers("")}};
}

Properties consumer_props() {
  Properties p = embedded_props();
  // Keep empty fetches short and rebalances quick on the mock.
  p["fetch.wait.max.ms"] = "5";
  p["session.timeout.ms"] = "6000";
  return p;
}

TEST(EmbeddedBroker, StartsOnceAndAnswersMetadata) {
  const std::string first = resolve_bootstrap_servers("");
  EXPECT_EQ(first, resolve_bootstrap_servers("embedded"));
  EXPECT_TRUE(EmbeddedCluster::started());
  Admin admin(embedded_props());
  EXPECT_TRUE(admin.embedded());
  admin.create_topics({{.name = "embedded.meta", .partitions = 3}});
  const auto description = admin.describe_topic("embedded.meta");
  ASSERT_TRUE(description.has_value());
  EXPECT_EQ(description->partitions, 3);
}

TEST(EmbeddedBroker, ProducesAndConsumesKeyedRecordsWithHeaders) {
  Admin admin(embedded_props());
  admin.create_topics({{.name = "embedded.roundtrip", .partitions = 4}});
  Producer producer({.properties = embedded_props()});
  const Headers headers{{"source", "test"}, {"empty", std::nullopt}};
  for (int i = 0; i < 200; ++i) {
    const std::string key = "k" + std::to_string(i);
    const std::string value = "v" + std::to_string(i);
    producer.send({.topic = "embedded.roundtrip",
                   .key = key,
                   .value = value,
                   .timestamp = 1000 + i,
                   .headers = &headers});
  }
  producer.flush(10s);
  EXPECT_EQ(producer.in_flight(), 0);

  Consumer consumer({.properties = consumer_props(), .group_id = "roundtrip"});
  consumer.subscribe({"embedded.roundtrip"});
  std::map<std::string, std::pair<std::string, int64_t>> seen;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (seen.size() < 200 && std::chrono::steady_clock::now() < deadline) {
    for (const auto& m : consumer.poll_batch(100, 100ms)) {
      ASSERT_TRUE(m.key().has_value());
      EXPECT_EQ(m.partition(), partition_for_key(*m.key(), 4)) << *m.key();
      EXPECT_EQ(m.headers(), headers);
      seen[std::string(*m.key())] = {std::string(*m.value()), m.timestamp()};
    }
  }
  ASSERT_EQ(seen.size(), 200u);
  EXPECT_EQ(seen["k7"].first, "v7");
  EXPECT_EQ(seen["k7"].second, 1007);
}

TEST(EmbeddedBroker, TombstoneHasNullValue) {
  Admin admin(embedded_props());
  admin.create_topics({{.name = "embedded.tombstone", .partitions = 1}});
  Producer producer({.properties = embedded_props()});
  producer.send(
      {.topic = "embedded.tombstone", .key = std::string_view("gone"), .value = std::nullopt});
  producer.flush(10s);
  Consumer consumer({.properties = consumer_props(), .group_id = "tombstone"});
  consumer.assign({{"embedded.tombstone", 0, kOffsetBeginning}});
  std::vector<Message> got;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (got.empty() && std::chrono::steady_clock::now() < deadline)
    got = consumer.poll_batch(10, 100ms);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].key(), std::optional<std::string_view>("gone"));
  EXPECT_FALSE(got[0].value().has_value());
}

TEST(EmbeddedBroker, ConsumerGroupResumesFromCommittedOffsets) {
  Admin admin(embedded_props());
  admin.create_topics({{.name = "embedded.resume", .partitions = 1}});
  Producer producer({.properties = embedded_props()});
  for (int i = 0; i < 10; ++i) {
    const std::string v = std::to_string(i);
    producer.send({.topic = "embedded.resume", .partition = 0, .key = v, .value = v});
  }
  producer.flush(10s);
  {
    Consumer consumer({.properties = consumer_props(), .group_id = "resume"});
    consumer.assign({{"embedded.resume", 0, kOffsetBeginning}});
    int64_t read = 0;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (read < 4 && std::chrono::steady_clock::now() < deadline) {
      read += static_cast<int64_t>(consumer.poll_batch(4 - read, 100ms).size());
    }
    ASSERT_EQ(read, 4);
    consumer.commit({{"embedded.resume", 0, 4}});
  }
  Consumer again({.properties = consumer_props(), .group_id = "resume"});
  const auto committed = again.committed({{"embedded.resume", 0}}, 10s);
  ASSERT_EQ(committed.size(), 1u);
  EXPECT_EQ(committed[0].offset, 4);
  again.assign({{"embedded.resume", 0, kOffsetStored}});
  std::vector<Message> got;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (got.empty() && std::chrono::steady_clock::now() < deadline)
    got = again.poll_batch(1, 100ms);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].offset(), 4);
  EXPECT_EQ(got[0].value(), std::optional<std::string_view>("4"));
}

TEST(KafkaClients, UnreachableBrokerFailsWithinBoundedTime) {
  // Port 1 on loopback: nothing listens; the error must come within the timeout, not hang.
  Producer producer({.properties = {{"bootstrap.servers", "127.0.0.1:1"}}});
  const auto start = std::chrono::steady_clock::now();
  try {
    producer.topic_partitions(2s);
    FAIL() << "expected KafkaError";
  } catch (const KafkaError& e) {
    EXPECT_NE(
        std::string(e.what()).find("no Kafka broker answered at bootstrap.servers '127.0.0.1:1'"),
        std::string::npos)
        << e.what();
    EXPECT_TRUE(e.retriable());
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(KafkaClients, UnreachableBrokerFailsAdminCallsWithinBoundedTime) {
  // Topic creation is the first thing a tool does; its timeout must say where it looked.
  Admin admin({{"bootstrap.servers", "127.0.0.1:1"}}, 2s);
  const auto start = std::chrono::steady_clock::now();
  try {
    admin.create_topics({{.name = "t", .partitions = 1}});
    FAIL() << "expected KafkaError";
  } catch (const KafkaError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "create topics: no Kafka broker answered at bootstrap.servers '127.0.0.1:1'"),
              std::string::npos)
        << e.what();
    EXPECT_TRUE(e.retriable());
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 6s);
}

TEST(KafkaClients, BadClientPropertyNamesTheKey) {
  try {
    Producer producer(
        {.properties = {{"bootstrap.servers", "127.0.0.1:1"}, {"linger.ms", "soon"}}});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "linger.ms");
  }
}

TEST(Partitioner, MatchesJavaMurmur2ReferenceValues) {
  // Values from Kafka's own partitioner tests (Utils.toPositive(Utils.murmur2(key)) % n).
  EXPECT_EQ(partition_for_key("21", 1000), (-973932308 & 0x7fffffff) % 1000);
  EXPECT_EQ(partition_for_key("foobar", 1000), (-790332482 & 0x7fffffff) % 1000);
  EXPECT_EQ(partition_for_key("a-little-bit-long-string", 1000), (-985981536 & 0x7fffffff) % 1000);
  EXPECT_EQ(partition_for_key("a-little-bit-longer-string", 1000),
            (-1486304829 & 0x7fffffff) % 1000);
  EXPECT_EQ(partition_for_key("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", 1000),
            (-58897971 & 0x7fffffff) % 1000);
  EXPECT_EQ(partition_for_key("abc", 1000), (479470107 & 0x7fffffff) % 1000);
}

}  // namespace
}  // namespace eddy::kafka
