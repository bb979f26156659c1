// libFuzzer target: StreamsConfig parsing. The input is a properties file (as --kafka-config
// reads it); its properties go through StreamsConfig::from_properties() and validate(). Bad
// input may be refused only with eddy::ConfigError (naming the key); anything accepted
// round-trips through redacted_properties().
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/log.h"
#include "eddy/config.h"
#include "eddy/errors.h"
#include "eddy/logging.h"

namespace {

std::filesystem::path scratch_file() {
  static const std::filesystem::path file = [] {
    const std::filesystem::path base = std::filesystem::exists("/dev/shm")
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    eddy::set_log_level("off");
    return base / ("eddy-fuzz-config-" + std::to_string(::getpid()) + ".properties");
  }();
  return file;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = scratch_file();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  eddy::Properties properties;
  try {
    properties = eddy::read_properties_file(path.string());
  } catch (const eddy::ConfigError&) {
    return 0;
  }
  // Never the embedded broker: validate() would start one for an empty bootstrap.servers.
  if (!properties.contains("bootstrap.servers") || properties["bootstrap.servers"].empty() ||
      properties["bootstrap.servers"] == "embedded") {
    properties["bootstrap.servers"] = "localhost:9092";
  }
  eddy::StreamsConfig config;
  try {
    config = eddy::StreamsConfig::from_properties(properties);
    config.validate();
  } catch (const eddy::ConfigError&) {
    return 0;
  }
  // What was accepted, written out as properties (as start() logs them), is accepted again
  // as the same config. Secrets are written as "[hidden]", so such configs are not compared.
  const eddy::Properties written = config.redacted_properties();
  for (const auto& [key, value] : written) {
    if (eddy::is_secret_key(key)) return 0;
  }
  const eddy::StreamsConfig again = eddy::StreamsConfig::from_properties(written);
  again.validate();
  if (again.redacted_properties() != written) std::abort();
  return 0;
}
