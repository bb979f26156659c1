// A test application for crash-recovery tests: runs KafkaStreams until SIGTERM/SIGINT, then
// closes cleanly. Modes:
//   pipe:  the pipe task (input -> upper-cased <input>.out), no topology, no state;
//   count: a DSL topology counting records per value (re-key, repartition topic, RocksDB
//          store with changelog) into <input>.out;
//   windows: per key, a session count (gap 2 s) into <input>.sessions and a tumbling-window
//          count (1 s, grace 500 ms) into <input>.windows, every update forwarded (no record
//          cache), so the output is a function of the input alone.
//   eddy-test-pipe-app <bootstrap> <application.id> <input topic> <state dir> <guarantee>
//   [pipe|count|windows] [instance name] [standby replicas]
// Exit status: 0 after a clean close, 1 after an error, 3 when close() timed out.
// The instance name (default "instance") makes the static member id
// (<application.id>-<instance name>): several instances of one application need distinct ones.
// Standby replicas (default 0) sets num.standby.replicas.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "eddy/dsl/streams_builder.h"
#include "eddy/errors.h"
#include "eddy/kafka_streams.h"
#include "support/pipe_task.h"

namespace {
volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}

std::unique_ptr<eddy::KafkaStreams> make_streams(const std::string& mode, const std::string& topic,
                                                 const eddy::StreamsConfig& config) {
  if (mode == "pipe") {
    return std::make_unique<eddy::KafkaStreams>(
        std::make_shared<eddy::testing_support::PipeTaskFactory>(topic), config);
  }
  eddy::StreamsBuilder builder;
  if (mode == "windows") {
    using namespace std::chrono_literals;
    auto grouped = builder.stream<std::string, std::string>(topic).group_by_key();
    grouped.windowed_by(eddy::SessionWindows::of_inactivity_gap_with_no_grace(2s))
        .count(eddy::Materialized<std::string, int64_t>::as("session-counts"))
        .to_stream()
        .to(topic + ".sessions",
            eddy::Produced<eddy::Windowed<std::string>, std::optional<int64_t>>::with(
                eddy::serdes::session_windowed(eddy::serdes::string()),
                eddy::serdes::nullable(eddy::serdes::int64())));
    grouped.windowed_by(eddy::TimeWindows::of_size_and_grace(1s, 500ms))
        .count(eddy::Materialized<std::string, int64_t>::as("window-counts"))
        .to_stream()
        .to(topic + ".windows",
            eddy::Produced<eddy::Windowed<std::string>, std::optional<int64_t>>::with(
                eddy::serdes::time_windowed(eddy::serdes::string(), 1000),
                eddy::serdes::nullable(eddy::serdes::int64())));
    return std::make_unique<eddy::KafkaStreams>(builder.build(config), config);
  }
  builder.stream<std::string, std::string>(topic)
      .group_by([](const std::string&, const std::string& value) { return value; },
                eddy::Grouped<std::string, std::string>::with_name("by-value"))
      .count(eddy::Materialized<std::string, int64_t>::as("value-counts"))
      .to_stream()
      .to(topic + ".out");
  return std::make_unique<eddy::KafkaStreams>(builder.build(config), config);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 6 || argc > 9) {
    std::fprintf(stderr,
                 "usage: %s <bootstrap> <application.id> <topic> <state dir> <guarantee> "
                 "[pipe|count|windows] [instance name] [standby replicas]\n",
                 argv[0]);
    return 2;
  }
  const std::string mode = argc >= 7 ? argv[6] : "pipe";
  const std::string instance = argc >= 8 ? argv[7] : "instance";
  const std::string standbys = argc == 9 ? argv[8] : "0";
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  try {
    auto config = eddy::StreamsConfig::from_properties(
        {{"application.id", argv[2]},
         {"bootstrap.servers", argv[1]},
         {"state.dir", argv[4]},
         {"processing.guarantee", argv[5]},
         {"commit.interval.ms", "200"},
         {"poll.ms", "20"},
         {"consumer.session.timeout.ms", "6000"},
         // Static membership: a restart rejoins at once.
         {"group.instance.id", std::string(argv[2]) + "-" + instance},
         {"consumer.heartbeat.interval.ms", "500"},
         {"num.standby.replicas", standbys}});
    // EDDY_TEST_METRICS_PORT: the Prometheus endpoint, for tests that read the app's metrics.
    if (const char* port = std::getenv("EDDY_TEST_METRICS_PORT"))
      config.metrics_port = std::atoi(port);
    // windows: every update goes out, none is combined by a record cache at commit time.
    if (mode == "windows") config.cache_max_bytes = 0;
    auto streams = make_streams(mode, argv[3], config);
    streams->start();
    while (!g_stop && streams->state() != eddy::KafkaStreams::State::kError) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const bool failed = streams->state() == eddy::KafkaStreams::State::kError;
    if (!streams->close(std::chrono::seconds(30))) {
      // A thread could not stop in time (it is abandoned): end the process now rather than
      // run static destructors under it.
      std::fprintf(stderr, "test app: close() timed out\n");
      std::fflush(nullptr);
      std::_Exit(3);
    }
    return failed ? 1 : 0;
  } catch (const eddy::Error& e) {
    std::fprintf(stderr, "test app: %s\n", e.what());
    return 1;
  }
}
