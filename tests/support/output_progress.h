// Watching an application from outside: how far its output has grown, and whether it has
// drained its input (committed every input partition's end and stopped writing).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "eddy/errors.h"
#include "kafka/consumer.h"
#include "support/real_kafka.h"

namespace eddy::testing_support {

// Sum of the topic's partitions' end offsets: grows while the application makes progress.
inline int64_t output_end(kafka::Consumer& probe, const std::string& topic, int partitions) {
  using namespace std::chrono_literals;
  // A fresh topic's leader may not be known yet (NOT_LEADER_FOR_PARTITION): retry briefly.
  for (int attempt = 0;; ++attempt) {
    try {
      int64_t total = 0;
      for (int p = 0; p < partitions; ++p) total += probe.watermarks({topic, p}, 5s).second;
      return total;
    } catch (const KafkaError& e) {
      if (!e.retriable() || attempt == 50) throw;
      std::this_thread::sleep_for(100ms);
    }
  }
}

// Waits (at most `timeout`) until application `app` committed the end of every input
// partition and its output has stopped growing for 3 s: it has drained everything.
inline void wait_until_drained(const std::string& app, const std::string& input,
                               const std::string& output, int partitions,
                               std::chrono::seconds timeout = std::chrono::seconds(120)) {
  using namespace std::chrono_literals;
  kafka::Consumer group(
      {.properties = real_props(), .group_id = app});  // never joins: reads commits
  kafka::Consumer probe({.properties = real_props(), .group_id = unique_name("drain-probe")});
  std::vector<kafka::TopicPartition> input_partitions;
  for (int p = 0; p < partitions; ++p) input_partitions.push_back({input, p});
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int64_t last_output = -1;
  auto stable_since = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < deadline) {
    bool committed_all = true;
    for (const auto& c : group.committed(input_partitions, 10s)) {
      committed_all =
          committed_all && c.offset >= probe.watermarks({c.topic, c.partition}, 10s).second;
    }
    const int64_t now_output = output_end(probe, output, partitions);
    if (now_output != last_output) {
      last_output = now_output;
      stable_since = std::chrono::steady_clock::now();
    }
    if (committed_all && std::chrono::steady_clock::now() - stable_since > 3s) return;
    std::this_thread::sleep_for(200ms);
  }
  ADD_FAILURE() << "application " << app << " did not drain its input within " << timeout.count()
                << " s";
}

}  // namespace eddy::testing_support
