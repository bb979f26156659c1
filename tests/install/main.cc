// Uses Eddy only through its installed public headers, against the static or the shared
// library (scripts/check-install.sh builds it against both): a typed exception, a topology run
// by the test driver (DSL templates calling into the library), the log callback, and the
// metrics source of a KafkaStreams instance.
#include <cstdio>
#include <map>
#include <optional>
#include <string>

#include "eddy/eddy.h"  // the umbrella: every public header compiles on its own tree
#include "eddy/testing/topology_test_driver.h"

namespace {
int failures = 0;
void check(bool ok, const char* what) {
  if (!ok) {
    std::printf("FAILED: %s\n", what);
    ++failures;
  }
}
}  // namespace

int main() {
  eddy::set_log_level(eddy::LogLevel::kInfo);
  int log_lines = 0;
  eddy::set_log_callback([&log_lines](const eddy::LogRecord&) { ++log_lines; });

  try {
    eddy::StreamsConfig::from_properties({{"application.id", "installed"}, {"no.such.key", "1"}});
    check(false, "an unknown key throws ConfigError");
  } catch (const eddy::ConfigError& e) {
    check(e.key() == "no.such.key", "ConfigError names the key");
  }
  check(eddy::is_secret_key("sasl.password"), "sasl.password is a secret");

  eddy::StreamsConfig config;
  config.application_id = "installed-word-count";
  config.state_dir = "/tmp/eddy-install-consumer";
  eddy::StreamsBuilder builder;
  builder.stream<std::string, std::string>("words")
      .group_by([](const std::string&, const std::string& word) { return word; })
      .count(eddy::Materialized<std::string, int64_t>::as("counts"))
      .to_stream()
      .to("word-counts");
  const eddy::Topology topology = builder.build(config);
  {
    eddy::TopologyTestDriver driver(topology, config);
    auto words = driver.create_input_topic<std::string, std::string>("words");
    auto counts = driver.create_output_topic<std::string, std::optional<int64_t>>("word-counts");
    words.pipe_input("k1", "apple", 10);
    words.pipe_input("k2", "apple", 20);
    words.pipe_input("k3", "pear", 30);
    const auto result = counts.read_key_values_to_map();
    check(result.at("apple") == 2 && result.at("pear") == 1, "the driver counts words");
  }

  {
    // On the embedded broker (in this process), where the input topic does not exist: start()
    // logs its configuration, then fails naming the topic.
    eddy::KafkaStreams streams(topology, config);
    bool named = false;
    for (const auto& sample : streams.metrics_source()()) {
      named = named || sample.name == "eddy_memory_budget_bytes";
    }
    check(named, "the metrics source lists the memory budget");
    try {
      streams.start();
      check(false, "start() without the input topic throws");
    } catch (const eddy::Error& e) {
      check(std::string(e.what()).find("words") != std::string::npos, "the error names 'words'");
    }
  }
  eddy::set_log_callback(nullptr);
  check(log_lines > 0, "the log callback received Eddy's lines");

  if (failures == 0) std::printf("installed eddy works\n");
  return failures == 0 ? 0 : 1;
}
