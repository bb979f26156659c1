// Parsing and checking StreamsConfig (eddy/config.h).
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <functional>
#include <string_view>
#include <unordered_map>

#include "common/log.h"
#include "eddy/config.h"
#include "eddy/errors.h"
#include "kafka/client_config.h"

namespace eddy {
namespace {

int64_t parse_int(const std::string& key, const std::string& value, int64_t min, int64_t max) {
  int64_t out = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc{} || end != value.data() + value.size()) {
    throw ConfigError(key, "'" + value + "' is not an integer");
  }
  if (out < min || out > max) {
    throw ConfigError(key, "'" + value + "' is out of range [" + std::to_string(min) + ", " +
                               std::to_string(max) + "]");
  }
  return out;
}

bool parse_bool(const std::string& key, const std::string& value) {
  if (value == "true" || value == "TRUE" || value == "True") return true;
  if (value == "false" || value == "FALSE" || value == "False") return false;
  throw ConfigError(key, "'" + value + "' is not a boolean; use true or false");
}

ErrorHandling parse_handling(const std::string& key, const std::string& value) {
  if (value == "log_and_continue" || value == "LogAndContinue")
    return ErrorHandling::kLogAndContinue;
  if (value == "log_and_fail" || value == "LogAndFail") return ErrorHandling::kLogAndFail;
  if (value == "dead_letter" || value == "dead_letter_queue") return ErrorHandling::kDeadLetter;
  throw ConfigError(key, "'" + value +
                             "' is not a handler; use log_and_continue, log_and_fail "
                             "or dead_letter");
}

using Setter =
    std::function<void(StreamsConfig&, const std::string& key, const std::string& value)>;

const std::unordered_map<std::string, Setter>& setters() {
  static const std::unordered_map<std::string, Setter> table = {
      {"application.id", [](StreamsConfig& c, auto&, auto& v) { c.application_id = v; }},
      {"bootstrap.servers", [](StreamsConfig& c, auto&, auto& v) { c.bootstrap_servers = v; }},
      {"state.dir", [](StreamsConfig& c, auto&, auto& v) { c.state_dir = v; }},
      {"num.stream.threads",
       [](StreamsConfig& c, auto& k, auto& v) {
         c.num_stream_threads = static_cast<int>(parse_int(k, v, 1, 256));
       }},
      {"num.standby.replicas",
       [](StreamsConfig& c, auto& k, auto& v) {
         c.num_standby_replicas = static_cast<int>(parse_int(k, v, 0, 16));
       }},
      {"processing.guarantee",
       [](StreamsConfig& c, auto& k, auto& v) {
         if (v == "at_least_once") {
           c.processing_guarantee = ProcessingGuarantee::kAtLeastOnce;
         } else if (v == "exactly_once_v2") {
           c.processing_guarantee = ProcessingGuarantee::kExactlyOnceV2;
         } else {
           throw ConfigError(
               k, "'" + v + "' is not a guarantee; use at_least_once or exactly_once_v2");
         }
       }},
      {"commit.interval.ms",
       [](StreamsConfig& c, auto& k, auto& v) {
         c.commit_interval = std::chrono::milliseconds(parse_int(k, v, 1, INT32_MAX));
       }},
      {"statestore.cache.max.bytes",
       [](StreamsConfig& c, auto& k, auto& v) {
         c.cache_max_bytes = parse_int(k, v, 0, INT64_MAX);
       }},
      {"eddy.memory.budget.bytes",
       [](StreamsConfig& c, auto& k, auto& v) {
         c.memory_budget_bytes = parse_int(k, v, 1 << 20, INT64_MAX);
       }},
      {"max.task.idle.ms",
       [](StreamsConfig& c, auto& k, auto& v) {
         c.max_task_idle = std::chrono::milliseconds(parse_int(k, v, -1, INT32_MAX));
       }},
      {"repartition.purge.interval.ms",
       [](StreamsConfig& c, auto& k, auto& v) {
         c.repartition_purge_interval = std::chrono::milliseconds(parse_int(k, v, -1, INT32_MAX));
       }},
      {"buffered.records.per.partition",
       [](StreamsConfig& c, auto& k, auto& v) {
         c.buffered_records_per_partition = static_cast<int>(parse_int(k, v, 1, INT32_MAX));
       }},
      {"poll.ms",
       [](StreamsConfig& c, auto& k, auto& v) {
         c.poll_interval = std::chrono::milliseconds(parse_int(k, v, 0, 60000));
       }},
      {"replication.factor",
       [](StreamsConfig& c, auto& k, auto& v) {
         c.replication_factor = static_cast<int>(parse_int(k, v, -1, 32));
         if (c.replication_factor == 0)
           throw ConfigError(k, "0 is not a replication factor; use -1 or >= 1");
       }},
      {"default.deserialization.exception.handler",
       [](StreamsConfig& c, auto& k, auto& v) {
         c.deserialization_error_handling = parse_handling(k, v);
       }},
      {"processing.exception.handler",
       [](StreamsConfig& c, auto& k, auto& v) {
         c.processing_error_handling = parse_handling(k, v);
       }},
      {"default.production.exception.handler",
       [](StreamsConfig& c, auto& k, auto& v) {
         c.production_error_handling = parse_handling(k, v);
       }},
      {"errors.dead.letter.queue.topic.name",
       [](StreamsConfig& c, auto&, auto& v) { c.dead_letter_topic = v; }},
      {"group.instance.id", [](StreamsConfig& c, auto&, auto& v) { c.group_instance_id = v; }},
      {"metrics.port",
       [](StreamsConfig& c, auto& k, auto& v) {
         c.metrics_port = static_cast<int>(parse_int(k, v, 0, 65535));
       }},
      {"metrics.host", [](StreamsConfig& c, auto&, auto& v) { c.metrics_host = v; }},
      {"eddy.malloc.return.freed.memory",
       [](StreamsConfig& c, auto& k, auto& v) { c.malloc_return_freed_memory = parse_bool(k, v); }},
      {"eddy.run.until.end",
       [](StreamsConfig& c, auto& k, auto& v) { c.run_until_end = parse_bool(k, v); }},
      {"eddy.topology.change.check",
       [](StreamsConfig& c, auto& k, auto& v) {
         if (v == "fail") {
           c.topology_change_check = TopologyChangeCheck::kFail;
         } else if (v == "warn") {
           c.topology_change_check = TopologyChangeCheck::kWarn;
         } else if (v == "off") {
           c.topology_change_check = TopologyChangeCheck::kOff;
         } else {
           throw ConfigError(k, "must be fail, warn or off, not '" + v + "'");
         }
       }},
      {"metrics.recording.level",
       [](StreamsConfig& c, auto& k, auto& v) {
         if (v == "info" || v == "INFO") {
           c.metrics_recording_level = MetricsRecordingLevel::kInfo;
         } else if (v == "debug" || v == "DEBUG") {
           c.metrics_recording_level = MetricsRecordingLevel::kDebug;
         } else {
           throw ConfigError(k, "'" + v + "' is not a recording level; use info or debug");
         }
       }},
      {"__emit.interval.ms.kstreams.outer.join.spurious.results.fix__",
       [](StreamsConfig& c, auto& k, auto& v) {
         c.outer_join_emit_interval = std::chrono::milliseconds(parse_int(k, v, 0, INT64_MAX));
       }},
      {"metrics.log.interval.ms",
       [](StreamsConfig& c, auto& k, auto& v) {
         c.metrics_log_interval = std::chrono::milliseconds(parse_int(k, v, 0, INT32_MAX));
       }},
  };
  return table;
}

// Kafka Streams / Java client keys that mean nothing to librdkafka: name the Eddy way.
const std::unordered_map<std::string_view, std::string_view>& java_only_keys() {
  static const std::unordered_map<std::string_view, std::string_view> table = {
      {"cache.max.bytes.buffering", "statestore.cache.max.bytes"},
      {"default.key.serde", "pass serdes to the DSL (Consumed/Produced/Grouped/Materialized)"},
      {"default.value.serde", "pass serdes to the DSL (Consumed/Produced/Grouped/Materialized)"},
      {"key.serializer", "pass serdes to the DSL"},
      {"value.serializer", "pass serdes to the DSL"},
      {"key.deserializer", "pass serdes to the DSL"},
      {"value.deserializer", "pass serdes to the DSL"},
  };
  return table;
}

bool valid_application_id(const std::string& id) {
  if (id.empty() || id.size() > 200) return false;
  for (char ch : id) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

std::string strip_client_prefix(const std::string& key) {
  for (std::string_view prefix : {"consumer.", "producer.", "admin."}) {
    if (std::string_view(key).starts_with(prefix)) return key.substr(prefix.size());
  }
  return key;
}

}  // namespace

StreamsConfig StreamsConfig::from_properties(const Properties& properties) {
  StreamsConfig config;
  for (const auto& [key, value] : properties) {
    if (auto it = setters().find(key); it != setters().end()) {
      it->second(config, key, value);
    } else if (auto java = java_only_keys().find(key); java != java_only_keys().end()) {
      throw ConfigError(
          key, "is a Kafka Streams/Java setting Eddy does not take; " + std::string(java->second));
    } else {
      config.client_properties[key] = value;
    }
  }
  config.validate();
  return config;
}

void StreamsConfig::validate() const {
  if (application_id.empty()) {
    throw ConfigError("application.id",
                      "is required; it names the consumer group, state "
                      "folder and internal topics (e.g. \"session-scoring\")");
  }
  if (!valid_application_id(application_id)) {
    throw ConfigError("application.id",
                      "'" + application_id + "' may use only letters, digits, '.', '_' and '-'");
  }
  // Kafka's topic-name rule (its Topic.validate refuses "." and ".."); here it also keeps the
  // instance's folder <state.dir>/<application.id> inside state.dir.
  if (application_id == "." || application_id == "..") {
    throw ConfigError("application.id", "'" + application_id +
                                            "' is not a name: it would put the state folder "
                                            "outside state.dir; name the application");
  }
  kafka::check_bootstrap_servers(bootstrap_servers);
  if (state_dir.empty()) throw ConfigError("state.dir", "must not be empty");
  if (num_stream_threads < 1) throw ConfigError("num.stream.threads", "must be at least 1");
  if (num_standby_replicas < 0 || num_standby_replicas > 16) {
    throw ConfigError("num.standby.replicas",
                      "must be between 0 and 16 (each standby is one more copy of every task's "
                      "state on another instance)");
  }
  if (commit_interval && commit_interval->count() <= 0) {
    throw ConfigError("commit.interval.ms", "must be positive");
  }
  if (metrics_port < 0 || metrics_port > 65535) {
    throw ConfigError("metrics.port",
                      std::to_string(metrics_port) +
                          " is not a port; use 1-65535 (served on metrics.host, default "
                          "127.0.0.1), "
                          "or 0 for no endpoint");
  }
  if (metrics_host.empty() || metrics_host.find_first_of(" :/") != std::string::npos) {
    throw ConfigError("metrics.host", "'" + metrics_host +
                                          "' is not an address to bind; use 127.0.0.1 (loopback), "
                                          "0.0.0.0 (every interface) or an interface's address");
  }
  if (metrics_log_interval.count() < 0) {
    throw ConfigError("metrics.log.interval.ms", "must not be negative (0 turns the log off)");
  }
  if (outer_join_emit_interval.count() < 0) {
    throw ConfigError("__emit.interval.ms.kstreams.outer.join.spurious.results.fix__",
                      "must not be negative (0 looks for closed windows on every record)");
  }
  if (cache_max_bytes < 0) throw ConfigError("statestore.cache.max.bytes", "must not be negative");
  if (cache_max_bytes > memory_budget_bytes) {
    throw ConfigError(
        "statestore.cache.max.bytes",
        "(" + std::to_string(cache_max_bytes) + ") exceeds eddy.memory.budget.bytes (" +
            std::to_string(memory_budget_bytes) + "); the record caches are part of the budget");
  }
  const bool any_dead_letter = deserialization_error_handling == ErrorHandling::kDeadLetter ||
                               processing_error_handling == ErrorHandling::kDeadLetter ||
                               production_error_handling == ErrorHandling::kDeadLetter;
  if (any_dead_letter && dead_letter_topic.empty()) {
    throw ConfigError("errors.dead.letter.queue.topic.name",
                      "is required when a handler is dead_letter");
  }
  for (const auto& [key, value] : client_properties) {
    const std::string client_key = strip_client_prefix(key);
    if (client_key == "group.id" || client_key == "enable.auto.commit" ||
        client_key == "transactional.id") {
      throw ConfigError(key,
                        "is managed by Eddy (from application.id and processing.guarantee); "
                        "remove it");
    }
    try {
      kafka::check_client_property(client_key, value);
    } catch (const ConfigError& e) {
      throw ConfigError(key, "is not an Eddy setting, and librdkafka rejects it: " + e.reason());
    }
  }
}

std::chrono::milliseconds StreamsConfig::effective_commit_interval() const {
  if (commit_interval) return *commit_interval;
  return exactly_once() ? std::chrono::milliseconds(100) : std::chrono::milliseconds(30000);
}

ErrorHandler StreamsConfig::error_handler(ErrorKind kind) const {
  const ErrorHandler* callback = nullptr;
  ErrorHandling setting = ErrorHandling::kLogAndFail;
  switch (kind) {
    case ErrorKind::kDeserialization:
      callback = &deserialization_exception_handler;
      setting = deserialization_error_handling;
      break;
    case ErrorKind::kProcessing:
      callback = &processing_exception_handler;
      setting = processing_error_handling;
      break;
    case ErrorKind::kProduction:
      callback = &production_exception_handler;
      setting = production_error_handling;
      break;
  }
  if (*callback) return *callback;
  switch (setting) {
    case ErrorHandling::kLogAndContinue:
      return error_handlers::log_and_continue(dead_letter_topic);
    case ErrorHandling::kLogAndFail:
      return error_handlers::log_and_fail(dead_letter_topic);
    case ErrorHandling::kDeadLetter:
      return error_handlers::dead_letter(dead_letter_topic);
  }
  return error_handlers::log_and_fail(dead_letter_topic);
}

bool StreamsConfig::uses_embedded_broker() const {
  return bootstrap_servers.empty() || bootstrap_servers == "embedded";
}

namespace {
const char* handling_name(ErrorHandling handling) {
  switch (handling) {
    case ErrorHandling::kLogAndContinue:
      return "log_and_continue";
    case ErrorHandling::kLogAndFail:
      return "log_and_fail";
    case ErrorHandling::kDeadLetter:
      return "dead_letter";
  }
  return "?";
}
}  // namespace

Properties StreamsConfig::redacted_properties() const {
  Properties out = {
      {"application.id", application_id},
      {"bootstrap.servers", bootstrap_servers.empty() ? "embedded" : bootstrap_servers},
      {"state.dir", state_dir},
      {"num.stream.threads", std::to_string(num_stream_threads)},
      {"num.standby.replicas", std::to_string(num_standby_replicas)},
      {"processing.guarantee", exactly_once() ? "exactly_once_v2" : "at_least_once"},
      {"commit.interval.ms", std::to_string(effective_commit_interval().count())},
      {"statestore.cache.max.bytes", std::to_string(cache_max_bytes)},
      {"eddy.memory.budget.bytes", std::to_string(memory_budget_bytes)},
      {"max.task.idle.ms", std::to_string(max_task_idle.count())},
      {"repartition.purge.interval.ms", std::to_string(repartition_purge_interval.count())},
      {"buffered.records.per.partition", std::to_string(buffered_records_per_partition)},
      {"poll.ms", std::to_string(poll_interval.count())},
      {"replication.factor", std::to_string(replication_factor)},
      {"default.deserialization.exception.handler", handling_name(deserialization_error_handling)},
      {"processing.exception.handler", handling_name(processing_error_handling)},
      {"default.production.exception.handler", handling_name(production_error_handling)},
      {"metrics.port", std::to_string(metrics_port)},
      {"metrics.host", metrics_host},
      {"metrics.recording.level",
       metrics_recording_level == MetricsRecordingLevel::kDebug ? "debug" : "info"},
      {"metrics.log.interval.ms", std::to_string(metrics_log_interval.count())},
      {"eddy.malloc.return.freed.memory", malloc_return_freed_memory ? "true" : "false"},
      {"eddy.run.until.end", run_until_end ? "true" : "false"},
      {"eddy.topology.change.check",
       topology_change_check == TopologyChangeCheck::kFail
           ? "fail"
           : (topology_change_check == TopologyChangeCheck::kWarn ? "warn" : "off")},
  };
  if (!dead_letter_topic.empty()) out["errors.dead.letter.queue.topic.name"] = dead_letter_topic;
  if (!group_instance_id.empty()) out["group.instance.id"] = group_instance_id;
  for (const auto& [key, value] : client_properties) {
    out[key] = is_secret_key(key) ? std::string(kHiddenValue) : value;
  }
  return out;
}

Properties StreamsConfig::producer_properties() const {
  Properties out{{"bootstrap.servers", bootstrap_servers}};
  for (const auto& [key, value] : client_properties) {
    if (strip_client_prefix(key) == key) out[key] = value;
  }
  constexpr std::string_view kPrefix = "producer.";
  for (const auto& [key, value] : client_properties) {
    if (std::string_view(key).starts_with(kPrefix)) out[key.substr(kPrefix.size())] = value;
  }
  return out;
}

bool is_secret_key(std::string_view key) {
  std::string name(key);
  for (std::string_view prefix : {"consumer.", "producer.", "admin."}) {
    if (std::string_view(name).starts_with(prefix)) {
      name.erase(0, prefix.size());
      break;
    }
  }
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  for (std::string_view word : {"password", "secret", "jaas", "token", "credential", "private",
                                "key.pem", "oauthbearer.config", "keystore.key"}) {
    if (name.find(word) != std::string::npos) return true;
  }
  return name == "ssl.key" || name == "ssl_key";
}

Properties read_properties_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw ConfigError(path, "cannot read this properties file");
  }
  const auto trim = [](std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
      text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
      text.remove_suffix(1);
    return text;
  };
  Properties out;
  std::string raw;
  int line_number = 0;
  bool has_secret = false;
  while (std::getline(in, raw)) {
    ++line_number;
    const int first_line = line_number;
    std::string logical = raw;
    // A line ending in an odd number of backslashes continues on the next one.
    const auto continues = [](const std::string& text) {
      size_t n = 0;
      while (n < text.size() && text[text.size() - 1 - n] == '\\') ++n;
      return n % 2 == 1;
    };
    while (continues(logical) && std::getline(in, raw)) {
      ++line_number;
      logical.pop_back();
      logical += trim(raw);
    }
    const std::string_view line = trim(logical);
    if (line.empty() || line.front() == '#' || line.front() == '!') continue;
    size_t separator = line.find_first_of("=:");
    const size_t space = line.find_first_of(" \t");
    if (space != std::string_view::npos &&
        (separator == std::string_view::npos || space < separator)) {
      const size_t after = line.find_first_not_of(" \t", space);
      separator = after != std::string_view::npos && (line[after] == '=' || line[after] == ':')
                      ? after
                      : space;
    }
    const std::string_view key = trim(line.substr(0, separator));
    if (key.empty() || separator == std::string_view::npos) {
      throw ConfigError(
          path, "line " + std::to_string(first_line) + " is not key=value (nor a # comment)");
    }
    out[std::string(key)] = std::string(trim(line.substr(separator + 1)));
    has_secret = has_secret || is_secret_key(key);
  }
  struct stat info {};
  if (has_secret && ::stat(path.c_str(), &info) == 0 && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    EDDY_LOG_WARN("{} holds secrets and other users may read it; chmod 600 it", path);
  }
  return out;
}

}  // namespace eddy
