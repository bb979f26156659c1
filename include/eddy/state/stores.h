// eddy/state/stores.h — describing the stores a topology needs: Stores and StoreBuilder.
//
// A StoreBuilder is a description, not a store: the runtime (or the test driver) builds
// one store instance per task from it, stacking the layers it asks for (metered over
// caching over change-logging over the inner RocksDB or in-memory store).
//
//   auto counts = eddy::Stores::persistent_key_value("counts")
//                     .with_caching_enabled()
//                     .with_logging_enabled({{"min.compaction.lag.ms", "60000"}})
//                     .with_ttl({.ttl = std::chrono::hours(24), .clock =
//                     eddy::TtlClock::kEventTime});
//   builder.add_state_store(counts);
//   // a processor connected to it hears expiries with ProcessorContext::on_expiry; DSL tables
//   // take a TTL with Materialized::with_ttl and forward each expiry as a deletion
//
// Changelog topics: key-value stores log to a compacted topic; window and session stores to
// a "compact,delete" topic whose retention.ms is the store's retention plus one day
// (changelog_topic_configs() returns what the runtime should create).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "eddy/config.h"

namespace eddy {

enum class StoreKind { kKeyValue, kWindow, kSession };

// How a key-value store expires keys (beyond Kafka Streams, which has no TTL).
enum class TtlClock {
  kEventTime,  // expires when stream time passes the key's last write timestamp + ttl
  kWallClock,  // expires ttl after the key's last write, by the wall clock
};

struct TtlOptions {
  std::chrono::milliseconds ttl{0};
  TtlClock clock = TtlClock::kEventTime;
};

// Everything the runtime needs to build one instance of a store.
struct StoreSpec {
  std::string name;
  StoreKind kind = StoreKind::kKeyValue;
  bool persistent = true;         // RocksDB; false = in memory
  bool caching = false;           // record cache in front (write-combining, byte-bounded)
  bool logging = true;            // changelog topic <application.id>-<name>-changelog
  Properties changelog_configs;   // extra topic configs for the changelog
  std::optional<TtlOptions> ttl;  // key-value stores only
  // Window and session stores:
  int64_t retention_ms = 0;        // keep windows/sessions this long behind stream time
  int64_t window_size_ms = 0;      // window stores
  bool retain_duplicates = false;  // window stores used by stream-stream joins
  // Key-value stores: set, the store is versioned (versioned_key_value_store.h) and keeps
  // each key's older versions this long behind stream time. Caching does not apply to it.
  std::optional<int64_t> history_retention_ms;
  // Window stores of aggregations that emit on window close: reads see windows back to
  // stream time - retention inclusive, as Kafka Streams' time-ordered window store does for
  // those aggregations (its key-ordered one, and so Eddy's default, to stream time -
  // retention + 1). It decides which earlier windows a sliding aggregation finds.
  bool time_ordered_reads = false;
};

class StoreBuilder {
 public:
  explicit StoreBuilder(StoreSpec spec) : spec_(std::move(spec)) {}

  StoreBuilder& with_caching_enabled() {
    spec_.caching = true;
    return *this;
  }
  StoreBuilder& with_caching_disabled() {
    spec_.caching = false;
    return *this;
  }
  StoreBuilder& with_logging_enabled(Properties topic_configs = {}) {
    spec_.logging = true;
    spec_.changelog_configs = std::move(topic_configs);
    return *this;
  }
  StoreBuilder& with_logging_disabled() {
    spec_.logging = false;
    return *this;
  }
  StoreBuilder& with_ttl(TtlOptions ttl) {
    spec_.ttl = ttl;
    return *this;
  }
  // Short names used in the issue text and docs; same as the *_enabled() forms.
  StoreBuilder& with_caching() { return with_caching_enabled(); }
  StoreBuilder& with_logging(Properties topic_configs = {}) {
    return with_logging_enabled(std::move(topic_configs));
  }

  const StoreSpec& spec() const { return spec_; }
  const std::string& name() const { return spec_.name; }

 private:
  StoreSpec spec_;
};

// The configs a store's changelog topic is created with, as Kafka Streams creates them:
// compacted for key-value stores, compact+delete with retention (store retention + 1 day,
// windowstore.changelog.additional.retention.ms) for windowed ones, record timestamps as the
// producer set them; `spec.changelog_configs` override these defaults.
inline Properties changelog_topic_configs(const StoreSpec& spec) {
  Properties configs;
  configs["message.timestamp.type"] = "CreateTime";
  if (spec.kind == StoreKind::kKeyValue) {
    configs["cleanup.policy"] = "compact";
    // A versioned store's changelog keeps every version within the history retention (and a
    // day more), so a restore rebuilds the history, not only the latest values (Kafka
    // Streams' VersionedChangelogTopicConfig).
    if (spec.history_retention_ms) {
      configs["min.compaction.lag.ms"] =
          std::to_string(*spec.history_retention_ms + 24LL * 60 * 60 * 1000);
    }
  } else {
    configs["cleanup.policy"] = "compact,delete";
    configs["retention.ms"] = std::to_string(spec.retention_ms + 24LL * 60 * 60 * 1000);
  }
  for (const auto& [key, value] : spec.changelog_configs) configs[key] = value;
  return configs;
}

struct Stores {
  static StoreBuilder persistent_key_value(std::string name) {
    return StoreBuilder(spec(std::move(name), StoreKind::kKeyValue, true));
  }
  static StoreBuilder in_memory_key_value(std::string name) {
    return StoreBuilder(spec(std::move(name), StoreKind::kKeyValue, false));
  }
  // A versioned key-value store (versioned_key_value_store.h) keeping older versions for
  // `history_retention` behind stream time.
  static StoreBuilder persistent_versioned_key_value_store(
      std::string name, std::chrono::milliseconds history_retention) {
    StoreSpec s = spec(std::move(name), StoreKind::kKeyValue, true);
    s.history_retention_ms = history_retention.count();
    return StoreBuilder(std::move(s));
  }
  static StoreBuilder in_memory_versioned_key_value_store(
      std::string name, std::chrono::milliseconds history_retention) {
    StoreSpec s = spec(std::move(name), StoreKind::kKeyValue, false);
    s.history_retention_ms = history_retention.count();
    return StoreBuilder(std::move(s));
  }
  static StoreBuilder persistent_window(std::string name, std::chrono::milliseconds retention,
                                        std::chrono::milliseconds window_size,
                                        bool retain_duplicates = false) {
    return StoreBuilder(
        spec(std::move(name), StoreKind::kWindow, true, retention, window_size, retain_duplicates));
  }
  static StoreBuilder in_memory_window(std::string name, std::chrono::milliseconds retention,
                                       std::chrono::milliseconds window_size,
                                       bool retain_duplicates = false) {
    return StoreBuilder(spec(std::move(name), StoreKind::kWindow, false, retention, window_size,
                             retain_duplicates));
  }
  static StoreBuilder persistent_session(std::string name, std::chrono::milliseconds retention) {
    return StoreBuilder(spec(std::move(name), StoreKind::kSession, true, retention));
  }
  static StoreBuilder in_memory_session(std::string name, std::chrono::milliseconds retention) {
    return StoreBuilder(spec(std::move(name), StoreKind::kSession, false, retention));
  }

 private:
  // Field by field, so users compiling with -Wextra see no missing-initializer warnings.
  static StoreSpec spec(std::string name, StoreKind kind, bool persistent,
                        std::chrono::milliseconds retention = {},
                        std::chrono::milliseconds window_size = {},
                        bool retain_duplicates = false) {
    StoreSpec out;
    out.name = std::move(name);
    out.kind = kind;
    out.persistent = persistent;
    out.retention_ms = retention.count();
    out.window_size_ms = window_size.count();
    out.retain_duplicates = retain_duplicates;
    return out;
  }
};

}  // namespace eddy
