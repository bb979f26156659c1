// Building librdkafka configurations from Eddy properties, with errors that name the key.
#pragma once

#include <memory>
#include <string>

#include "eddy/config.h"

struct rd_kafka_conf_s;

namespace eddy::kafka {

enum class ClientKind { kConsumer, kProducer, kAdmin };

struct ConfDeleter {
  void operator()(rd_kafka_conf_s* conf) const;
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_s, ConfDeleter>;

// A new librdkafka configuration holding `properties`. Throws ConfigError naming the first
// key librdkafka rejects (unknown key or bad value), with librdkafka's own reason.
ConfPtr make_conf(const Properties& properties);

// `text` with the value of every secret key of `properties` (is_secret_key()) replaced by
// "[hidden]": for messages built from librdkafka's error strings.
std::string redact_secrets(std::string text, const Properties& properties);

// Checks one pass-through property the way make_conf() would. Throws ConfigError.
void check_client_property(const std::string& key, const std::string& value);

// Properties for one client of a StreamsConfig: the resolved bootstrap servers (starting
// the embedded broker when selected), the pass-through keys without prefix and the ones
// prefixed for `kind` (`consumer.`, `producer.`, `admin.`) with the prefix stripped, and a
// client.id of <client.id or application.id>-<kind> unless one is given for `kind`.
Properties client_properties(const StreamsConfig& config, ClientKind kind);

// True when the consumers of `config` start a partition that has no committed offset at its
// end (auto.offset.reset latest or largest, consumer-prefixed or not); false: the beginning.
bool consumer_starts_at_latest(const StreamsConfig& config);

// Checks a bootstrap.servers list: comma-separated host:port, port 1..65535.
// Throws ConfigError("bootstrap.servers", ...) saying what is wrong.
void check_bootstrap_servers(const std::string& servers);

// `servers` itself, or the embedded broker's bootstrap string when `servers` is empty or
// "embedded" (starting it on first use and logging that it did).
std::string resolve_bootstrap_servers(const std::string& servers);

}  // namespace eddy::kafka
