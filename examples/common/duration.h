// Parsing durations on the command line: "500ms", "30s", "10m", "2h" (a bare number is ms).
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <string>

namespace eddy::examples {

inline std::chrono::milliseconds parse_duration(const std::string& text) {
  size_t end = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &end);
  } catch (const std::exception&) {
    throw CLI::ValidationError("duration",
                               "'" + text + "' is not a duration like 500ms, 30s, 10m or 2h");
  }
  const std::string unit = text.substr(end);
  if (value < 0) throw CLI::ValidationError("duration", "'" + text + "' is negative");
  if (unit.empty() || unit == "ms") return std::chrono::milliseconds(value);
  if (unit == "s") return std::chrono::seconds(value);
  if (unit == "m") return std::chrono::minutes(value);
  if (unit == "h") return std::chrono::hours(value);
  throw CLI::ValidationError("duration", "unknown unit in '" + text + "'; use ms, s, m or h");
}

// Adds a --name option taking a duration string into `target`.
inline CLI::Option* add_duration_option(CLI::App& app, const std::string& name,
                                        std::chrono::milliseconds& target,
                                        const std::string& help) {
  return app
      .add_option_function<std::string>(
          name, [&target](const std::string& text) { target = parse_duration(text); }, help)
      ->type_name("DURATION");
}

}  // namespace eddy::examples
