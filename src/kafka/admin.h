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

  bool embedded() const { return embedded_; }

 private:
  // Before handle_: librdkafka reports errors into it until the handle is destroyed.
  std::unique_ptr<ConnectionDiagnostics> diagnostics_;
  HandlePtr handle_;
  std::string bootstrap_;
  std::chrono::milliseconds timeout_;
  bool embedded_ = false;
};

}  // namespace eddy::kafka
