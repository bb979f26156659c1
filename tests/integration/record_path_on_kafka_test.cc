// The record path on the real broker: headers from the consumed record to the output topic,
// a repartition topic, a feature sink and the dead-letter topic; each error handler kind
// (deserialization, processing, production) answering continue, fail and dead-letter, with
// the dead-letter records' headers and the counts; and a feature sink whose Redis is down
// for twice max.poll.interval.ms while records flow: the member stays in the group (same
// generation), nothing is lost, every feature lands once Redis is back.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "eddy/dsl/streams_builder.h"
#include "eddy/error_handlers.h"
#include "eddy/kafka_streams.h"
#include "eddy/processor/processor.h"
#include "eddy/serde/serdes.h"
#include "eddy/sink/feature_sink.h"
#include "eddy/sink/redis_sink.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "support/child_process.h"
#include "support/loopback.h"
#include "support/real_kafka.h"
#include "support/redis_client.h"
#include "support/wait_until.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using testing_support::real_bootstrap;
using testing_support::real_props;
using testing_support::unique_name;
using testing_support::wait_until;

// A record copied out of the consumer (a kafka::Message must not outlive its consumer).
struct Read {
  int32_t partition = -1;
  int64_t offset = -1;
  std::optional<std::string> key;
  std::optional<std::string> value;
  Headers headers;
};

std::vector<Read> read_all(const std::string& topic, int partitions, bool committed = false) {
  kafka::Consumer reader({.properties = real_props(),
                          .group_id = unique_name("record-path-reader"),
                          .read_committed = committed});
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (int p = 0; p < partitions; ++p) assignment.push_back({topic, p, kafka::kOffsetBeginning});
  reader.assign(assignment);
  std::vector<Read> out;
  for (int empty = 0; empty < 8;) {
    auto batch = reader.poll_batch(5000, 250ms);
    empty = batch.empty() ? empty + 1 : 0;
    for (const auto& m : batch) {
      Read r{m.partition(), m.offset(), std::nullopt, std::nullopt, m.headers()};
      if (m.key()) r.key.emplace(*m.key());
      if (m.value()) r.value.emplace(*m.value());
      out.push_back(std::move(r));
    }
  }
  return out;
}

// The sum of metric `name` over the samples whose labels include every (label, value) given.
double metric(const KafkaStreams& streams, const std::string& name,
              const std::map<std::string, std::string>& labels = {}) {
  double total = 0;
  for (const auto& m : streams.metrics()) {
    if (m["name"] != name || !m.contains("value")) continue;
    bool match = true;
    for (const auto& [k, v] : labels) match = match && m["labels"].value(k, "") == v;
    if (match) total += m["value"].get<double>();
  }
  return total;
}

std::string state_dir_for(const std::string& app) {
  return (std::filesystem::temp_directory_path() / app).string();
}

// --- headers end to end ------------------------------------------------------------------

// Reads the "trace" header and adds "seen-by".
class Tagger : public Processor<std::string, std::string, std::string, std::string> {
 public:
  void init(ProcessorContext<std::string, std::string>& context) override { context_ = &context; }
  void process(const Record<std::string, std::string>& r) override {
    if (r.value == "boom") throw std::runtime_error("boom");
    auto out = r;
    out.value = r.value + "|" + std::string(header_value(r.headers, "trace").value_or("none"));
    out.headers.push_back({"seen-by", "tagger"});
    context_->forward(out);
  }

 private:
  ProcessorContext<std::string, std::string>* context_ = nullptr;
};

class KeepingSink final : public FeatureSink {
 public:
  KeepingSink() : FeatureSink(SinkOptions{.name = "keeping", .latency_budget = 1ms}) {}
  ~KeepingSink() override { stop_flushing(); }
  std::vector<FeatureUpdate> updates() {
    std::lock_guard lock(mutex_);
    return written_;
  }

 protected:
  void write_batch(std::span<const FeatureUpdate> batch, std::span<WriteOutcome>) override {
    std::lock_guard lock(mutex_);
    written_.insert(written_.end(), batch.begin(), batch.end());
  }

 private:
  std::mutex mutex_;
  std::vector<FeatureUpdate> written_;
};

TEST(RecordPathOnKafka, HeadersReachOutputRepartitionFeatureSinkAndDeadLetterTopic) {
  const std::string input = unique_name("it.headers");
  const std::string output = input + ".out";
  const std::string dlq = input + ".dlq";
  const std::string app = unique_name("headers-app");
  kafka::Admin(real_props())
      .create_topics({{.name = input, .partitions = 2},
                      {.name = output, .partitions = 2},
                      {.name = dlq, .partitions = 1}});
  auto sink = std::make_shared<KeepingSink>();
  StreamsBuilder builder;
  auto tagged = builder.stream<std::string, std::string>(input).process<std::string, std::string>(
      [] { return std::make_unique<Tagger>(); }, {}, Named::as("tagger"));
  tagged.to_sink(sink, [](const std::string& key, const std::string& value) {
    return FeatureRow{key, FeatureFields{{"value", value}}};
  });
  tagged.select_key([](const std::string& key, const std::string&) { return key + "!"; })
      .repartition(Repartitioned<std::string, std::string>::as("rekeyed"))
      .to(output);
  auto config = StreamsConfig::from_properties({{"application.id", app},
                                                {"bootstrap.servers", real_bootstrap()},
                                                {"state.dir", state_dir_for(app)},
                                                {"processing.exception.handler", "dead_letter"},
                                                {"errors.dead.letter.queue.topic.name", dlq},
                                                {"commit.interval.ms", "200"},
                                                {"poll.ms", "20"},
                                                // Committed repartition records stay: the
                                                // test reads them afterwards.
                                                {"repartition.purge.interval.ms", "-1"}});
  {
    kafka::Producer producer({.properties = real_props()});
    const int64_t base = testing_support::recent_ms();
    for (int i = 0; i < 10; ++i) {
      const Headers headers{{"trace", "t-" + std::to_string(i)}, {"empty", std::nullopt}};
      const std::string value = i == 7 ? "boom" : "v" + std::to_string(i);
      producer.send({.topic = input,
                     .key = "k" + std::to_string(i),
                     .value = value,
                     .timestamp = base + i,
                     .headers = &headers});
    }
    producer.flush(10s);
  }
  KafkaStreams streams(builder.build(config), config);
  streams.start();
  // Each good record: the tagger's sub-topology, then the repartitioned one.
  ASSERT_TRUE(wait_until([&] { return streams.records_processed() >= 9 * 2 + 1; }, 60s));
  EXPECT_TRUE(streams.close(30s));

  const auto out = read_all(output, 2);
  ASSERT_EQ(out.size(), 9u);
  for (const auto& r : out) {
    const int i = std::stoi(r.key->substr(1));
    SCOPED_TRACE(*r.key);
    EXPECT_EQ(*r.key, "k" + std::to_string(i) + "!");
    EXPECT_EQ(*r.value, "v" + std::to_string(i) + "|t-" + std::to_string(i));
    EXPECT_EQ(r.headers, (Headers{{"trace", "t-" + std::to_string(i)},
                                  {"empty", std::nullopt},
                                  {"seen-by", "tagger"}}));
  }
  const auto repartitioned = read_all(app + "-rekeyed-repartition", 2);
  ASSERT_EQ(repartitioned.size(), 9u);
  for (const auto& r : repartitioned) EXPECT_EQ(header_value(r.headers, "seen-by"), "tagger");

  const auto updates = sink->updates();
  ASSERT_EQ(updates.size(), 9u);
  for (const auto& u : updates) {
    EXPECT_EQ(header_value(u.headers, "trace"), "t-" + u.key.substr(1));
    EXPECT_EQ(header_value(u.headers, "seen-by"), "tagger");
  }

  const auto dead = read_all(dlq, 1);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].key, "k7");
  EXPECT_EQ(dead[0].value, "boom");
  EXPECT_EQ(header_value(dead[0].headers, "trace"), "t-7");  // the source record's own headers
  EXPECT_EQ(header_value(dead[0].headers, error_headers::kException), "std::runtime_error");
  EXPECT_EQ(header_value(dead[0].headers, error_headers::kMessage), "boom");
  EXPECT_EQ(header_value(dead[0].headers, error_headers::kTopic), input);
  EXPECT_EQ(header_value(dead[0].headers, error_headers::kNode), "tagger");
  EXPECT_EQ(header_value(dead[0].headers, error_headers::kKind), "processing");
  sink->close();
  std::filesystem::remove_all(state_dir_for(app));
}

// --- the handlers -------------------------------------------------------------------------

struct Order {
  int64_t cents = 0;
};
void to_json(nlohmann::json& j, const Order& o) {
  j = {{"cents", o.cents}};
}
void from_json(const nlohmann::json& j, Order& o) {
  j.at("cents").get_to(o.cents);
}

// Orders in, each as a receipt out: a JSON source (deserialization errors), a map that throws
// on negative amounts (processing errors) and writes a receipt as long as the amount in
// cents (an amount of 30000 cannot go to the output topic, whose max.message.bytes is 20000:
// a production error).
struct HandlerRun {
  std::string input = unique_name("it.handlers");
  std::string output = input + ".out";
  std::string dlq = input + ".dlq";
  std::string app = unique_name("handlers-app");
  std::vector<std::string> values;  // what was sent, by offset (one partition)

  HandlerRun() {
    kafka::Admin(real_props())
        .create_topics(
            {{.name = input, .partitions = 1},
             {.name = output, .partitions = 1, .configs = {{"max.message.bytes", "20000"}}},
             {.name = dlq, .partitions = 1}});
  }

  void send(const std::vector<std::string>& records) {
    kafka::Producer producer({.properties = real_props()});
    const int64_t base = testing_support::recent_ms();
    const Headers headers{{"trace", "abc"}};
    for (const auto& value : records) {
      producer.send({.topic = input,
                     .key = "order-" + std::to_string(values.size()),
                     .value = value,
                     .timestamp = base + static_cast<int64_t>(values.size()),
                     .headers = &headers});
      values.push_back(value);
    }
    producer.flush(10s);
  }

  Topology topology(const StreamsConfig& config) const {
    StreamsBuilder builder;
    builder
        .stream<std::string, Order>(
            input, Consumed<std::string, Order>::with(serdes::string(), serdes::json<Order>()))
        .map_values(
            [](const Order& o) {
              if (o.cents < 0) throw std::invalid_argument("negative amount");
              return std::string(static_cast<size_t>(o.cents), 'r');
            },
            Named::as("receipt"))
        .to(output);
    return builder.build(config);
  }

  StreamsConfig config(const std::string& handling, bool exactly_once = false,
                       Properties extra = {}) const {
    Properties props{{"application.id", app},
                     {"bootstrap.servers", real_bootstrap()},
                     {"state.dir", state_dir_for(app)},
                     {"default.deserialization.exception.handler", handling},
                     {"processing.exception.handler", handling},
                     {"default.production.exception.handler", handling},
                     {"processing.guarantee", exactly_once ? "exactly_once_v2" : "at_least_once"},
                     // Batches of several records stay under the topic's limit, so Kafka
                     // refuses the oversized record alone (librdkafka does not split).
                     {"producer.batch.size", "16000"},
                     // The broker checks max.message.bytes against the compressed batch.
                     {"producer.compression.type", "none"},
                     {"commit.interval.ms", "200"},
                     {"poll.ms", "20"}};
    if (handling == "dead_letter") props["errors.dead.letter.queue.topic.name"] = dlq;
    for (auto& [k, v] : extra) props[k] = v;
    return StreamsConfig::from_properties(props);
  }

  // Runs until every record is processed (or the instance fails); returns the final state.
  KafkaStreams::State run(const StreamsConfig& config, std::string* error = nullptr,
                          std::map<std::string, double>* counts = nullptr) {
    KafkaStreams streams(topology(config), config);
    std::mutex mutex;
    streams.set_uncaught_error_handler([&](std::exception_ptr e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::lock_guard lock(mutex);
        if (error != nullptr) *error = ex.what();
      }
      return false;
    });
    streams.start();
    const auto n = static_cast<int64_t>(values.size());
    wait_until(
        [&] {
          return streams.state() == KafkaStreams::State::kError || streams.records_processed() >= n;
        },
        60s);
    // Let the commit that hands refused records to the production handler happen.
    std::this_thread::sleep_for(1s);
    const auto state = streams.state();
    if (counts != nullptr) {
      for (const char* kind : {"deserialization", "processing", "production"})
        (*counts)[kind] = metric(streams, "eddy_skipped_records_total", {{"handler", kind}});
      (*counts)["dead_lettered"] = metric(streams, "eddy_dead_lettered_records_total");
      (*counts)["dropped_null_value"] =
          metric(streams, "eddy_dropped_records_total",
                 {{"processor", "KSTREAM-SOURCE-0000000000"}, {"reason", "null value"}});
    }
    streams.close(30s);
    std::filesystem::remove_all(state_dir_for(app));
    return state;
  }
};

const std::vector<std::string> kMixed = {
    R"({"cents": 3})",      // 0 good
    "{not json",            // 1 deserialization
    R"({"cents": -5})",     // 2 processing
    R"({"cents": 30000})",  // 3 production: 30 000 bytes > max.message.bytes 20 000
    R"({"cents": 4})",      // 4 good
};

void expect_dead_letter(const Read& r, const std::string& input, const std::string& value,
                        int64_t offset, const std::string& kind, const std::string& node,
                        bool source_known = true) {
  SCOPED_TRACE(kind);
  EXPECT_EQ(header_value(r.headers, "trace"), "abc");  // the record's own headers travel along
  EXPECT_EQ(header_value(r.headers, error_headers::kKind), kind);
  EXPECT_EQ(header_value(r.headers, error_headers::kNode), node);
  EXPECT_EQ(header_value(r.headers, error_headers::kTask), "0_0");
  EXPECT_TRUE(header_value(r.headers, error_headers::kException).has_value());
  EXPECT_FALSE(header_value(r.headers, error_headers::kMessage).value_or("").empty());
  if (source_known) {
    EXPECT_EQ(r.value, value);
    EXPECT_EQ(header_value(r.headers, error_headers::kTopic), input);
    EXPECT_EQ(header_value(r.headers, error_headers::kPartition), "0");
    EXPECT_EQ(header_value(r.headers, error_headers::kOffset), std::to_string(offset));
  }
}

TEST(ErrorHandlersOnKafka, DeadLetterSkipsEachKindAndSendsTheRecordWithItsContext) {
  HandlerRun run;
  run.send(kMixed);
  std::map<std::string, double> counts;
  EXPECT_EQ(run.run(run.config("dead_letter"), nullptr, &counts), KafkaStreams::State::kRunning);
  const auto out = read_all(run.output, 1);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].value, "rrr");
  EXPECT_EQ(out[1].value, "rrrr");
  EXPECT_EQ(counts["deserialization"], 1);
  EXPECT_EQ(counts["processing"], 1);
  EXPECT_EQ(counts["production"], 1);
  EXPECT_EQ(counts["dead_lettered"], 3);

  const auto dead = read_all(run.dlq, 1);
  ASSERT_EQ(dead.size(), 3u);
  expect_dead_letter(dead[0], run.input, kMixed[1], 1, "deserialization",
                     "KSTREAM-SOURCE-0000000000");
  EXPECT_EQ(header_value(dead[0].headers, error_headers::kException), "eddy::SerdeError");
  expect_dead_letter(dead[1], run.input, kMixed[2], 2, "processing", "receipt");
  EXPECT_EQ(header_value(dead[1].headers, error_headers::kException), "std::invalid_argument");
  // Kafka refused the receipt after it was sent: the dead letter is the refused record (the
  // source record was released by then), and the sink node says where.
  expect_dead_letter(dead[2], run.input, "", 3, "production", "KSTREAM-SINK-0000000001",
                     /*source_known=*/false);
  EXPECT_EQ(dead[2].value, std::string(30000, 'r'));
  EXPECT_NE(header_value(dead[2].headers, error_headers::kMessage)->find("too large"),
            std::string_view::npos);
}

TEST(ErrorHandlersOnKafka, LogAndContinueSkipsEachKindAndCountsIt) {
  HandlerRun run;
  run.send(kMixed);
  {
    // A null value: dropped on purpose by the source (not an error), and exported with why.
    kafka::Producer producer({.properties = real_props()});
    producer.send({.topic = run.input,
                   .key = std::string_view("order-null"),
                   .value = std::nullopt,
                   .timestamp = testing_support::recent_ms()});
    producer.flush(10s);
    run.values.push_back("");
  }
  std::map<std::string, double> counts;
  EXPECT_EQ(run.run(run.config("log_and_continue"), nullptr, &counts),
            KafkaStreams::State::kRunning);
  const auto out = read_all(run.output, 1);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(counts["deserialization"], 1);
  EXPECT_EQ(counts["processing"], 1);
  EXPECT_EQ(counts["production"], 1);
  EXPECT_EQ(counts["dead_lettered"], 0);
  EXPECT_EQ(counts["dropped_null_value"], 1);
  EXPECT_TRUE(read_all(run.dlq, 1).empty());
}

TEST(ErrorHandlersOnKafka, LogAndFailStopsTheInstanceForEachKind) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{not json", "deserialization"},
      {R"({"cents": -5})", "processing"},
      {R"({"cents": 30000})", "Message size too large"}};
  for (const auto& [bad, expected] : cases) {
    SCOPED_TRACE(expected);
    HandlerRun run;
    run.send({R"({"cents": 1})", bad, R"({"cents": 2})"});
    std::string error;
    EXPECT_EQ(run.run(run.config("log_and_fail"), &error), KafkaStreams::State::kError);
    EXPECT_NE(error.find(expected), std::string::npos) << error;
  }
}

TEST(ErrorHandlersOnKafka, ExactlyOnceSkipsAndDeadLettersRecordsRefusedAtSendTime) {
  // Under exactly-once a record Kafka refuses after it was sent makes the transaction
  // abortable; refused at send time (producer.message.max.bytes at most the topic's
  // max.message.bytes) it never enters the transaction, which then commits.
  for (const std::string handling : {"dead_letter", "log_and_continue"}) {
    SCOPED_TRACE(handling);
    HandlerRun run;
    run.send(kMixed);
    std::map<std::string, double> counts;
    EXPECT_EQ(run.run(run.config(handling, /*exactly_once=*/true,
                                 {{"producer.message.max.bytes", "20000"}}),
                      nullptr, &counts),
              KafkaStreams::State::kRunning);
    const auto out = read_all(run.output, 1, /*committed=*/true);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[1].value, "rrrr");
    EXPECT_EQ(counts["production"], 1);
    const auto dead = read_all(run.dlq, 1, /*committed=*/true);
    if (handling == "dead_letter") {
      ASSERT_EQ(dead.size(), 3u);
      // Refused at send time: the source record is known, as for the other kinds.
      expect_dead_letter(dead[2], run.input, kMixed[3], 3, "production", "KSTREAM-SINK-0000000001");
    } else {
      EXPECT_TRUE(dead.empty());
    }
  }
}

TEST(ErrorHandlersOnKafka, ExactlyOnceFailsWhenKafkaRefusesARecordAfterItWasSent) {
  HandlerRun run;
  run.send(kMixed);
  std::string error;
  EXPECT_EQ(run.run(run.config("log_and_continue", /*exactly_once=*/true), &error),
            KafkaStreams::State::kError);
  EXPECT_NE(error.find("transaction cannot commit"), std::string::npos) << error;
  EXPECT_TRUE(read_all(run.output, 1, /*committed=*/true).empty());
}

// --- backpressure ---------------------------------------------------------------------------

// A redis-server of this test's own (the shared one stays up for the other tests). With an
// append-only file, so what was written before it stopped is there again when it restarts.
std::unique_ptr<testing_support::ChildProcess> start_redis(int port, const std::string& dir) {
  auto redis = std::make_unique<testing_support::ChildProcess>(
      std::vector<std::string>{"/usr/bin/redis-server", "--port", std::to_string(port), "--bind",
                               "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync",
                               "always", "--dir", dir},
      dir + "/redis.log");
  return redis;
}

bool redis_answers(int port) {
  auto [status, out] =
      testing_support::run_command("redis-cli -p " + std::to_string(port) + " ping 2>/dev/null");
  return status == 0 && out.find("PONG") != std::string::npos;
}

TEST(BackpressureOnKafka, RedisDownForTwiceMaxPollIntervalKeepsTheGroupAndLosesNothing) {
  const std::string input = unique_name("it.backpressure");
  const std::string app = unique_name("backpressure-app");
  const std::string dir = state_dir_for(app);
  std::filesystem::create_directories(dir);
  kafka::Admin(real_props()).create_topics({{.name = input, .partitions = 2}});
  const int port = testing_support::free_port();
  ASSERT_GT(port, 0);
  auto redis = start_redis(port, dir);
  ASSERT_TRUE(wait_until([&] { return redis_answers(port); }, 10s));

  RedisSinkOptions options;
  options.sink.name = "outage";
  options.sink.max_pending = 200;  // pushes back soon after Redis goes away
  options.sink.retry_backoff_max = 1000ms;
  options.port = port;
  options.key_prefix = app + ":";
  options.connect_timeout = 300ms;
  options.command_timeout = 500ms;
  auto sink = std::make_shared<RedisSink>(options);

  StreamsBuilder builder;
  builder.stream<std::string, std::string>(input).to_sink(
      sink, [](const std::string& key, const std::string& value) {
        return FeatureRow{key, FeatureFields{{"value", value}}};
      });
  constexpr auto kMaxPollInterval = 8s;
  auto config = StreamsConfig::from_properties(
      {{"application.id", app},
       {"bootstrap.servers", real_bootstrap()},
       {"state.dir", dir},
       {"commit.interval.ms", "500"},
       {"poll.ms", "20"},
       {"consumer.session.timeout.ms", "6000"},
       {"consumer.max.poll.interval.ms", std::to_string(kMaxPollInterval.count() * 1000)}});
  KafkaStreams streams(builder.build(config), config);
  std::atomic<int> rebalances_after_running{0};
  std::atomic<bool> running_once{false};
  streams.set_state_listener([&](KafkaStreams::State, KafkaStreams::State now) {
    if (now == KafkaStreams::State::kRunning) running_once = true;
    if (now == KafkaStreams::State::kRebalancing && running_once) ++rebalances_after_running;
  });
  streams.start();
  ASSERT_TRUE(wait_until([&] { return streams.state() == KafkaStreams::State::kRunning; }, 60s));

  // Records flow the whole time: distinct keys, so no update is coalesced away.
  std::atomic<bool> stop{false};
  std::atomic<int> sent{0};
  std::thread feeder([&] {
    kafka::Producer producer({.properties = real_props()});
    const int64_t base = testing_support::recent_ms();
    while (!stop) {
      const int i = sent.load();
      producer.send({.topic = input,
                     .key = "c" + std::to_string(i),
                     .value = "v" + std::to_string(i),
                     .timestamp = base + i});
      producer.flush(10s);
      ++sent;
      std::this_thread::sleep_for(5ms);
    }
  });
  auto generation = [&] { return metric(streams, "eddy_consumer_group_generation"); };
  ASSERT_TRUE(wait_until([&] { return sent > 200 && generation() > 0; }, 30s));
  const double generation_before = generation();

  redis->terminate();  // Redis goes away for twice max.poll.interval.ms
  const auto outage_start = std::chrono::steady_clock::now();
  EXPECT_TRUE(wait_until([&] { return metric(streams, "eddy_sink_paused") == 1; }, 20s))
      << "the sink never pushed back";
  std::this_thread::sleep_for(2 * kMaxPollInterval -
                              (std::chrono::steady_clock::now() - outage_start));
  EXPECT_EQ(streams.state(), KafkaStreams::State::kRunning);
  redis = start_redis(port, dir);
  ASSERT_TRUE(wait_until([&] { return redis_answers(port); }, 10s));
  std::this_thread::sleep_for(2s);  // a little flow after the outage too
  stop = true;
  feeder.join();
  const int total = sent.load();

  // Every feature lands once Redis is back; the member never left the group.
  EXPECT_TRUE(wait_until([&] { return streams.records_processed() >= total; }, 60s))
      << streams.records_processed() << " of " << total;
  EXPECT_TRUE(
      wait_until([&] { return sink->stats().pending + sink->stats().in_flight == 0; }, 60s));
  EXPECT_EQ(generation(), generation_before);
  EXPECT_EQ(rebalances_after_running.load(), 0);
  EXPECT_EQ(streams.state(), KafkaStreams::State::kRunning);
  EXPECT_GT(sink->stats().pause_events, 0u);
  EXPECT_TRUE(streams.close(30s));

  int missing = 0;
  {
    auto [status, out] = testing_support::run_command("redis-cli -p " + std::to_string(port) +
                                                      " --scan --pattern '" + app + ":*' | wc -l");
    ASSERT_EQ(status, 0);
    EXPECT_EQ(std::stoi(out), total);
  }
  for (int i = 0; i < total; i += 97) {  // and spot-check values
    auto [status, out] =
        testing_support::run_command("redis-cli -p " + std::to_string(port) + " hget " + app +
                                     ":c" + std::to_string(i) + " value");
    if (out != "v" + std::to_string(i) + "\n") ++missing;
  }
  EXPECT_EQ(missing, 0);
  sink->close();
  redis->terminate();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace eddy
