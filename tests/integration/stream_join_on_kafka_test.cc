// A re-keyed KStream-KStream join on the real broker under exactly-once, across a restart that
// also loses the local state (so both join window stores and the outer join store come back
// from their changelogs): every joined pair is committed exactly once, and every order that
// never found a visit goes out exactly once as unmatched (left join).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <thread>

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
using S = std::string;

constexpr int kPartitions = 4;
constexpr int kCustomers = 40;
constexpr int64_t kWindowMs = 5'000;

// orders: key order id, value "<order id>@<customer>"; visits: key customer, value visit id.
// Orders are re-keyed by customer (a repartition topic) and joined with visits:
//   <out>.pairs: "<order>@<customer>|<visit>" for every visit within 5 s (inner join)
//   <out>.left:  the same pairs, plus "<order>@<customer>|-" once for an order with no visit
Topology join_topology(const StreamsConfig& config, const S& orders_topic, const S& visits_topic,
                       const S& out) {
  StreamsBuilder builder;
  auto orders =
      builder.stream<S, S>(orders_topic)
          .select_key([](const S&, const S& order) { return order.substr(order.find('@') + 1); },
                      Named::as("order-by-customer"));
  auto visits = builder.stream<S, S>(visits_topic);
  // Grace of 10 minutes: however far the visits run ahead of the re-keyed orders (which come
  // back through the repartition topic later), every pair is still within retention, so the
  // expected pairs do not depend on timing. A flush an hour later closes the windows.
  const auto windows = JoinWindows::of_time_difference_and_grace(
      std::chrono::milliseconds(kWindowMs), std::chrono::minutes(10));
  orders
      .join(
          visits, [](const S& order, const S& visit) { return order + "|" + visit; }, windows,
          StreamJoined<S, S, S>::as("pairs").with_name("pairs"))
      .to(out + ".pairs");
  orders
      .left_join(
          visits,
          [](const S& order, const std::optional<S>& visit) {
            return order + "|" + visit.value_or("-");
          },
          windows, StreamJoined<S, S, S>::as("left").with_name("left"))
      .to(out + ".left");
  return builder.build(config);
}

// Every value of `topic` (read_committed), counted.
std::map<S, int> read_values(const S& topic) {
  kafka::Consumer reader(
      {.properties = real_props(), .group_id = unique_name("join-reader"), .read_committed = true});
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (int p = 0; p < kPartitions; ++p) assignment.push_back({topic, p, kafka::kOffsetBeginning});
  reader.assign(assignment);
  std::map<S, int> counts;
  int empty = 0;
  while (empty < 8) {
    auto batch = reader.poll_batch(5000, 250ms);
    empty = batch.empty() ? empty + 1 : 0;
    for (const auto& m : batch) ++counts[S(*m.value())];
  }
  return counts;
}

size_t total(const std::map<S, int>& counts) {
  size_t n = 0;
  for (const auto& [v, c] : counts) n += static_cast<size_t>(c);
  return n;
}

TEST(StreamJoinOnKafka, ReKeyedJoinIsExactlyOnceAcrossARestartThatRestoresItsStores) {
  const S orders_topic = unique_name("it.join.orders");
  const S visits_topic = orders_topic + ".visits";
  const S out = orders_topic + ".out";
  const S app = unique_name("join-app");
  const S state_dir = (std::filesystem::temp_directory_path() / app).string();
  kafka::Admin admin(real_props());
  admin.create_topics({{.name = orders_topic, .partitions = kPartitions},
                       {.name = visits_topic, .partitions = kPartitions},
                       {.name = out + ".pairs", .partitions = kPartitions},
                       {.name = out + ".left", .partitions = kPartitions}});

  // Event times: visit j of customer c at base + 3 s * j + c (every 3, 6 or 9 s); order i of
  // customer i % 40 at base + 1 s * i. The expected pairs follow from |t(order) - t(visit)| <=
  // 5 s; orders of the customers who never visit, and some of those who visit every 9 s, have
  // none.
  const int64_t base = testing_support::recent_ms();
  struct Event {
    S id;
    S customer;
    int64_t ts;
  };
  std::vector<Event> orders;
  std::vector<Event> visits;
  for (int i = 0; i < 400; ++i) {
    orders.push_back(
        {"order-" + std::to_string(i), "c" + std::to_string(i % kCustomers), base + 1000LL * i});
  }
  for (int c = 0; c < kCustomers - 4; ++c) {      // the last four customers never visit
    for (int j = 0; j < 140; j += 1 + (c % 3)) {  // some customers visit less often
      visits.push_back({"visit-" + std::to_string(c) + "-" + std::to_string(j),
                        "c" + std::to_string(c), base + 3000LL * j + c});
    }
  }
  std::sort(visits.begin(), visits.end(),
            [](const Event& a, const Event& b) { return a.ts < b.ts; });
  const size_t half_orders = orders.size() / 2;
  const size_t half_visits = visits.size() / 2;
  std::multiset<S> expected_pairs;
  std::multiset<S> expected_left;
  size_t expected_first_pairs = 0;  // both records in the first half
  for (size_t i = 0; i < orders.size(); ++i) {
    const auto& o = orders[i];
    bool matched = false;
    for (size_t j = 0; j < visits.size(); ++j) {
      const auto& v = visits[j];
      if (v.customer == o.customer && std::llabs(v.ts - o.ts) <= kWindowMs) {
        expected_pairs.insert(o.id + "@" + o.customer + "|" + v.id);
        matched = true;
        if (i < half_orders && j < half_visits) ++expected_first_pairs;
      }
    }
    if (!matched) expected_left.insert(o.id + "@" + o.customer + "|-");
  }
  for (const auto& p : expected_pairs) expected_left.insert(p);
  ASSERT_GT(expected_pairs.size(), 200u);
  ASSERT_GT(expected_left.size(), expected_pairs.size());  // some orders have no visit

  auto produce = [&](size_t order_from, size_t order_to, size_t visit_from, size_t visit_to) {
    kafka::Producer producer({.properties = real_props()});
    for (size_t i = visit_from; i < visit_to; ++i) {
      const auto& v = visits[i];
      producer.send({.topic = visits_topic, .key = v.customer, .value = v.id, .timestamp = v.ts});
    }
    for (size_t i = order_from; i < order_to; ++i) {
      const auto& o = orders[i];
      producer.send({.topic = orders_topic,
                     .key = o.id,
                     .value = o.id + "@" + o.customer,
                     .timestamp = o.ts});
    }
    producer.flush(30s);
  };

  const auto config = StreamsConfig::from_properties(
      {{"application.id", app},
       {"bootstrap.servers", real_bootstrap()},
       {"state.dir", state_dir},
       {"processing.guarantee", "exactly_once_v2"},
       {"poll.ms", "20"},
       {"__emit.interval.ms.kstreams.outer.join.spurious.results.fix__", "0"}});
  // Runs the application until `done` holds for what it committed (or a minute passed).
  auto run_until = [&](const std::function<bool()>& done, const std::function<void()>& then) {
    KafkaStreams streams(join_topology(config, orders_topic, visits_topic, out), config);
    streams.start();
    const auto deadline = std::chrono::steady_clock::now() + 90s;
    while (!done() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(500ms);
    if (then) then();
    EXPECT_TRUE(streams.close(30s));
  };

  // Run 1: the first half of the visits and orders. Pairs of this half are joined; nothing is
  // emitted as unmatched yet (no window has closed).
  produce(0, half_orders, 0, half_visits);
  run_until([&] { return total(read_values(out + ".pairs")) >= expected_first_pairs; }, {});
  EXPECT_EQ(total(read_values(out + ".pairs")), expected_first_pairs);
  EXPECT_GT(expected_first_pairs, 0u);
  EXPECT_LT(expected_first_pairs, expected_pairs.size());

  // The local state is lost: run 2 restores the window stores and the outer join store from
  // their changelogs, so orders of the first half still find visits of the second, and the
  // first half's unmatched orders are still waiting.
  std::filesystem::remove_all(state_dir);
  produce(half_orders, orders.size(), half_visits, visits.size());
  run_until([&] { return total(read_values(out + ".pairs")) >= expected_pairs.size(); },
            [&] {
              // An hour later on every customer: every window closes, unmatched orders go out.
              kafka::Producer producer({.properties = real_props()});
              for (int c = 0; c < kCustomers; ++c) {
                producer.send({.topic = visits_topic,
                               .key = "c" + std::to_string(c),
                               .value = "flush",
                               .timestamp = base + 3'600'000});
              }
              producer.flush(30s);
              const auto deadline = std::chrono::steady_clock::now() + 60s;
              while (total(read_values(out + ".left")) < expected_left.size() &&
                     std::chrono::steady_clock::now() < deadline) {
                std::this_thread::sleep_for(500ms);
              }
            });

  auto to_multiset = [](const std::map<S, int>& counts) {
    std::multiset<S> out_set;
    for (const auto& [v, c] : counts) {
      for (int i = 0; i < c; ++i) out_set.insert(v);
    }
    return out_set;
  };
  const auto pairs = read_values(out + ".pairs");
  const auto left = read_values(out + ".left");
  EXPECT_EQ(to_multiset(pairs), expected_pairs);
  EXPECT_EQ(to_multiset(left), expected_left);
  for (const auto& [v, c] : pairs) EXPECT_EQ(c, 1) << v;

  const auto topics = admin.list_topics();
  // Each join repartitions the re-keyed orders under its own name (as Kafka Streams).
  EXPECT_EQ(topics.at(app + "-pairs-left-repartition"), kPartitions);
  EXPECT_EQ(topics.at(app + "-left-left-repartition"), kPartitions);
  EXPECT_EQ(
      admin.describe_topic_configs(app + "-pairs-this-join-store-changelog").at("cleanup.policy"),
      "delete");
  EXPECT_EQ(admin.describe_topic_configs(app + "-left-left-shared-join-store-changelog")
                .at("cleanup.policy"),
            "compact");
  std::filesystem::remove_all(state_dir);
}

}  // namespace
}  // namespace eddy
