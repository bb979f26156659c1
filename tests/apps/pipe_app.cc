// A test application for crash-recovery tests: runs KafkaStreams until SIGTERM/SIGINT, then
// closes cleanly. Modes:
//   pipe:  the pipe task (input -> upper-cased <input>.out), no topology, no state;
//   count: a DSL topology counting records per value (re-key, repartition topic, RocksDB
//          store with changelog) into <input>.out.
//   eddy-test-pipe-app <bootstrap> <application.id> <input topic> <state dir> <guarantee>
//   [pipe|count] [instance name]
// The instance name (default "instance") makes the static member id
// (<application.id>-<instance name>): several instances of one application need distinct ones.
#include <csignal>
#include <cstdio>
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
  if (argc < 6 || argc > 8) {
    std::fprintf(stderr,
                 "usage: %s <bootstrap> <application.id> <topic> <state dir> <guarantee> "
                 "[pipe|count] [instance name]\n",
                 argv[0]);
    return 2;
  }
  const std::string mode = argc >= 7 ? argv[6] : "pipe";
  const std::string instance = argc == 8 ? argv[7] : "instance";
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
         {"consumer.heartbeat.interval.ms", "500"}});
    auto streams = make_streams(mode, argv[3], config);
    streams->start();
    while (!g_stop && streams->state() != eddy::KafkaStreams::State::kError) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const bool failed = streams->state() == eddy::KafkaStreams::State::kError;
    streams->close(std::chrono::seconds(30));
    return failed ? 1 : 0;
  } catch (const eddy::Error& e) {
    std::fprintf(stderr, "test app: %s\n", e.what());
    return 1;
  }
}
