// Parsing durations on the command line: "500ms", "30s", "10m", "2h" (a bare number is ms).
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <string>

namespace eddy::examples {

// The longest duration a flag takes: 100 years. Windows, gaps and grace periods are added to
// event times (milliseconds since the epoch, int64) and to each other; anything longer means
// nothing for retail events and could overflow that arithmetic, so it is refused, not wrapped.
inline constexpr std::chrono::milliseconds kMaxFlagDuration = std::chrono::hours(24 * 36525);

inline std::chrono::milliseconds parse_duration(const std::string& text) {
  size_t end = 0;
  long long value = 0;
  const auto too_long = [&text] {
    return CLI::ValidationError("duration", "'" + text +
                                                "' is too long; the longest accepted duration is "
                                                "100 years (876600h)");
  };
  try {
    value = std::stoll(text, &end);
  } catch (const std::out_of_range&) {
    if (!text.empty() && text.front() == '-') {
      throw CLI::ValidationError("duration", "'" + text + "' is negative");
    }
    throw too_long();
  } catch (const std::exception&) {
    throw CLI::ValidationError("duration",
                               "'" + text + "' is not a duration like 500ms, 30s, 10m or 2h");
  }
  const std::string unit = text.substr(end);
  if (value < 0) throw CLI::ValidationError("duration", "'" + text + "' is negative");
  long long ms_per_unit = 0;
  if (unit.empty() || unit == "ms") {
    ms_per_unit = 1;
  } else if (unit == "s") {
    ms_per_unit = 1000;
  } else if (unit == "m") {
    ms_per_unit = 60 * 1000;
  } else if (unit == "h") {
    ms_per_unit = 60 * 60 * 1000;
  } else {
    throw CLI::ValidationError("duration", "unknown unit in '" + text + "'; use ms, s, m or h");
  }
  // Compared before multiplying, so no value wraps around.
  if (value > kMaxFlagDuration.count() / ms_per_unit) throw too_long();
  return std::chrono::milliseconds(value * ms_per_unit);
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
