#include "common/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <cstdlib>
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

std::shared_ptr<spdlog::logger> make_logger() {
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto log = std::make_shared<spdlog::logger>("eddy", sink);
  log->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [eddy] %v");
  LogLevel level = LogLevel::kInfo;
  if (const char* env = std::getenv("EDDY_LOG_LEVEL"); env != nullptr && *env != '\0') {
    try {
      level = parse_level(env);
    } catch (const ConfigError&) {
      level = LogLevel::kInfo;  // a typo in the environment must not stop the process
    }
  }
  log->set_level(to_spdlog(level));
  log->flush_on(spdlog::level::warn);
  return log;
}

}  // namespace

namespace detail {
spdlog::logger& logger() {
  static const std::shared_ptr<spdlog::logger> instance = make_logger();
  return *instance;
}
}  // namespace detail

void set_log_level(LogLevel level) {
  detail::logger().set_level(to_spdlog(level));
}

void set_log_level(std::string_view name) {
  set_log_level(parse_level(name));
}

LogLevel log_level() {
  switch (detail::logger().level()) {
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

}  // namespace eddy
