// The one header through which Eddy code logs; the only place spdlog is included.
//
//   EDDY_LOG_INFO("task {} restored {} records in {} ms", task_id, n, ms);
#pragma once

#include <spdlog/spdlog.h>

namespace eddy::detail {

// The process-wide "eddy" logger (stderr, level from EDDY_LOG_LEVEL or set_log_level()).
spdlog::logger& logger();

}  // namespace eddy::detail

#define EDDY_LOG_TRACE(...) ::eddy::detail::logger().trace(__VA_ARGS__)
#define EDDY_LOG_DEBUG(...) ::eddy::detail::logger().debug(__VA_ARGS__)
#define EDDY_LOG_INFO(...) ::eddy::detail::logger().info(__VA_ARGS__)
#define EDDY_LOG_WARN(...) ::eddy::detail::logger().warn(__VA_ARGS__)
#define EDDY_LOG_ERROR(...) ::eddy::detail::logger().error(__VA_ARGS__)
