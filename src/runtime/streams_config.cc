// Parsing and checking StreamsConfig (eddy/config.h).
#include <charconv>
#include <functional>
#include <string_view>
#include <unordered_map>

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
  kafka::check_bootstrap_servers(bootstrap_servers);
  if (state_dir.empty()) throw ConfigError("state.dir", "must not be empty");
  if (num_stream_threads < 1) throw ConfigError("num.stream.threads", "must be at least 1");
  if (commit_interval && commit_interval->count() <= 0) {
    throw ConfigError("commit.interval.ms", "must be positive");
  }
  if (metrics_port < 0 || metrics_port > 65535) {
    throw ConfigError("metrics.port", std::to_string(metrics_port) +
                                          " is not a port; use 1-65535 (served on 127.0.0.1), "
                                          "or 0 for no endpoint");
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

bool StreamsConfig::uses_embedded_broker() const {
  return bootstrap_servers.empty() || bootstrap_servers == "embedded";
}

}  // namespace eddy
