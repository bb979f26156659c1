#include "kafka/handle.h"

#include <librdkafka/rdkafka.h>

#include "common/log.h"
#include "kafka/error.h"

namespace eddy::kafka {

void HandleDeleter::operator()(rd_kafka_s* rk) const {
  rd_kafka_destroy(rk);
}

TopicPartitionCounts fetch_topic_partitions(rd_kafka_s* rk, const std::string& bootstrap,
                                            std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* metadata = nullptr;
  // all_topics=1: naming a topic would auto-create it on brokers (and the embedded one).
  const rd_kafka_resp_err_t err =
      rd_kafka_metadata(rk, 1, nullptr, &metadata, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw KafkaError("no Kafka broker answered at bootstrap.servers '" + bootstrap + "' within " +
                         std::to_string(timeout.count()) + " ms (" + rd_kafka_err2str(err) +
                         "); is the broker running (scripts/kafka.sh status)?",
                     err, /*retriable=*/true);
  }
  TopicPartitionCounts out;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const auto& topic = metadata->topics[i];
    if (topic.err == RD_KAFKA_RESP_ERR_NO_ERROR) out[topic.topic] = topic.partition_cnt;
  }
  rd_kafka_metadata_destroy(metadata);
  return out;
}

namespace {
void log_callback(const rd_kafka_t* rk, int level, const char* facility, const char* buf) {
  // syslog levels: 0-3 error, 4 warning, 5-6 notice/info, 7 debug.
  const char* name = rk != nullptr ? rd_kafka_name(rk) : "rdkafka";
  if (level <= 3) {
    EDDY_LOG_ERROR("librdkafka {} {}: {}", name, facility, buf);
  } else if (level == 4) {
    EDDY_LOG_WARN("librdkafka {} {}: {}", name, facility, buf);
  } else if (level <= 6) {
    EDDY_LOG_INFO("librdkafka {} {}: {}", name, facility, buf);
  } else {
    EDDY_LOG_DEBUG("librdkafka {} {}: {}", name, facility, buf);
  }
}
}  // namespace

void route_logs(rd_kafka_conf_s* conf) {
  rd_kafka_conf_set_log_cb(conf, log_callback);
}

}  // namespace eddy::kafka
