// The example apps' common flags (examples/common/app_options.h, duration.h).
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "common/app_options.h"
#include "common/duration.h"
#include "eddy/errors.h"
#include "kafka/client_config.h"

namespace eddy::examples {
namespace {
using namespace std::chrono_literals;

// Parses `args` as an app's command line; returns CLI11's error text ("" when accepted).
std::string parse(AppOptions& options, std::vector<std::string> args,
                  std::chrono::milliseconds* gap = nullptr) {
  CLI::App cli{"test"};
  add_app_options(cli, options);
  std::chrono::milliseconds unused{0};
  add_duration_option(cli, "--gap", gap ? *gap : unused, "gap");
  std::vector<const char*> argv{"app"};
  for (const auto& arg : args) argv.push_back(arg.c_str());
  try {
    cli.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    return e.what();
  }
  return "";
}

TEST(ExampleDurations, UnitsConvertToMilliseconds) {
  EXPECT_EQ(parse_duration("250"), 250ms);
  EXPECT_EQ(parse_duration("30s"), 30s);
  EXPECT_EQ(parse_duration("10m"), 10min);
  EXPECT_EQ(parse_duration("876600h"), std::chrono::hours(876600));
}

TEST(ExampleDurations, OverflowingDurationsAreRefusedNotWrapped) {
  // 5124095576031h is 2^64 ms and change: multiplied in int64 it wraps to a small positive
  // gap, which the app would silently use.
  for (const std::string text : {"5124095576031h", "876601h", "9223372036854775807",
                                 "99999999999999999999", "153722867281m", "9223372036854776s"}) {
    AppOptions options{.application_id = "app"};
    std::chrono::milliseconds gap{0};
    const std::string error = parse(options, {"--gap", text}, &gap);
    EXPECT_NE(error.find("too long"), std::string::npos) << text << ": " << error;
    EXPECT_NE(error.find(text), std::string::npos) << error;
    EXPECT_EQ(gap, 0ms) << text;
  }
  AppOptions options{.application_id = "app"};
  EXPECT_NE(parse(options, {"--gap", "-5s"}).find("negative"), std::string::npos);
  EXPECT_NE(parse(options, {"--gap", "5d"}).find("unknown unit"), std::string::npos);
}

TEST(ExampleAppOptions, ClientIdAndDeadLetterTopicReachTheConfig) {
  AppOptions options{.application_id = "app"};
  ASSERT_EQ(parse(options, {"--client-id", "checkout-eu-1", "--dead-letter-topic", "app.dlq"}), "");
  const StreamsConfig config = options.streams_config();
  EXPECT_EQ(config.dead_letter_topic, "app.dlq");
  // Every client is named after it, by kind.
  config.validate();
  EXPECT_EQ(kafka::client_properties(config, kafka::ClientKind::kConsumer).at("client.id"),
            "checkout-eu-1-consumer");
  EXPECT_EQ(kafka::client_properties(config, kafka::ClientKind::kProducer).at("client.id"),
            "checkout-eu-1-producer");
  EXPECT_EQ(kafka::client_properties(config, kafka::ClientKind::kAdmin).at("client.id"),
            "checkout-eu-1-admin");
}

TEST(ExampleAppOptions, ClientsAreNamedAfterTheApplicationByDefault) {
  AppOptions options{.application_id = "eddy-trending"};
  ASSERT_EQ(parse(options, {}), "");
  const StreamsConfig config = options.streams_config();
  EXPECT_EQ(kafka::client_properties(config, kafka::ClientKind::kConsumer).at("client.id"),
            "eddy-trending-consumer");
  EXPECT_TRUE(config.dead_letter_topic.empty());
}

TEST(ExampleAppOptions, RedisUrlCarriesUserPasswordAndDatabase) {
  const RedisEndpoint endpoint = parse_redis_endpoint("redis://feature-writer:s3cret@cache:6380/2");
  EXPECT_EQ(endpoint.host, "cache");
  EXPECT_EQ(endpoint.port, 6380);
  EXPECT_EQ(endpoint.username, "feature-writer");
  EXPECT_EQ(endpoint.password, "s3cret");
  EXPECT_EQ(endpoint.db, 2);
  const RedisEndpoint plain = parse_redis_endpoint("127.0.0.1:6379");
  EXPECT_EQ(plain.host, "127.0.0.1");
  EXPECT_EQ(plain.port, 6379);
  EXPECT_TRUE(plain.password.empty());
}

TEST(ExampleAppOptions, RedisErrorsNeverShowThePassword) {
  for (const std::string bad : {"redis://u:s3cret@cache", "redis://u:s3cret@cache:http",
                                "redis://u:s3cret@cache:99999", "redis://u:s3cret@cache:6379/x"}) {
    AppOptions options{.application_id = "app"};
    const std::string error = parse(options, {"--redis", bad});
    EXPECT_FALSE(error.empty()) << bad;
    EXPECT_EQ(error.find("s3cret"), std::string::npos) << error;
    EXPECT_NE(error.find("[hidden]"), std::string::npos) << error;
  }
}

TEST(ExampleAppOptions, RedisPasswordFlagOrEnvironmentAndOnlyOneSource) {
  AppOptions options{.application_id = "app"};
  ASSERT_EQ(parse(options, {"--redis", "cache:6379", "--redis-password", "pw"}), "");
  EXPECT_EQ(options.redis_endpoint()->password, "pw");

  ::setenv("EDDY_REDIS_PASSWORD", "from-env", 1);
  AppOptions from_env{.application_id = "app"};
  ASSERT_EQ(parse(from_env, {"--redis", "cache:6379"}), "");
  ::unsetenv("EDDY_REDIS_PASSWORD");
  EXPECT_EQ(from_env.redis_endpoint()->password, "from-env");

  AppOptions twice{.application_id = "app"};
  ASSERT_EQ(parse(twice, {"--redis", "redis://u:a@cache:6379", "--redis-password", "b"}), "");
  try {
    twice.redis_endpoint();
    FAIL() << "two passwords were accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).find("a@"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace eddy::examples
