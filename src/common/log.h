// The one header through which Eddy code logs; the only place spdlog is included.
//
//   EDDY_LOG_INFO("task {} restored {} records in {} ms", task_id, n, ms);
//
// Three loggers share one level (set_log_level) and one destination (stderr, or the host's
// callback: eddy/logging.h): "eddy" for Eddy's own lines, "librdkafka" and "rocksdb" for the
// lines those libraries report through their log callbacks.
#pragma once

#include <spdlog/spdlog.h>

namespace eddy::common {

// The process-wide "eddy" logger (level from EDDY_LOG_LEVEL or set_log_level()).
spdlog::logger& logger();
// The loggers librdkafka's and RocksDB's lines go through (src/kafka, src/state/rocksdb).
spdlog::logger& librdkafka_logger();
spdlog::logger& rocksdb_logger();

}  // namespace eddy::common

#define EDDY_LOG_TRACE(...) ::eddy::common::logger().trace(__VA_ARGS__)
#define EDDY_LOG_DEBUG(...) ::eddy::common::logger().debug(__VA_ARGS__)
#define EDDY_LOG_INFO(...) ::eddy::common::logger().info(__VA_ARGS__)
#define EDDY_LOG_WARN(...) ::eddy::common::logger().warn(__VA_ARGS__)
#define EDDY_LOG_ERROR(...) ::eddy::common::logger().error(__VA_ARGS__)
