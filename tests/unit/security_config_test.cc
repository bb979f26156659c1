// Secure settings in StreamsConfig: which keys are secrets, the redacted dump, properties
// files, the producer properties a Kafka sink takes, and how connection failures are named.
#include <gtest/gtest.h>

#include <librdkafka/rdkafka.h>

#include <filesystem>
#include <fstream>

#include "eddy/config.h"
#include "eddy/errors.h"
#include "kafka/client_config.h"
#include "kafka/handle.h"
#include "state/memory_budget.h"

namespace eddy {
namespace {

std::filesystem::path write_file(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path;
}

TEST(SecretKeys, PasswordsJaasConfigsAndPrivateKeysAreSecrets) {
  for (const char* key :
       {"sasl.password", "sasl.jaas.config", "ssl.key.password", "ssl.keystore.password",
        "ssl.truststore.password", "ssl.key.pem", "sasl.oauthbearer.client.secret",
        "sasl.oauthbearer.config", "consumer.sasl.password", "producer.ssl.key.pem",
        "admin.sasl.jaas.config", "SASL.PASSWORD"}) {
    EXPECT_TRUE(is_secret_key(key)) << key;
  }
  for (const char* key : {"sasl.username", "sasl.mechanisms", "security.protocol",
                          "ssl.ca.location", "ssl.key.location", "ssl.certificate.location",
                          "bootstrap.servers", "application.id", "ssl.certificate.pem"}) {
    EXPECT_FALSE(is_secret_key(key)) << key;
  }
}

TEST(SecretKeys, TheRedactedDumpHidesSecretValuesAndKeepsTheRest) {
  const auto config = StreamsConfig::from_properties({{"application.id", "app"},
                                                      {"bootstrap.servers", "broker:9093"},
                                                      {"security.protocol", "sasl_ssl"},
                                                      {"sasl.mechanisms", "PLAIN"},
                                                      {"sasl.username", "svc"},
                                                      {"sasl.password", "hunter2-secret"},
                                                      {"producer.ssl.key.password", "k3y-pw"}});
  const Properties dump = config.redacted_properties();
  EXPECT_EQ(dump.at("sasl.password"), "[hidden]");
  EXPECT_EQ(dump.at("producer.ssl.key.password"), "[hidden]");
  EXPECT_EQ(dump.at("sasl.username"), "svc");
  EXPECT_EQ(dump.at("security.protocol"), "sasl_ssl");
  EXPECT_EQ(dump.at("application.id"), "app");
  EXPECT_EQ(dump.at("bootstrap.servers"), "broker:9093");
  EXPECT_EQ(dump.at("metrics.host"), "127.0.0.1");
  for (const auto& [key, value] : dump) {
    EXPECT_EQ(value.find("hunter2"), std::string::npos) << key;
    EXPECT_EQ(value.find("k3y-pw"), std::string::npos) << key;
  }
}

TEST(SecretKeys, LibrdkafkaMessagesAreScrubbedOfSecretValues) {
  const Properties props = {{"sasl.password", "s3cr3t"}, {"sasl.username", "svc"}};
  EXPECT_EQ(kafka::redact_secrets("user svc with s3cr3t and s3cr3t again", props),
            "user svc with [hidden] and [hidden] again");
}

TEST(SecureConfig, ProducerPropertiesCarryTheSecuritySettingsForASink) {
  const auto config = StreamsConfig::from_properties({{"application.id", "app"},
                                                      {"bootstrap.servers", "broker:9093"},
                                                      {"security.protocol", "ssl"},
                                                      {"ssl.ca.location", "/etc/ca.pem"},
                                                      {"producer.linger.ms", "20"},
                                                      {"consumer.fetch.wait.max.ms", "5"}});
  EXPECT_EQ(config.producer_properties(), (Properties{{"bootstrap.servers", "broker:9093"},
                                                      {"security.protocol", "ssl"},
                                                      {"ssl.ca.location", "/etc/ca.pem"},
                                                      {"linger.ms", "20"}}));
}

TEST(SecureConfig, MetricsHostIsParsedAndChecked) {
  EXPECT_EQ(StreamsConfig{}.metrics_host, "127.0.0.1");
  const auto config = StreamsConfig::from_properties(
      {{"application.id", "app"}, {"metrics.host", "0.0.0.0"}, {"metrics.port", "9100"}});
  EXPECT_EQ(config.metrics_host, "0.0.0.0");
  try {
    StreamsConfig::from_properties({{"application.id", "app"}, {"metrics.host", "a:b"}});
    ADD_FAILURE() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "metrics.host");
  }
}

TEST(SecureConfig, ChangingMallocIsAnOptIn) {
  EXPECT_FALSE(StreamsConfig{}.malloc_return_freed_memory);
  EXPECT_FALSE(state::MemoryBudgetOptions{}.return_freed_memory_to_os);
  const auto config = StreamsConfig::from_properties(
      {{"application.id", "app"}, {"eddy.malloc.return.freed.memory", "true"}});
  EXPECT_TRUE(config.malloc_return_freed_memory);
  EXPECT_THROW(StreamsConfig::from_properties(
                   {{"application.id", "app"}, {"eddy.malloc.return.freed.memory", "yes"}}),
               ConfigError);
}

TEST(PropertiesFile, ReadsJavaStylePropertiesFiles) {
  const auto path = write_file("eddy-props-test.properties",
                               "# a comment\n"
                               "! another\n"
                               "\n"
                               "bootstrap.servers=localhost:9093\n"
                               "  security.protocol : sasl_ssl  \n"
                               "sasl.mechanisms PLAIN\n"
                               "sasl.jaas.config=org.Module required \\\n"
                               "    username=\"u\";\n"
                               "empty.value=\n");
  const Properties props = read_properties_file(path.string());
  EXPECT_EQ(props, (Properties{{"bootstrap.servers", "localhost:9093"},
                               {"security.protocol", "sasl_ssl"},
                               {"sasl.mechanisms", "PLAIN"},
                               {"sasl.jaas.config", "org.Module required username=\"u\";"},
                               {"empty.value", ""}}));
  std::filesystem::remove(path);
}

TEST(PropertiesFile, ABadLineIsNamedByNumberWithoutItsValue) {
  const auto path = write_file("eddy-props-bad.properties", "a=1\nsasl.password\n");
  try {
    read_properties_file(path.string());
    ADD_FAILURE() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
  EXPECT_THROW(read_properties_file("/nonexistent/eddy.properties"), ConfigError);
}

// How the reasons librdkafka reports on a failed connection become a cause, and which are
// no cause at all (a broker that is down may come back).
TEST(ConnectionDiagnostics, NamesAuthenticationTlsAndProtocolFailures) {
  const Properties props = {{"security.protocol", "sasl_ssl"},
                            {"sasl.mechanisms", "SCRAM-SHA-512"},
                            {"sasl.password", "pw-123"}};
  {
    kafka::ConnectionDiagnostics d(props);
    d.record(RD_KAFKA_RESP_ERR__AUTHENTICATION,
             "sasl_ssl://b:9093/bootstrap: SASL authentication error: Authentication failed "
             "for pw-123");
    EXPECT_NE(d.cause().find("SASL authentication failed"), std::string::npos);
    EXPECT_NE(d.cause().find("sasl.username and sasl.password"), std::string::npos);
    EXPECT_EQ(d.cause().find("pw-123"), std::string::npos) << d.cause();
  }
  {
    kafka::ConnectionDiagnostics d(props);
    d.record(RD_KAFKA_RESP_ERR__SSL,
             "SSL handshake failed: error:0A000086:SSL routines::certificate verify failed");
    EXPECT_NE(d.cause().find("ssl.ca.location"), std::string::npos) << d.cause();
  }
  {
    kafka::ConnectionDiagnostics d({});
    const std::string reason =
        "b:9093/bootstrap: Disconnected while requesting ApiVersion: might be caused by "
        "incorrect security.protocol configuration (connecting to a SSL listener?)";
    d.record(RD_KAFKA_RESP_ERR__TRANSPORT, reason);
    EXPECT_EQ(d.cause(), "");  // once may be a broker going down
    d.record(RD_KAFKA_RESP_ERR__TRANSPORT, reason);
    EXPECT_NE(d.cause().find("security.protocol 'plaintext'"), std::string::npos) << d.cause();
  }
  {
    kafka::ConnectionDiagnostics d({});
    d.record(RD_KAFKA_RESP_ERR__TRANSPORT,
             "b:9092/bootstrap: Connect to ipv4#127.0.0.1:9092 failed: Connection refused");
    d.record(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, "1/1 brokers are down");
    EXPECT_EQ(d.cause(), "");
  }
}

}  // namespace
}  // namespace eddy
