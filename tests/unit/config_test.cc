#include <gtest/gtest.h>

#include "eddy/config.h"
#include "eddy/errors.h"
#include "kafka/client_config.h"

namespace eddy {
namespace {

// Runs `fn`, expecting a ConfigError for `key` whose message contains `fragment`.
template <typename Fn>
void expect_config_error(Fn fn, const std::string& key, const std::string& fragment) {
  try {
    fn();
    FAIL() << "expected ConfigError for " << key;
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), key) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(StreamsConfig, ParsesKnownKeysIntoTypedFields) {
  const auto config = StreamsConfig::from_properties({
      {"application.id", "session-scoring"},
      {"bootstrap.servers", "localhost:9092,127.0.0.1:9094"},
      {"state.dir", "/tmp/x"},
      {"num.stream.threads", "3"},
      {"processing.guarantee", "exactly_once_v2"},
      {"statestore.cache.max.bytes", "1024"},
      {"default.deserialization.exception.handler", "dead_letter"},
      {"errors.dead.letter.queue.topic.name", "dlq"},
      {"linger.ms", "7"},
      {"consumer.fetch.wait.max.ms", "5"},
  });
  EXPECT_EQ(config.application_id, "session-scoring");
  EXPECT_EQ(config.num_stream_threads, 3);
  EXPECT_TRUE(config.exactly_once());
  EXPECT_EQ(config.effective_commit_interval(), std::chrono::milliseconds(100));
  EXPECT_EQ(config.cache_max_bytes, 1024);
  EXPECT_EQ(config.deserialization_error_handling, ErrorHandling::kDeadLetter);
  EXPECT_FALSE(config.uses_embedded_broker());
  EXPECT_EQ(config.client_properties.at("linger.ms"), "7");
  EXPECT_EQ(config.client_properties.at("consumer.fetch.wait.max.ms"), "5");
}

TEST(StreamsConfig, DefaultsFollowKafkaStreams) {
  StreamsConfig config;
  config.application_id = "app";
  config.validate();
  EXPECT_TRUE(config.uses_embedded_broker());
  EXPECT_EQ(config.effective_commit_interval(), std::chrono::milliseconds(30000));
  EXPECT_EQ(config.deserialization_error_handling, ErrorHandling::kLogAndContinue);
  EXPECT_EQ(config.processing_error_handling, ErrorHandling::kLogAndFail);
}

TEST(StreamsConfig, UnknownKeyIsNamedInTheError) {
  expect_config_error(
      [] {
        StreamsConfig::from_properties({{"application.id", "a"}, {"lingr.ms", "5"}});
      },
      "lingr.ms", "No such configuration property");
}

TEST(StreamsConfig, InvalidLibrdkafkaValueIsNamedInTheError) {
  expect_config_error(
      [] {
        StreamsConfig::from_properties({{"application.id", "a"}, {"producer.acks", "lots"}});
      },
      "producer.acks", "Invalid value");
}

TEST(StreamsConfig, MissingApplicationIdSaysWhatItIsFor) {
  expect_config_error([] { StreamsConfig::from_properties({}); }, "application.id", "is required");
}

TEST(StreamsConfig, ApplicationIdCharactersAreChecked) {
  expect_config_error(
      [] {
        StreamsConfig::from_properties({{"application.id", "my app"}});
      },
      "application.id", "letters, digits");
  for (const std::string dots : {".", ".."}) {
    expect_config_error(
        [&] {
          StreamsConfig::from_properties({{"application.id", dots}});
        },
        "application.id", "outside state.dir");
  }
}

TEST(StreamsConfig, BadBootstrapServersAreRejected) {
  expect_config_error(
      [] {
        StreamsConfig::from_properties(
            {{"application.id", "a"}, {"bootstrap.servers", "localhost"}});
      },
      "bootstrap.servers", "is not host:port");
  expect_config_error(
      [] {
        StreamsConfig::from_properties({{"application.id", "a"}, {"bootstrap.servers", "h:99999"}});
      },
      "bootstrap.servers", "1..65535");
  expect_config_error(
      [] {
        StreamsConfig::from_properties({{"application.id", "a"}, {"bootstrap.servers", "h:92,"}});
      },
      "bootstrap.servers", "is not host:port");
}

TEST(StreamsConfig, BadGuaranteeListsTheChoices) {
  expect_config_error(
      [] {
        StreamsConfig::from_properties(
            {{"application.id", "a"}, {"processing.guarantee", "exactly_once"}});
      },
      "processing.guarantee", "at_least_once or exactly_once_v2");
}

TEST(StreamsConfig, NonNumericValueIsRejected) {
  expect_config_error(
      [] {
        StreamsConfig::from_properties({{"application.id", "a"}, {"num.stream.threads", "two"}});
      },
      "num.stream.threads", "not an integer");
  expect_config_error(
      [] {
        StreamsConfig::from_properties({{"application.id", "a"}, {"num.stream.threads", "0"}});
      },
      "num.stream.threads", "out of range");
}

TEST(StreamsConfig, DeadLetterHandlerNeedsATopic) {
  expect_config_error(
      [] {
        StreamsConfig::from_properties(
            {{"application.id", "a"}, {"processing.exception.handler", "dead_letter"}});
      },
      "errors.dead.letter.queue.topic.name", "required");
}

TEST(StreamsConfig, KeysEddyManagesCannotBeSet) {
  expect_config_error(
      [] {
        StreamsConfig::from_properties({{"application.id", "a"}, {"group.id", "x"}});
      },
      "group.id", "managed by Eddy");
}

TEST(StreamsConfig, JavaOnlyKeysPointToTheEddyWay) {
  expect_config_error(
      [] {
        StreamsConfig::from_properties(
            {{"application.id", "a"}, {"cache.max.bytes.buffering", "1"}});
      },
      "cache.max.bytes.buffering", "statestore.cache.max.bytes");
}

TEST(StreamsConfig, CacheMustFitTheMemoryBudget) {
  expect_config_error(
      [] {
        StreamsConfig::from_properties({{"application.id", "a"},
                                        {"eddy.memory.budget.bytes", "2097152"},
                                        {"statestore.cache.max.bytes", "4194304"}});
      },
      "statestore.cache.max.bytes", "exceeds eddy.memory.budget.bytes");
}

}  // namespace
}  // namespace eddy

namespace eddy {
namespace {

TEST(StreamsConfig, MetricsKeysParseAndDefault) {
  const StreamsConfig defaults = StreamsConfig::from_properties({{"application.id", "a"}});
  EXPECT_EQ(defaults.metrics_port, 0);
  EXPECT_EQ(defaults.metrics_recording_level, MetricsRecordingLevel::kInfo);
  EXPECT_EQ(defaults.metrics_log_interval, std::chrono::seconds(60));
  const StreamsConfig set = StreamsConfig::from_properties({{"application.id", "a"},
                                                            {"metrics.port", "9464"},
                                                            {"metrics.recording.level", "debug"},
                                                            {"metrics.log.interval.ms", "0"}});
  EXPECT_EQ(set.metrics_port, 9464);
  EXPECT_EQ(set.metrics_recording_level, MetricsRecordingLevel::kDebug);
  EXPECT_EQ(set.metrics_log_interval.count(), 0);
}

TEST(StreamsConfig, BadMetricsValuesAreNamed) {
  expect_config_error(
      [] {
        StreamsConfig::from_properties({{"application.id", "a"}, {"metrics.port", "70000"}});
      },
      "metrics.port", "out of range");
  expect_config_error(
      [] {
        StreamsConfig::from_properties(
            {{"application.id", "a"}, {"metrics.recording.level", "trace"}});
      },
      "metrics.recording.level", "use info or debug");
  expect_config_error(
      [] {
        StreamsConfig config;
        config.application_id = "a";
        config.metrics_port = -1;
        config.validate();
      },
      "metrics.port", "127.0.0.1");
}

TEST(StreamsConfig, StandbyReplicasDefaultToZeroAndAreValidated) {
  EXPECT_EQ(StreamsConfig::from_properties({{"application.id", "a"}}).num_standby_replicas, 0);
  EXPECT_EQ(StreamsConfig::from_properties({{"application.id", "a"}, {"num.standby.replicas", "2"}})
                .num_standby_replicas,
            2);
  EXPECT_THROW(
      StreamsConfig::from_properties({{"application.id", "a"}, {"num.standby.replicas", "-1"}}),
      ConfigError);
  StreamsConfig config = StreamsConfig::from_properties({{"application.id", "a"}});
  config.num_standby_replicas = 17;
  EXPECT_THROW(config.validate(), ConfigError);
}

TEST(StreamsConfig, ConsumersStartAtLatestOnlyWhenAutoOffsetResetSaysSoTheConsumerPrefixWins) {
  auto with = [](std::map<std::string, std::string> props) {
    props["application.id"] = "a";
    return kafka::consumer_starts_at_latest(StreamsConfig::from_properties(props));
  };
  EXPECT_FALSE(with({}));  // earliest, as Kafka Streams
  EXPECT_TRUE(with({{"auto.offset.reset", "latest"}}));
  EXPECT_TRUE(with({{"auto.offset.reset", "largest"}}));
  EXPECT_FALSE(with({{"auto.offset.reset", "earliest"}}));
  EXPECT_TRUE(with({{"auto.offset.reset", "earliest"}, {"consumer.auto.offset.reset", "latest"}}));
  EXPECT_FALSE(with({{"auto.offset.reset", "latest"}, {"consumer.auto.offset.reset", "earliest"}}));
  EXPECT_TRUE(with({{"producer.auto.offset.reset", "earliest"}, {"auto.offset.reset", "latest"}}));
}

}  // namespace
}  // namespace eddy
