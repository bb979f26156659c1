// A test application for crash-recovery tests: runs KafkaStreams with the pipe task
// (input -> upper-cased <input>.out) until SIGTERM/SIGINT, then closes cleanly.
//   eddy-test-pipe-app <bootstrap> <application.id> <input topic> <state dir>
//   <at_least_once|exactly_once_v2>
#include <csignal>
#include <cstdio>
#include <thread>

#include "eddy/errors.h"
#include "eddy/kafka_streams.h"
#include "support/pipe_task.h"

namespace {
volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s <bootstrap> <application.id> <topic> <state dir> <guarantee>\n",
                 argv[0]);
    return 2;
  }
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
         {"group.instance.id", std::string(argv[2]) + "-instance"},
         {"consumer.heartbeat.interval.ms", "500"}});
    eddy::KafkaStreams streams(std::make_shared<eddy::testing_support::PipeTaskFactory>(argv[3]),
                               config);
    streams.start();
    while (!g_stop && streams.state() != eddy::KafkaStreams::State::kError) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const bool failed = streams.state() == eddy::KafkaStreams::State::kError;
    streams.close(std::chrono::seconds(30));
    return failed ? 1 : 0;
  } catch (const eddy::Error& e) {
    std::fprintf(stderr, "pipe app: %s\n", e.what());
    return 1;
  }
}
