// The flags every retail example app takes, and what they all do around their topology:
// create missing topics, run until SIGINT/SIGTERM, close cleanly.
//
//   CLI::App cli{"eddy-my-app: ..."};
//   eddy::examples::AppOptions options{.application_id = "eddy-my-app"};
//   eddy::examples::add_app_options(cli, options);
//   cli.add_option("--window", ...);                      // the app's own flags
//   CLI11_PARSE(cli, argc, argv);
//   eddy::StreamsConfig config = options.streams_config();  // throws eddy::ConfigError
//   eddy::examples::create_topics_if_missing(config, {{.name = "my.output", .partitions = 8}});
//   eddy::KafkaStreams streams(build_topology(config), config);
//   return eddy::examples::run_until_signal(streams);      // 0 after a clean close
//
// Flags: --bootstrap-servers (empty: embedded broker), --kafka-config FILE (StreamsConfig
// properties, e.g. TLS and SASL settings: docs/security.md), --application-id, --state-dir,
// --guarantee at_least_once|exactly_once_v2, --client-id, --dead-letter-topic,
// --redis host:port or redis://[user[:password]@]host:port[/db], --redis-user,
// --redis-password (or EDDY_REDIS_PASSWORD), --redis-password-file, --redis-db, --grace,
// --metrics-port, --metrics-host, --commit-interval, --log-level, --until-end, --instance-id.
// Durations are written 500ms, 30s, 10m or 2h (at most 100 years). A Redis password is never
// printed or logged.
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "eddy/config.h"
#include "eddy/kafka_streams.h"

namespace eddy::examples {

// Where the app's RedisSink connects.
struct RedisEndpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string username;  // ACL user; empty: default
  // From the URL, --redis-password / EDDY_REDIS_PASSWORD or --redis-password-file (one of
  // them); never printed.
  std::string password;
  int db = 0;
};

struct AppOptions {
  // Empty: the embedded broker (librdkafka's mock cluster, in this process), unless
  // --kafka-config names one.
  std::string bootstrap_servers;
  // A properties file of StreamsConfig keys (security.protocol, ssl.*, sasl.*, any setting);
  // a flag given on the command line wins over the file. Empty: none.
  std::string kafka_config;
  // Names the consumer group, the state folder and the internal topics.
  std::string application_id;
  std::string state_dir = "/tmp/eddy";
  // "at_least_once" or "exactly_once_v2".
  std::string guarantee = "at_least_once";
  // The client.id prefix of every Kafka client (as Kafka Streams: <client.id>-consumer,
  // -producer, -admin, shown in broker logs, quotas and metrics). Empty: the application id.
  std::string client_id;
  // errors.dead.letter.queue.topic.name: records the error handlers skip go there, with the
  // error in their headers (created when missing). Empty: none.
  std::string dead_letter_topic;
  // "host:port" or "redis://[user[:password]@]host:port[/db]"; empty: no Redis.
  std::string redis;
  // Redis ACL user, its password (flag or EDDY_REDIS_PASSWORD), a file holding the password
  // (first line), the database.
  std::string redis_user;
  std::string redis_password;
  std::string redis_password_file;
  int redis_db = 0;
  // Grace of the app's windows: how long after a window ends late records still count.
  std::chrono::milliseconds grace{0};
  // Port of the Prometheus endpoint; 0: off.
  int metrics_port = 0;
  // Address the endpoint binds (127.0.0.1: loopback only; 0.0.0.0: every interface).
  std::string metrics_host = "127.0.0.1";
  // Empty: the guarantee's default (30 s at-least-once, 100 ms exactly-once).
  std::optional<std::chrono::milliseconds> commit_interval;
  // trace, debug, info, warn, error, off; empty: EDDY_LOG_LEVEL or info.
  std::string log_level;
  // A bounded run (eddy.run.until.end): read the input up to its end offsets at start, commit,
  // exit 0.
  bool until_end = false;
  // Static membership (group.instance.id): a stable name per instance, e.g. the pod's name; a
  // restart within session.timeout.ms moves no partition (docs/runtime.md). Empty: dynamic.
  std::string instance_id;
  // The app's own application id (add_app_options() keeps it): a --kafka-config file's
  // application.id wins over it, an explicit --application-id over the file.
  std::string default_application_id;

  // The StreamsConfig these flags describe, validated (throws eddy::ConfigError naming the
  // flag's key). Also applies --log-level.
  StreamsConfig streams_config() const;
  // The parsed --redis flags (with the password read from --redis-password-file); nullopt when
  // --redis was not given.
  std::optional<RedisEndpoint> redis_endpoint() const;
};

// Registers the common flags on `cli`, writing into `options` (its current values are the
// defaults shown by --help).
void add_app_options(CLI::App& cli, AppOptions& options);

// "host:port" or "redis://[user[:password]@]host:port[/db]" -> RedisEndpoint; throws
// CLI::ValidationError when malformed (its message never holds the password).
RedisEndpoint parse_redis_endpoint(const std::string& text);

struct TopicSpec {
  std::string name;
  int partitions = 8;
  Properties configs;  // e.g. {{"cleanup.policy", "compact"}}
};

// Creates each topic that does not exist yet (existing ones are left as they are), and the
// config's dead-letter topic when one is set. On the embedded broker this is the only way
// topics appear, so call it before KafkaStreams::start().
void create_topics_if_missing(const StreamsConfig& config, const std::vector<TopicSpec>& topics);

// The partitions of `topic`, or nullopt when it does not exist.
std::optional<int> topic_partitions(const StreamsConfig& config, const std::string& topic);

// The bootstrap address every other process should use to reach the same broker: the
// configured one, or the embedded broker's loopback address (started on first use), which
// other processes (eddy-loadgen --bootstrap-servers ...) can connect to over TCP.
std::string reachable_bootstrap(const StreamsConfig& config);

struct RunOptions {
  // How long close() may take after the signal.
  std::chrono::milliseconds close_timeout{30'000};
  // Called every `tick` while running (progress lines), on the calling thread.
  std::function<void()> on_tick;
  std::chrono::milliseconds tick{1000};
};

// Starts `streams` and blocks until SIGINT or SIGTERM (or the instance fails, or a bounded run
// (--until-end) ends by itself), then closes it.
// Returns the process exit code: 0 after a clean close, 1 when the instance went to ERROR or
// close timed out. start() errors (bad config, missing topic, no broker) propagate.
int run_until_signal(KafkaStreams& streams, const RunOptions& options = {});

}  // namespace eddy::examples
