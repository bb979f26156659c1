#include "common/app_options.h"

#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <thread>

#include "common/duration.h"
#include "eddy/errors.h"
#include "eddy/logging.h"
#include "kafka/admin.h"
#include "kafka/client_config.h"

namespace eddy::examples {
namespace {

// Set by the signal handler, read by run_until_signal's loop: the only thing a handler may do.
volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void remember_stop_signal(int signal) {
  g_stop_signal = signal;
}

}  // namespace

void add_app_options(CLI::App& cli, AppOptions& options) {
  options.default_application_id = options.application_id;
  cli.add_option("--bootstrap-servers", options.bootstrap_servers,
                 "Kafka bootstrap servers, host:port[,host:port] (empty: the one in "
                 "--kafka-config, else the embedded broker, in this process)");
  cli.add_option("--kafka-config", options.kafka_config,
                 "properties file of StreamsConfig keys, e.g. security.protocol, ssl.*, sasl.* "
                 "(docs/security.md); flags win over it")
      ->check(CLI::ExistingFile);
  cli.add_option("--application-id", options.application_id,
                 "consumer group, state folder and internal-topic prefix")
      ->capture_default_str();
  cli.add_option("--state-dir", options.state_dir, "where local state (RocksDB) lives")
      ->capture_default_str();
  cli.add_option("--guarantee", options.guarantee, "processing guarantee")
      ->check(CLI::IsMember({"at_least_once", "exactly_once_v2"}))
      ->capture_default_str();
  cli.add_option("--client-id", options.client_id,
                 "client.id prefix of every Kafka client: <id>-consumer, -producer, -admin "
                 "(default: the application id)");
  cli.add_option("--dead-letter-topic", options.dead_letter_topic,
                 "topic for records the error handlers skip, with the error in headers "
                 "(errors.dead.letter.queue.topic.name; created when missing; default: none)");
  cli.add_option("--redis", options.redis,
                 "Redis host:port or redis://[user[:password]@]host:port[/db] to serve features "
                 "from (optional)")
      ->check([](const std::string& text) {
        parse_redis_endpoint(text);  // throws CLI::ValidationError with the reason
        return std::string();
      });
  cli.add_option("--redis-user", options.redis_user, "Redis ACL user (default: none)");
  cli.add_option("--redis-password", options.redis_password,
                 "Redis password (prefer the EDDY_REDIS_PASSWORD variable or "
                 "--redis-password-file: a command line is visible to other users)")
      ->envname("EDDY_REDIS_PASSWORD");
  cli.add_option("--redis-password-file", options.redis_password_file,
                 "file whose first line is the Redis password (kept off the command line)")
      ->check(CLI::ExistingFile);
  cli.add_option("--redis-db", options.redis_db, "Redis database number")
      ->check(CLI::Range(0, 1 << 20))
      ->capture_default_str();
  add_duration_option(cli, "--grace", options.grace,
                      "how long after a window ends late records still count (default 0)");
  cli.add_option("--metrics-port", options.metrics_port, "port of the Prometheus endpoint (0: off)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cli.add_option("--metrics-host", options.metrics_host,
                 "address the Prometheus endpoint binds (0.0.0.0: every interface)")
      ->capture_default_str();
  cli.add_option_function<std::string>(
         "--commit-interval",
         [&options](const std::string& text) { options.commit_interval = parse_duration(text); },
         "how often offsets are committed (default: 30s at-least-once, 100ms exactly-once)")
      ->type_name("DURATION");
  cli.add_option("--log-level", options.log_level,
                 "trace, debug, info, warn, error or off (default: EDDY_LOG_LEVEL or info)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  cli.add_option("--instance-id", options.instance_id,
                 "static group membership: a stable name for this instance (group.instance.id); "
                 "a restart within the session timeout moves no partition");
  cli.add_flag("--until-end", options.until_end,
               "bounded run: process the input up to its end offsets at start, commit, exit");
}

RedisEndpoint parse_redis_endpoint(const std::string& text) {
  RedisEndpoint endpoint;
  std::string address = text;  // host:port once the URL's parts are taken off
  std::string shown = text;    // what error messages quote: never the password
  constexpr std::string_view kScheme = "redis://";
  if (std::string_view(text).starts_with(kScheme)) {
    address = text.substr(kScheme.size());
    if (const auto at = address.rfind('@'); at != std::string::npos) {
      const std::string credentials = address.substr(0, at);
      address = address.substr(at + 1);
      const auto colon = credentials.find(':');
      endpoint.username = credentials.substr(0, colon);
      if (colon != std::string::npos) endpoint.password = credentials.substr(colon + 1);
      shown = std::string(kScheme) + endpoint.username +
              (colon != std::string::npos ? ":[hidden]" : "") + "@" + address;
    }
    if (const auto slash = address.find('/'); slash != std::string::npos) {
      const std::string db = address.substr(slash + 1);
      address = address.substr(0, slash);
      if (!db.empty()) {
        const auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), endpoint.db);
        if (ec != std::errc{} || end != db.data() + db.size() || endpoint.db < 0) {
          throw CLI::ValidationError("--redis",
                                     "database of '" + shown + "' is not a number 0 or more");
        }
      }
    }
  }
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw CLI::ValidationError(
        "--redis", "'" + shown + "' is not host:port or redis://[user[:password]@]host:port[/db]");
  }
  endpoint.host = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), endpoint.port);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size()) {
    throw CLI::ValidationError("--redis", "'" + shown + "' has no numeric port");
  }
  if (endpoint.port < 1 || endpoint.port > 65535) {
    throw CLI::ValidationError("--redis", "port of '" + shown + "' is not in 1..65535");
  }
  return endpoint;
}

StreamsConfig AppOptions::streams_config() const {
  if (!log_level.empty()) set_log_level(log_level);
  Properties properties;
  if (!kafka_config.empty()) properties = read_properties_file(kafka_config);
  // A flag wins over the file unless it was left at its default and the file sets the key.
  const AppOptions defaults{.application_id = default_application_id};
  const auto set = [&properties](const char* key, const std::string& value,
                                 const std::string& default_value) {
    if (value != default_value || !properties.contains(key)) properties[key] = value;
  };
  set("application.id", application_id, defaults.application_id);
  set("bootstrap.servers", bootstrap_servers, defaults.bootstrap_servers);
  set("state.dir", state_dir, defaults.state_dir);
  set("processing.guarantee", guarantee, defaults.guarantee);
  set("metrics.port", std::to_string(metrics_port), std::to_string(defaults.metrics_port));
  set("metrics.host", metrics_host, defaults.metrics_host);
  // Optional keys: only when given (an empty client.id would be passed to librdkafka).
  if (!client_id.empty()) properties["client.id"] = client_id;
  if (!dead_letter_topic.empty()) {
    properties["errors.dead.letter.queue.topic.name"] = dead_letter_topic;
  }
  if (commit_interval) {
    properties["commit.interval.ms"] = std::to_string(commit_interval->count());
  }
  if (until_end) properties["eddy.run.until.end"] = "true";
  if (!instance_id.empty()) properties["group.instance.id"] = instance_id;
  return StreamsConfig::from_properties(properties);
}

std::optional<RedisEndpoint> AppOptions::redis_endpoint() const {
  if (redis.empty()) return std::nullopt;
  RedisEndpoint endpoint = parse_redis_endpoint(redis);
  const int password_sources = static_cast<int>(!endpoint.password.empty()) +
                               static_cast<int>(!redis_password.empty()) +
                               static_cast<int>(!redis_password_file.empty());
  if (password_sources > 1) {
    throw ConfigError("--redis-password",
                      "the Redis password is given more than once (in the --redis URL, "
                      "--redis-password / EDDY_REDIS_PASSWORD, --redis-password-file); give one");
  }
  if (!redis_user.empty()) endpoint.username = redis_user;
  if (redis_db != 0) endpoint.db = redis_db;
  if (!redis_password.empty()) endpoint.password = redis_password;
  if (!redis_password_file.empty()) {
    std::ifstream in(redis_password_file);
    if (!in || !std::getline(in, endpoint.password)) {
      throw ConfigError(redis_password_file, "cannot read the Redis password from this file");
    }
  }
  return endpoint;
}

void create_topics_if_missing(const StreamsConfig& config, const std::vector<TopicSpec>& topics) {
  kafka::Admin admin(kafka::client_properties(config, kafka::ClientKind::kAdmin),
                     std::chrono::seconds(15));
  std::vector<TopicSpec> wanted = topics;
  if (!config.dead_letter_topic.empty() &&
      std::none_of(topics.begin(), topics.end(),
                   [&](const TopicSpec& t) { return t.name == config.dead_letter_topic; })) {
    wanted.push_back({.name = config.dead_letter_topic,
                      .partitions = topics.empty() ? 1 : topics.front().partitions});
  }
  std::vector<kafka::NewTopic> missing;
  for (const auto& topic : wanted) {
    if (admin.describe_topic(topic.name)) continue;
    missing.push_back(
        {.name = topic.name, .partitions = topic.partitions, .configs = topic.configs});
  }
  // ignore_existing: another instance (or the load generator) may create it meanwhile.
  if (!missing.empty()) admin.create_topics(missing, /*ignore_existing=*/true);
}

std::optional<int> topic_partitions(const StreamsConfig& config, const std::string& topic) {
  kafka::Admin admin(kafka::client_properties(config, kafka::ClientKind::kAdmin),
                     std::chrono::seconds(15));
  const auto description = admin.describe_topic(topic);
  if (!description) return std::nullopt;
  return description->partitions;
}

std::string reachable_bootstrap(const StreamsConfig& config) {
  return kafka::resolve_bootstrap_servers(config.bootstrap_servers);
}

int run_until_signal(KafkaStreams& streams, const RunOptions& options) {
  g_stop_signal = 0;
  std::signal(SIGINT, remember_stop_signal);
  std::signal(SIGTERM, remember_stop_signal);
  streams.start();
  auto next_tick = std::chrono::steady_clock::now() + options.tick;
  bool failed = false;
  while (g_stop_signal == 0) {
    if (streams.state() == KafkaStreams::State::kNotRunning) {
      // Only a bounded run (--until-end) gets here without close(): its input read and committed.
      std::fprintf(stderr, "bounded run finished: input read to its end offsets and committed\n");
      break;
    }
    if (streams.state() == KafkaStreams::State::kError) {
      failed = true;
      std::fprintf(stderr, "stream processing stopped (state %s); see the log above\n",
                   KafkaStreams::state_name(streams.state()));
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (options.on_tick && std::chrono::steady_clock::now() >= next_tick) {
      options.on_tick();
      next_tick += options.tick;
    }
  }
  // A second signal during close falls back to the default action: kill the process.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  const bool closed = streams.close(options.close_timeout);
  if (!closed) std::fprintf(stderr, "close did not finish within the timeout\n");
  return failed || !closed ? 1 : 0;
}

}  // namespace eddy::examples
