// eddy/logging_spdlog.h — hands Eddy's log lines (its own, librdkafka's and RocksDB's) to the
// host's spdlog logger instead of stderr. Opt-in: including it needs spdlog (the host's own,
// any version with spdlog::logger::log(level, fmt, args...)); Eddy itself does not expose it.
//
//   #include "eddy/logging_spdlog.h"
//   eddy::set_spdlog_logger(spdlog::default_logger());   // lines appear as "[librdkafka] ..."
//   eddy::set_log_level(eddy::LogLevel::kInfo);          // Eddy still filters by its level
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <utility>

#include "eddy/logging.h"

namespace eddy {

inline spdlog::level::level_enum to_spdlog_level(LogLevel level) {
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
      break;
  }
  return spdlog::level::off;
}

// Every Eddy line goes to `logger` at its level, prefixed with its source ("[eddy] ...",
// "[librdkafka] ...", "[rocksdb] ..."); the logger's own level and sinks apply after Eddy's.
// A null logger restores stderr.
inline void set_spdlog_logger(std::shared_ptr<spdlog::logger> logger) {
  if (!logger) {
    set_log_callback(nullptr);
    return;
  }
  set_log_callback([logger = std::move(logger)](const LogRecord& record) {
    logger->log(to_spdlog_level(record.level), "[{}] {}", record.source, record.message);
  });
}

}  // namespace eddy
