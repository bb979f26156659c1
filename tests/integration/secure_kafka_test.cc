// Eddy on the secure listeners of `scripts/kafka.sh start --secure`: every client of the
// runtime (consumers, producers, admin), its internal topics (repartition, changelog), the
// dead-letter topic and the Kafka sink over TLS and SASL_SSL; a wrong password, an unknown CA
// and a plaintext client on a TLS port each fail start() quickly with a message naming the
// cause; and no secret reaches a log line, an exception message, a metric or a config dump.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <librdkafka/rdkafka.h>
#include <nlohmann/json.hpp>

#include "eddy/dsl/streams_builder.h"
#include "eddy/kafka_streams.h"
#include "eddy/logging.h"
#include "eddy/serde/serdes.h"
#include "eddy/sink/kafka_topic_sink.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "support/child_process.h"
#include "support/real_kafka.h"
#include "support/secure_kafka.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using testing_support::secure_props;
using testing_support::unique_name;

constexpr int64_t kWindowMs = 60'000;

struct PageView {
  std::string page;
};
void to_json(nlohmann::json& j, const PageView& v) {
  j = {{"page", v.page}};
}
void from_json(const nlohmann::json& j, PageView& v) {
  j.at("page").get_to(v.page);
}

// A StreamsConfig whose Kafka settings (bootstrap.servers, security.protocol, ssl.*, sasl.*)
// all come from the listener's client properties file, as an app's --kafka-config does.
StreamsConfig secure_config(const std::string& listener, const std::string& app,
                            Properties extra = {}) {
  Properties properties = secure_props(listener);
  properties["application.id"] = app;
  properties["state.dir"] = (std::filesystem::temp_directory_path() / app).string();
  properties["poll.ms"] = "20";
  for (auto& [key, value] : extra) properties[key] = value;
  return StreamsConfig::from_properties(properties);
}

struct ReadRecord {
  std::string key;
  std::optional<std::string> value;
};

// Everything in `topic` (read_committed), through the listener's client properties.
std::vector<ReadRecord> read_all(const Properties& props, const std::string& topic,
                                 int partitions) {
  kafka::Consumer reader(
      {.properties = props, .group_id = unique_name("secure-reader"), .read_committed = true});
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (int p = 0; p < partitions; ++p) assignment.push_back({topic, p, kafka::kOffsetBeginning});
  reader.assign(assignment);
  std::vector<ReadRecord> out;
  int empty = 0;
  while (empty < 8) {
    auto batch = reader.poll_batch(5000, 250ms);
    empty = batch.empty() ? empty + 1 : 0;
    for (const auto& m : batch) {
      if (m.error_code() != 0) continue;
      out.push_back({std::string(m.key().value_or("")),
                     m.value() ? std::optional<std::string>(*m.value()) : std::nullopt});
    }
  }
  return out;
}

void wait_for_processed(KafkaStreams& streams, int64_t records, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (streams.records_processed() < records && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
}

// The windowed count of the first test: re-keyed by page (a repartition topic), counted per
// one-minute window in a RocksDB store with a changelog.
Topology windowed_page_counts(const StreamsConfig& config, const std::string& input,
                              const std::string& output) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>(input)
      .group_by([](const std::string&, const std::string& page) { return page; },
                Grouped<std::string, std::string>::with_name("by-page"))
      // Grace for the whole input: records of three input partitions meet in each
      // repartition partition out of timestamp order, and none may be dropped as late.
      .windowed_by(TimeWindows::of_size_and_grace(std::chrono::milliseconds(kWindowMs),
                                                  std::chrono::minutes(10)))
      .count(Materialized<std::string, int64_t>::as("page-minutes"))
      .to_stream()
      .to(output, Produced<Windowed<std::string>, std::optional<int64_t>>::with(
                      serdes::time_windowed(serdes::string(), kWindowMs),
                      serdes::nullable(serdes::int64())));
  return builder.build(config);
}

// Runs the windowed count over `listener` and checks it exactly; returns the input count.
void run_exact_windowed_count(const std::string& listener) {
  const Properties props = secure_props(listener);
  const std::string input = unique_name("it.secure.pages");
  const std::string output = input + ".minutes";
  const std::string app = unique_name("secure-pages");
  kafka::Admin admin(props);
  admin.create_topics({{.name = input, .partitions = 3}, {.name = output, .partitions = 3}});

  const std::vector<std::string> pages = {"home", "cart", "search", "checkout"};
  std::map<std::pair<std::string, int64_t>, int64_t> expected;
  constexpr int kRecords = 3000;
  const int64_t base_ts = testing_support::recent_ms() / kWindowMs * kWindowMs;
  {
    kafka::Producer producer({.properties = props});
    for (int i = 0; i < kRecords; ++i) {
      const std::string& page = pages[static_cast<size_t>(i * 7) % pages.size()];
      const int64_t ts = base_ts + i * 60;  // 3 minutes of events: three windows
      producer.send(
          {.topic = input, .key = "visit-" + std::to_string(i), .value = page, .timestamp = ts});
      ++expected[{page, ts / kWindowMs * kWindowMs}];
    }
    producer.flush(30s);
  }

  const StreamsConfig config =
      secure_config(listener, app, {{"processing.guarantee", "exactly_once_v2"}});
  {
    KafkaStreams streams(windowed_page_counts(config, input, output), config);
    streams.start();
    wait_for_processed(streams, 2 * kRecords, 120s);  // re-key, then count
    EXPECT_EQ(streams.state(), KafkaStreams::State::kRunning);
    EXPECT_TRUE(streams.close(30s));
  }

  std::map<std::pair<std::string, int64_t>, int64_t> latest;
  const auto keys = serdes::time_windowed(serdes::string(), kWindowMs);
  const auto counts = serdes::int64();
  for (const auto& r : read_all(props, output, 3)) {
    ASSERT_TRUE(r.value.has_value());
    const Windowed<std::string> w = keys.deserialize(r.key);
    latest[{w.key, w.start}] = counts.deserialize(*r.value);
  }
  EXPECT_EQ(latest, expected);
  const auto topics = admin.list_topics();
  EXPECT_EQ(topics.at(app + "-by-page-repartition"), 3);
  EXPECT_EQ(topics.at(app + "-page-minutes-changelog"), 3);
  std::filesystem::remove_all(config.state_dir);
}

TEST(SecureKafka, WindowedCountWithRepartitionIsExactUnderExactlyOnceOverSaslSsl) {
  EDDY_REQUIRE_SECURE_BROKER();
  run_exact_windowed_count("sasl-ssl");
}

TEST(SecureKafka, KafkaSinkAndDeadLetterTopicWorkOverTls) {
  EDDY_REQUIRE_SECURE_BROKER();
  const Properties props = secure_props("ssl");
  const std::string input = unique_name("it.secure.views");
  const std::string features = input + ".features";
  const std::string dead_letters = input + ".dlq";
  const std::string app = unique_name("secure-sink");
  kafka::Admin admin(props);
  admin.create_topics({{.name = input, .partitions = 2},
                       {.name = features, .partitions = 2},
                       {.name = dead_letters, .partitions = 1}});

  std::set<std::string> good_keys;
  std::set<std::string> bad_keys;
  {
    kafka::Producer producer({.properties = props});
    const int64_t base_ts = testing_support::recent_ms();
    for (int i = 0; i < 400; ++i) {
      const std::string key = "visit-" + std::to_string(i);
      const bool bad = i % 10 == 3;
      (bad ? bad_keys : good_keys).insert(key);
      producer.send({.topic = input,
                     .key = key,
                     .value = bad ? std::string("{not json") : R"({"page": "home"})",
                     .timestamp = base_ts + i});
    }
    producer.flush(30s);
  }

  const StreamsConfig config =
      secure_config("ssl", app,
                    {{"default.deserialization.exception.handler", "dead_letter"},
                     {"errors.dead.letter.queue.topic.name", dead_letters}});
  KafkaTopicSinkOptions sink_options;
  sink_options.sink.name = "secure-features";
  sink_options.sink.latency_budget = 5ms;
  sink_options.producer_properties = config.producer_properties();  // TLS, client certificate
  sink_options.topic = features;
  auto sink = std::make_shared<KafkaTopicSink>(sink_options);
  StreamsBuilder builder;
  builder
      .stream<std::string, PageView>(
          input, Consumed<std::string, PageView>::with(serdes::string(), serdes::json<PageView>()))
      .to_sink(sink, [](const std::string& key, const PageView& view) {
        return FeatureRow{key, FeatureFields{{"page", view.page}}};
      });
  {
    KafkaStreams streams(builder.build(config), config);
    streams.start();
    wait_for_processed(streams, 400, 90s);
    EXPECT_EQ(streams.state(), KafkaStreams::State::kRunning);
    EXPECT_TRUE(streams.close(30s));
  }

  std::set<std::string> feature_keys;
  for (const auto& r : read_all(props, features, 2)) {
    feature_keys.insert(r.key);
    ASSERT_TRUE(r.value.has_value());
    EXPECT_EQ(nlohmann::json::parse(*r.value), (nlohmann::json{{"page", "home"}}));
  }
  EXPECT_EQ(feature_keys, good_keys);
  std::set<std::string> dead_keys;
  for (const auto& r : read_all(props, dead_letters, 1)) dead_keys.insert(r.key);
  EXPECT_EQ(dead_keys, bad_keys);
  std::filesystem::remove_all(config.state_dir);
}

// start() of an instance that cannot connect: the KafkaError message and how long it took.
std::pair<std::string, std::chrono::milliseconds> failed_start(const StreamsConfig& config) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("it.secure.never-read").to("it.secure.never-written");
  KafkaStreams streams(builder.build(config), config);
  const auto start = std::chrono::steady_clock::now();
  std::string message;
  try {
    streams.start();
    ADD_FAILURE() << "start() succeeded";
  } catch (const KafkaError& e) {
    message = e.what();
  }
  std::cout << "start() failed: " << message << "\n";
  return {message, std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - start)};
}

TEST(SecureKafka, AWrongPasswordFailsStartNamingTheAuthenticationFailure) {
  EDDY_REQUIRE_SECURE_BROKER();
  const auto [message, took] = failed_start(
      secure_config("sasl-ssl", unique_name("secure-wrong-pw"), {{"sasl.password", "not-it"}}));
  EXPECT_LT(took, 30s);
  EXPECT_NE(message.find("SASL authentication failed"), std::string::npos) << message;
  EXPECT_NE(message.find("sasl.password"), std::string::npos) << message;
  EXPECT_EQ(message.find("is the broker running"), std::string::npos) << message;
  EXPECT_EQ(message.find("not-it"), std::string::npos) << message;  // no password, wrong or right
  for (const auto& secret : testing_support::secure_secrets()) {
    EXPECT_EQ(message.find(secret), std::string::npos) << message;
  }
}

// SCRAM-SHA-512 with the right password: librdkafka before 2.6.1 cannot log in to Kafka 4.x
// (librdkafka#4895), and the error says so instead of blaming the password alone.
TEST(SecureKafka, ScramWithAnOldLibrdkafkaFailsSayingWhy) {
  EDDY_REQUIRE_SECURE_BROKER();
  if (rd_kafka_version() >= 0x020601ff) GTEST_SKIP() << "this librdkafka does SCRAM right";
  const std::string app = unique_name("secure-scram");
  Properties properties = secure_props("sasl-ssl-scram");
  properties["application.id"] = app;
  properties["state.dir"] = (std::filesystem::temp_directory_path() / app).string();
  const auto [message, took] = failed_start(StreamsConfig::from_properties(properties));
  EXPECT_LT(took, 30s);
  EXPECT_NE(message.find("SASL authentication failed"), std::string::npos) << message;
  EXPECT_NE(message.find("librdkafka 2.6.1 or newer, or PLAIN"), std::string::npos) << message;
}

TEST(SecureKafka, AnUnknownCaFailsStartNamingTheCertificate) {
  EDDY_REQUIRE_SECURE_BROKER();
  // A CA of our own that did not sign the broker's certificate.
  const auto dir = std::filesystem::temp_directory_path() / unique_name("other-ca");
  std::filesystem::create_directories(dir);
  const auto [status, out] = testing_support::run_command(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other-ca -keyout " +
      (dir / "ca.key").string() + " -out " + (dir / "ca.pem").string() + " 2>&1");
  ASSERT_EQ(status, 0) << out;
  const auto [message, took] =
      failed_start(secure_config("sasl-ssl", unique_name("secure-wrong-ca"),
                                 {{"ssl.ca.location", (dir / "ca.pem").string()}}));
  EXPECT_LT(took, 30s);
  EXPECT_NE(message.find("TLS handshake failed"), std::string::npos) << message;
  EXPECT_NE(message.find("ssl.ca.location"), std::string::npos) << message;
  EXPECT_EQ(message.find("is the broker running"), std::string::npos) << message;
  std::filesystem::remove_all(dir);
}

TEST(SecureKafka, APlaintextClientOnTheTlsPortFailsStartNamingSecurityProtocol) {
  EDDY_REQUIRE_SECURE_BROKER();
  const std::string tls_bootstrap = secure_props("ssl").at("bootstrap.servers");
  const std::string app = unique_name("secure-plaintext");
  const auto [message, took] = failed_start(StreamsConfig::from_properties(
      {{"application.id", app},
       {"bootstrap.servers", tls_bootstrap},
       {"state.dir", (std::filesystem::temp_directory_path() / app).string()}}));
  EXPECT_LT(took, 30s);
  EXPECT_NE(message.find("security.protocol 'plaintext'"), std::string::npos) << message;
  EXPECT_EQ(message.find("is the broker running"), std::string::npos) << message;
}

#ifdef EDDY_CHECKOUT_ALERTS_BINARY
// The example apps take the same file with --kafka-config: eddy-smoke produces and consumes
// over TLS with a client certificate; eddy-checkout-alerts (whose flags every retail app
// shares) counts, creates its output topic and alerts over SASL_SSL.
TEST(SecureKafka, ExampleAppsConnectWithKafkaConfig) {
  EDDY_REQUIRE_SECURE_BROKER();
  const std::string dir = testing_support::secure_dir();
  const std::string smoke_topic = unique_name("it.secure.smoke");
  const auto [smoke_status, smoke_out] = testing_support::run_command(
      std::string(EDDY_SMOKE_BINARY) + " --kafka-config " + dir +
      "/client-ssl.properties --count 2000 --partitions 2 --topic " + smoke_topic + " 2>&1");
  EXPECT_EQ(smoke_status, 0) << smoke_out;
  EXPECT_NE(smoke_out.find("consumed 2000 records"), std::string::npos) << smoke_out;

  const Properties props = secure_props("sasl-ssl");
  const std::string app = unique_name("it-secure-alerts");
  const std::string events = app + ".events";
  const std::string alerts = app + ".alerts";
  kafka::Admin admin(props);
  admin.create_topics({{.name = events, .partitions = 1}});
  const int64_t base = testing_support::recent_ms() / 10000 * 10000;
  {
    kafka::Producer producer({.properties = props});
    for (int64_t at : {1000, 2000, 3000}) {  // c1's third failure in one window: one alert
      producer.send({.topic = events,
                     .key = "c1",
                     .value = nlohmann::json{{"event_id", "c1-" + std::to_string(at)},
                                             {"type", "checkout_failed"},
                                             {"customer_id", "c1"},
                                             {"ts", base + at}}
                                  .dump(),
                     .timestamp = base + at});
    }
    producer.flush(10s);
  }
  const auto state_dir = std::filesystem::temp_directory_path() / app;
  const std::string log = (std::filesystem::temp_directory_path() / (app + ".log")).string();
  testing_support::ChildProcess child(
      {EDDY_CHECKOUT_ALERTS_BINARY, "--kafka-config", dir + "/client-sasl-ssl.properties",
       "--application-id", app, "--state-dir", state_dir.string(), "--events-topic", events,
       "--alerts-topic", alerts, "--window", "10s", "--threshold", "3", "--commit-interval",
       "500ms"},
      log);
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!admin.describe_topic(alerts) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(admin.describe_topic(alerts))
      << "the app did not create " << alerts << "; see " << log;
  std::vector<std::string> keys;
  {
    kafka::Consumer consumer({.properties = props, .group_id = app + "-reader"});
    consumer.subscribe({alerts});
    const auto until = std::chrono::steady_clock::now() + 60s;
    while (keys.empty() && std::chrono::steady_clock::now() < until) {
      for (const auto& m : consumer.poll_batch(100, 200ms)) {
        keys.push_back(std::string(m.key().value_or("")));
      }
    }
    consumer.close();
  }
  EXPECT_EQ(child.terminate(), 0) << "see " << log;
  EXPECT_EQ(keys, std::vector<std::string>{"c1"}) << "see " << log;
  std::filesystem::remove_all(state_dir);
}
#endif

// Every log line (Eddy's, librdkafka's with its security and configuration debug output, and
// RocksDB's), every exception message, the metrics and the config dump of a secure run: none
// holds a password or a line of the private key.
TEST(SecureKafka, NoSecretReachesALogLineAnExceptionAMetricOrAConfigDump) {
  EDDY_REQUIRE_SECURE_BROKER();
  std::mutex mutex;
  std::vector<std::string> lines;
  std::set<std::string> sources;
  set_log_level(LogLevel::kTrace);
  set_log_callback([&](const LogRecord& r) {
    std::lock_guard lock(mutex);
    sources.insert(std::string(r.source));
    lines.push_back(std::string(r.source) + " " + std::string(r.message));
  });
  std::vector<std::string> texts;  // exception messages, metrics, config dumps

  // A run over each listener, with librdkafka's security and config debug output on.
  for (const std::string listener : {"sasl-ssl", "ssl"}) {
    const std::string input = unique_name("it.secure.leak");
    const Properties props = secure_props(listener);
    kafka::Admin admin(props);
    admin.create_topics({{.name = input, .partitions = 1}});
    {
      kafka::Producer producer({.properties = props});
      for (int i = 0; i < 20; ++i) {
        producer.send({.topic = input,
                       .key = "k" + std::to_string(i % 3),
                       .value = "v",
                       .timestamp = testing_support::recent_ms()});
      }
      producer.flush(30s);
    }
    const StreamsConfig config = secure_config(
        listener, unique_name("secure-leak"),
        {{"debug", "security,conf,broker"}, {"processing.guarantee", "exactly_once_v2"}});
    texts.push_back(nlohmann::json(config.redacted_properties()).dump());
    StreamsBuilder builder;
    builder.stream<std::string, std::string>(input).group_by_key().count(
        Materialized<std::string, int64_t>::as("leak-counts"));
    KafkaStreams streams(builder.build(config), config);
    streams.start();
    wait_for_processed(streams, 20, 60s);
    texts.push_back(streams.metrics().dump());
    for (const auto& sample : streams.metrics_source()()) {
      for (const auto& [key, value] : sample.labels) texts.push_back(key + "=" + value);
    }
    EXPECT_TRUE(streams.close(30s));
    std::filesystem::remove_all(config.state_dir);
  }
  // Failures carry messages from librdkafka: a wrong password, a bad key password, a bad
  // property value.
  texts.push_back(failed_start(secure_config("sasl-ssl", unique_name("secure-leak-pw"),
                                             {{"sasl.password", "wrong-password-1"}}))
                      .first);
  try {
    kafka::Admin admin([] {
      Properties p = secure_props("ssl");
      p["ssl.key.password"] = "wrong-key-password-2";
      return p;
    }());
    admin.list_topics();
    ADD_FAILURE() << "a wrong ssl.key.password was accepted";
  } catch (const Error& e) {
    texts.push_back(e.what());
  }
  try {
    Properties p = secure_props("sasl-ssl");
    p["application.id"] = "leak";
    p["security.protocol"] = "not-a-protocol";
    StreamsConfig::from_properties(p);
    ADD_FAILURE() << "an unknown security.protocol was accepted";
  } catch (const ConfigError& e) {
    texts.push_back(e.what());
  }
  set_log_callback(nullptr);
  set_log_level(LogLevel::kInfo);

  std::vector<std::string> secrets = testing_support::secure_secrets();
  secrets.push_back("wrong-password-1");
  secrets.push_back("wrong-key-password-2");
  std::lock_guard lock(mutex);
  EXPECT_GT(lines.size(), 100u);
  EXPECT_TRUE(sources.contains("eddy") && sources.contains("librdkafka") &&
              sources.contains("rocksdb"))
      << "sources seen: " << sources.size();
  for (const auto& secret : secrets) {
    for (const auto& line : lines) ASSERT_EQ(line.find(secret), std::string::npos) << line;
    for (const auto& text : texts) ASSERT_EQ(text.find(secret), std::string::npos) << text;
  }
  // The dump names the secret keys, hiding their values.
  bool hidden = false;
  for (const auto& line : lines) {
    hidden = hidden || (line.find("sasl.password = [hidden]") != std::string::npos);
  }
  EXPECT_TRUE(hidden) << "the StreamsConfig dump at start should show sasl.password hidden";
}

}  // namespace
}  // namespace eddy
