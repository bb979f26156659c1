// Shared bits of the end-to-end benchmark binaries: the W1 record transform (kept identical
// to benchmarks/kstreams/EddyBench.java and to what an Eddy W1 topology must do), process
// resource figures, and the one-line JSON result every measured process prints last.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace eddy::bench {

// ---- W1: stateless filter + mapValues on the JSON string (no parsing) ---------------------
// Drop: page views of category "books". Map: append `,"w1":true` before the closing brace.
// The loader's events always carry both fields with this exact spelling.
inline constexpr std::string_view kW1DropType = R"("type":"page_view")";
inline constexpr std::string_view kW1DropCategory = R"("category":"books")";
inline constexpr std::string_view kW1Suffix = R"(,"w1":true})";

inline bool w1_keep(std::string_view value) {
  return value.find(kW1DropCategory) == std::string_view::npos ||
         value.find(kW1DropType) == std::string_view::npos;
}

// Writes the mapped value into `out` (reused across records: no allocation once warm).
inline void w1_map(std::string_view value, std::string& out) {
  out.clear();
  if (!value.empty() && value.back() == '}') {
    out.append(value.substr(0, value.size() - 1));
    out.append(kW1Suffix);
  } else {
    out.append(value);
  }
}

// ---- resource figures ------------------------------------------------------------------------
struct Usage {
  double user_s = 0;
  double sys_s = 0;
  long max_rss_kb = 0;
  double cpu_s() const { return user_s + sys_s; }
};

inline Usage self_usage() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  Usage u;
  u.user_s = static_cast<double>(ru.ru_utime.tv_sec) + ru.ru_utime.tv_usec / 1e6;
  u.sys_s = static_cast<double>(ru.ru_stime.tv_sec) + ru.ru_stime.tv_usec / 1e6;
  u.max_rss_kb = ru.ru_maxrss;
  return u;
}

inline double now_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

inline int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace eddy::bench
