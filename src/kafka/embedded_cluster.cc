#include "kafka/embedded_cluster.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <atomic>

#include "common/log.h"
#include "eddy/errors.h"

namespace eddy::kafka {
namespace {
std::atomic<bool> g_started{false};
constexpr int kBrokers = 1;
}  // namespace

EmbeddedCluster& EmbeddedCluster::instance() {
  // Never destroyed: clients of it may live until exit, and the mock's threads must outlive
  // them. It is reachable from this static, so leak checkers do not report it.
  static EmbeddedCluster* const cluster = new EmbeddedCluster();
  return *cluster;
}

bool EmbeddedCluster::started() {
  return g_started.load();
}

EmbeddedCluster::EmbeddedCluster() {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "client.id", "eddy-embedded-broker", errstr, sizeof errstr);
  // This handle only hosts the mock cluster: it never connects, so silence its
  // "no bootstrap.servers" notice.
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (handle_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw KafkaError(std::string("cannot start the embedded broker: ") + errstr);
  }
  cluster_ = rd_kafka_mock_cluster_new(handle_, kBrokers);
  if (cluster_ == nullptr) throw KafkaError("cannot start the embedded broker (mock cluster)");
  bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster_);
  g_started = true;
  EDDY_LOG_INFO(
      "bootstrap.servers is empty: started the embedded Kafka broker (librdkafka mock "
      "cluster) at {} — in-process, in-memory, no compaction or honest transactions",
      bootstrap_);
}

void EmbeddedCluster::create_topic(const std::string& topic, int partitions) {
  std::lock_guard lock(mutex_);
  const rd_kafka_resp_err_t err =
      rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, kBrokers);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
    throw KafkaError(
        "embedded broker: cannot create topic '" + topic + "': " + rd_kafka_err2str(err), err);
  }
}

void EmbeddedCluster::set_broker_down(int broker_id) {
  rd_kafka_mock_broker_set_down(cluster_, broker_id);
}

void EmbeddedCluster::set_broker_up(int broker_id) {
  rd_kafka_mock_broker_set_up(cluster_, broker_id);
}

}  // namespace eddy::kafka
