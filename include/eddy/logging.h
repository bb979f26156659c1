// eddy/logging.h — Eddy's log level, and where its log lines go.
//
// Eddy logs its own lines, librdkafka's and RocksDB's through one place: by default to stderr,
// or to a callback the host installs (a host with an spdlog logger of its own:
// eddy/logging_spdlog.h). Set how much it says:
//
//   eddy::set_log_level(eddy::LogLevel::kDebug);
//   eddy::set_log_level("warn");   // from a flag or environment; throws ConfigError if unknown
//
//   eddy::set_log_callback([](const eddy::LogRecord& r) {   // instead of stderr
//     my_log(r.level, r.source, r.message);
//   });
//
// The environment variable EDDY_LOG_LEVEL, when set, gives the initial level (default info).
// Secrets (passwords, SASL JAAS configs, private keys) never appear in a log line.
#pragma once

#include <functional>
#include <string_view>

namespace eddy {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kOff };

void set_log_level(LogLevel level);
void set_log_level(std::string_view name);
LogLevel log_level();

// One log line. `source` is "eddy", "librdkafka" or "rocksdb"; `message` is the line without
// a timestamp or level. Both views are valid only during the callback.
struct LogRecord {
  LogLevel level;
  std::string_view source;
  std::string_view message;
};

// Called for every line at or above log_level(), instead of writing to stderr. It runs on the
// thread that logs (stream threads, librdkafka's and RocksDB's background threads), possibly
// on several at once: it must be thread-safe, quick, and must not throw (an exception is
// swallowed). An empty callback restores stderr. Lines logged while the callback is replaced
// go to the old or the new one, never to neither.
using LogCallback = std::function<void(const LogRecord& record)>;
void set_log_callback(LogCallback callback);

}  // namespace eddy
