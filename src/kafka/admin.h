// Admin: create, describe and delete topics with bounded time, on a real broker or on the
// embedded one (which has no Admin API: topics are created in the mock directly and
// configs are ignored there, with a debug log saying so).
//
//   Admin admin(kafka::client_properties(config, ClientKind::kAdmin));
//   admin.create_topics({{.name = "app-counts-changelog", .partitions = 8,
//                         .configs = {{"cleanup.policy", "compact"}}}});
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eddy/config.h"
#include "kafka/handle.h"
#include "kafka/types.h"

struct rd_kafka_queue_s;

namespace eddy::kafka {

struct NewTopic {
  std::string name;
  int partitions = 1;
  int replication_factor = -1;  // -1: the broker's default.replication.factor
  Properties configs;           // e.g. cleanup.policy=compact, retention.ms
};

struct TopicDescription {
  std::string name;
  int partitions = 0;
  int replication_factor = 0;
};

class Admin {
 public:
  explicit Admin(Properties properties,
                 std::chrono::milliseconds timeout = std::chrono::seconds(30));
  Admin(const Admin&) = delete;
  Admin& operator=(const Admin&) = delete;

  // Creates each topic. A topic that already exists is not an error when
  // `ignore_existing`; its partition count is not changed.
  void create_topics(const std::vector<NewTopic>& topics, bool ignore_existing = true);
  void delete_topics(const std::vector<std::string>& names);
  // nullopt when the topic does not exist.
  std::optional<TopicDescription> describe_topic(const std::string& name);
  TopicPartitionCounts list_topics();
  // The topic's configs as the broker reports them (real broker only).
  Properties describe_topic_configs(const std::string& name);

  // DeleteRecords without waiting, as Kafka Streams purges its repartition topics: asks the
  // brokers to delete, in each partition, the records before the given offset (the log start
  // offset moves there). One request at a time: while one is in flight this returns false and
  // sends nothing. The embedded broker has no DeleteRecords: it returns false.
  bool start_delete_records(const std::vector<TopicPartitionOffset>& before);
  // The answer to the request in flight: std::nullopt while none has come (or none was sent),
  // else "" when every partition was purged, or what failed (to log; the next request covers
  // those partitions again).
  std::optional<std::string> delete_records_answer();

  bool embedded() const { return embedded_; }

 private:
  struct QueueDeleter {
    void operator()(rd_kafka_queue_s* queue) const;
  };
  // Before handle_: librdkafka reports errors into it until the handle is destroyed.
  std::unique_ptr<ConnectionDiagnostics> diagnostics_;
  HandlePtr handle_;
  std::unique_ptr<rd_kafka_queue_s, QueueDeleter> delete_records_queue_;
  std::string bootstrap_;
  std::chrono::milliseconds timeout_;
  bool embedded_ = false;
};

}  // namespace eddy::kafka
