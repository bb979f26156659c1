// The TLS and SASL_SSL listeners of the broker `scripts/kafka.sh start --secure` runs, for
// integration tests. scripts/test.sh starts it and exports EDDY_TEST_SECURE_DIR (the folder of
// the generated client properties); without it the secure tests are skipped, except in CI
// (CI=true), where a missing secure broker is a failure.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "eddy/config.h"

namespace eddy::testing_support {

inline std::string secure_dir() {
  const char* env = std::getenv("EDDY_TEST_SECURE_DIR");
  return env != nullptr ? env : "";
}

// Skips the test (fails it in CI) when no secure broker was started.
#define EDDY_REQUIRE_SECURE_BROKER()                                                           \
  do {                                                                                         \
    if (::eddy::testing_support::secure_dir().empty()) {                                       \
      const char* ci = std::getenv("CI");                                                      \
      if (ci != nullptr && std::string(ci) == "true") {                                        \
        FAIL() << "CI needs the secure broker: scripts/test.sh starts it with "                \
                  "'scripts/kafka.sh start --secure' and exports EDDY_TEST_SECURE_DIR";        \
      }                                                                                        \
      GTEST_SKIP() << "no secure broker: run 'scripts/kafka.sh start --secure' and export "    \
                      "EDDY_TEST_SECURE_DIR=$(dirname $(scripts/kafka.sh client-config ssl))"; \
    }                                                                                          \
  } while (0)

// The librdkafka client properties of one listener: "ssl" (TLS with a client certificate
// whose key is encrypted) or "sasl-ssl" (SASL PLAIN over TLS), bootstrap.servers included.
inline Properties secure_props(const std::string& listener) {
  return read_properties_file(secure_dir() + "/client-" + listener + ".properties");
}

// Every secret the secure broker's clients hold: passwords, and the lines of the client's
// private key file (encrypted PEM body), so a test can look for any of them in output.
inline std::vector<std::string> secure_secrets() {
  std::vector<std::string> out;
  for (const std::string listener : {"ssl", "sasl-ssl"}) {
    for (const auto& [key, value] : secure_props(listener)) {
      if (is_secret_key(key) && !value.empty()) out.push_back(value);
    }
  }
  std::ifstream key_file(secure_dir() + "/client.key");
  std::string line;
  while (std::getline(key_file, line)) {
    if (line.size() >= 32 && line.find("-----") == std::string::npos) out.push_back(line);
  }
  return out;
}

}  // namespace eddy::testing_support
