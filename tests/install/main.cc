// Uses Eddy only through its installed public headers.
#include <cstdio>

#include "eddy/config.h"
#include "eddy/errors.h"
#include "eddy/logging.h"

int main() {
  eddy::set_log_level(eddy::LogLevel::kWarn);
  try {
    eddy::StreamsConfig::from_properties({{"application.id", "installed"}, {"no.such.key", "1"}});
  } catch (const eddy::ConfigError& e) {
    std::printf("installed eddy works: %s\n", e.what());
    return e.key() == "no.such.key" ? 0 : 1;
  }
  std::printf("expected a ConfigError\n");
  return 1;
}
