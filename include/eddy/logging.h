// eddy/logging.h — Eddy's log level.
//
// Eddy logs through one process-wide logger (to stderr). Set how much it says:
//
//   eddy::set_log_level(eddy::LogLevel::kDebug);
//   eddy::set_log_level("warn");   // from a flag or environment; throws ConfigError if unknown
//
// The environment variable EDDY_LOG_LEVEL, when set, gives the initial level (default info).
#pragma once

#include <string_view>

namespace eddy {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kOff };

void set_log_level(LogLevel level);
void set_log_level(std::string_view name);
LogLevel log_level();

}  // namespace eddy
