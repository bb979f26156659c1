// Helpers for integration tests against the real local Kafka started by scripts/kafka.sh.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "eddy/config.h"

namespace eddy::testing_support {

// EDDY_TEST_BOOTSTRAP, or the single-node broker of scripts/kafka.sh.
inline std::string real_bootstrap() {
  const char* env = std::getenv("EDDY_TEST_BOOTSTRAP");
  return env != nullptr && *env != '\0' ? env : "localhost:9092";
}

// A topic or group name no earlier run used, so tests never see another run's data.
// Tests do not delete their topics: librdkafka (2.0.x) can hang for good destroying a client
// whose topic was deleted while it knew the topic (confluentinc/librdkafka#4362), and the
// broker that scripts/test.sh starts is fresh for every run anyway.
inline std::string unique_name(const std::string& base) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return base + "-" +
         std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(now).count());
}

inline Properties real_props() {
  return {{"bootstrap.servers", real_bootstrap()}};
}

// Runs a shell command and returns its exit status and standard output.
inline std::pair<int, std::string> run_command(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, out};
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace eddy::testing_support

namespace eddy::testing_support {

// Event timestamps for records sent to the real broker: recent ones. A record stamped near
// 1970 is older than any retention.ms, so the broker deletes its segment within seconds.
inline int64_t recent_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() -
         3'600'000;
}

}  // namespace eddy::testing_support
