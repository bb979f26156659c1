#include "common/log.h"

#include <spdlog/sinks/sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

#include "eddy/errors.h"
#include "eddy/logging.h"

namespace eddy {
namespace {

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return spdlog::level::trace;
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
    case LogLevel::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

LogLevel from_spdlog(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return LogLevel::kTrace;
    case spdlog::level::debug:
      return LogLevel::kDebug;
    case spdlog::level::info:
      return LogLevel::kInfo;
    case spdlog::level::warn:
      return LogLevel::kWarn;
    case spdlog::level::err:
    case spdlog::level::critical:
      return LogLevel::kError;
    default:
      return LogLevel::kOff;
  }
}

LogLevel parse_level(std::string_view name) {
  if (name == "trace") return LogLevel::kTrace;
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warn" || name == "warning") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  if (name == "off") return LogLevel::kOff;
  throw ConfigError("log.level", "unknown level '" + std::string(name) +
                                     "'; use trace, debug, info, warn, error or off");
}

// The sink of all three loggers: stderr (with the logger's name: [eddy], [librdkafka],
// [rocksdb]), or the host's callback when one is set.
class RoutingSink final : public spdlog::sinks::sink {
 public:
  RoutingSink() : stderr_(std::make_shared<spdlog::sinks::stderr_color_sink_mt>()) {
    stderr_->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v");
  }

  void set_callback(LogCallback callback) {
    auto next = callback ? std::make_shared<const LogCallback>(std::move(callback)) : nullptr;
    std::lock_guard lock(mutex_);
    callback_ = std::move(next);
  }

  void log(const spdlog::details::log_msg& msg) override {
    std::shared_ptr<const LogCallback> callback;
    {
      std::lock_guard lock(mutex_);
      callback = callback_;
    }
    if (!callback) {
      stderr_->log(msg);
      return;
    }
    try {
      (*callback)(
          LogRecord{.level = from_spdlog(msg.level),
                    .source = std::string_view(msg.logger_name.data(), msg.logger_name.size()),
                    .message = std::string_view(msg.payload.data(), msg.payload.size())});
    } catch (...) {
      // A host callback that throws must not take a stream thread (or librdkafka's) down.
    }
  }
  void flush() override { stderr_->flush(); }
  void set_pattern(const std::string& pattern) override { stderr_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
    stderr_->set_formatter(std::move(formatter));
  }

 private:
  std::shared_ptr<spdlog::sinks::stderr_color_sink_mt> stderr_;
  std::mutex mutex_;
  std::shared_ptr<const LogCallback> callback_;
};

struct Loggers {
  std::shared_ptr<RoutingSink> sink = std::make_shared<RoutingSink>();
  std::shared_ptr<spdlog::logger> eddy = make("eddy");
  std::shared_ptr<spdlog::logger> librdkafka = make("librdkafka");
  std::shared_ptr<spdlog::logger> rocksdb = make("rocksdb");

  Loggers() { set_level(initial_level()); }

  // Not in spdlog's registry: the host's loggers (and its set_level/drop_all) are its own.
  std::shared_ptr<spdlog::logger> make(const char* name) const {
    auto log = std::make_shared<spdlog::logger>(name, sink);
    log->flush_on(spdlog::level::warn);
    return log;
  }
  static LogLevel initial_level() {
    if (const char* env = std::getenv("EDDY_LOG_LEVEL"); env != nullptr && *env != '\0') {
      try {
        return parse_level(env);
      } catch (const ConfigError&) {
        // a typo in the environment must not stop the process
      }
    }
    return LogLevel::kInfo;
  }
  void set_level(LogLevel level) const {
    for (const auto& log : {eddy, librdkafka, rocksdb}) log->set_level(to_spdlog(level));
  }
};

Loggers& loggers() {
  static Loggers instance;
  return instance;
}

}  // namespace

namespace common {
spdlog::logger& logger() {
  return *loggers().eddy;
}
spdlog::logger& librdkafka_logger() {
  return *loggers().librdkafka;
}
spdlog::logger& rocksdb_logger() {
  return *loggers().rocksdb;
}
}  // namespace common

void set_log_level(LogLevel level) {
  loggers().set_level(level);
}

void set_log_level(std::string_view name) {
  set_log_level(parse_level(name));
}

LogLevel log_level() {
  return from_spdlog(common::logger().level());
}

void set_log_callback(LogCallback callback) {
  loggers().sink->set_callback(std::move(callback));
}

}  // namespace eddy
