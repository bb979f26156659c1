// Shared plumbing for librdkafka client handles: creation with logging wired to Eddy's
// logger, and connectivity / metadata helpers with bounded time.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "eddy/config.h"

struct rd_kafka_s;
struct rd_kafka_conf_s;

namespace eddy::kafka {

struct HandleDeleter {
  void operator()(rd_kafka_s* rk) const;
};
using HandlePtr = std::unique_ptr<rd_kafka_s, HandleDeleter>;

// Partition counts of existing topics, by name, from one metadata request.
using TopicPartitionCounts = std::map<std::string, int>;

// Fetches cluster metadata for all topics within `timeout`. Throws KafkaError naming the
// bootstrap servers when no broker answers in time (the "unreachable broker" error).
TopicPartitionCounts fetch_topic_partitions(rd_kafka_s* rk, const std::string& bootstrap,
                                            std::chrono::milliseconds timeout);

// Routes librdkafka's log lines into Eddy's logger (call on a conf before rd_kafka_new).
void route_logs(rd_kafka_conf_s* conf);

}  // namespace eddy::kafka
