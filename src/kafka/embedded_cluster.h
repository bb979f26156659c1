// The embedded broker: librdkafka's in-process mock cluster, for running with no Kafka.
//
// It speaks the Kafka protocol on loopback (random port), so Eddy's own clients and other
// processes can use it, but it lacks the Admin API, topic configs (no compaction) and honest
// transactions: see docs/embedded-broker.md. Topics are created through this class (Admin
// does so when the embedded broker is in use).
#pragma once

#include <memory>
#include <mutex>
#include <string>

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace eddy::kafka {

class EmbeddedCluster {
 public:
  // The process's embedded cluster, started (and announced in the log) on first call.
  static EmbeddedCluster& instance();

  // True once instance() has started it.
  static bool started();

  const std::string& bootstrap() const { return bootstrap_; }

  // Creates `topic` with `partitions` partitions; no-op if it exists with that count.
  void create_topic(const std::string& topic, int partitions);

  // Fault injection for tests: take broker `broker_id` (1-based) down or up.
  void set_broker_down(int broker_id);
  void set_broker_up(int broker_id);

  EmbeddedCluster(const EmbeddedCluster&) = delete;
  EmbeddedCluster& operator=(const EmbeddedCluster&) = delete;

 private:
  EmbeddedCluster();

  rd_kafka_s* handle_ = nullptr;  // the client instance that owns the mock cluster
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
  std::string bootstrap_;
  std::mutex mutex_;
};

}  // namespace eddy::kafka
