#include "kafka/admin.h"

#include <librdkafka/rdkafka.h>

#include <thread>

#include "common/log.h"
#include "kafka/client_config.h"
#include "kafka/embedded_cluster.h"
#include "kafka/error.h"

namespace eddy::kafka {
namespace {

using QueuePtr = std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, decltype(&rd_kafka_event_destroy)>;
using OptionsPtr =
    std::unique_ptr<rd_kafka_AdminOptions_t, decltype(&rd_kafka_AdminOptions_destroy)>;

OptionsPtr make_options(rd_kafka_t* rk, rd_kafka_admin_op_t op, std::chrono::milliseconds timeout) {
  OptionsPtr options(rd_kafka_AdminOptions_new(rk, op), &rd_kafka_AdminOptions_destroy);
  char errstr[256];
  rd_kafka_AdminOptions_set_request_timeout(options.get(), static_cast<int>(timeout.count()),
                                            errstr, sizeof errstr);
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), static_cast<int>(timeout.count()),
                                              errstr, sizeof errstr);
  return options;
}

// Waits for the admin result event of one request; throws on timeout or request error. A
// timeout names bootstrap.servers: with no broker answering, librdkafka only says
// "Failed while waiting for controller: Local: Timed out", which does not say where it looked.
EventPtr wait_result(rd_kafka_t* rk, rd_kafka_queue_t* queue, std::chrono::milliseconds timeout,
                     const std::string& what, const std::string& bootstrap,
                     const ConnectionDiagnostics& diagnostics) {
  const auto cause_error = [&] {
    return KafkaError(what + ": cannot connect to Kafka at bootstrap.servers '" + bootstrap +
                          "': " + diagnostics.cause(),
                      diagnostics.cause_code(), /*retriable=*/false);
  };
  // In slices, serving the handle's error callbacks between them, so a cause retrying cannot
  // fix (authentication, TLS) fails at once instead of after the whole timeout.
  const auto deadline =
      std::chrono::steady_clock::now() + timeout + std::chrono::milliseconds(1000);
  EventPtr event(nullptr, &rd_kafka_event_destroy);
  while (!event && std::chrono::steady_clock::now() < deadline) {
    event.reset(rd_kafka_queue_poll(queue, 200));
    if (event) break;
    rd_kafka_poll(rk, 0);
    if (!diagnostics.cause().empty()) throw cause_error();
  }
  const auto no_answer = [&](const std::string& detail) {
    if (!diagnostics.cause().empty()) return cause_error();
    return KafkaError(what + ": no Kafka broker answered at bootstrap.servers '" + bootstrap +
                          "' within " + std::to_string(timeout.count()) + " ms" + detail +
                          "; is the broker running (scripts/kafka.sh status)?",
                      RD_KAFKA_RESP_ERR__TIMED_OUT, /*retriable=*/true);
  };
  if (!event) throw no_answer("");
  const char* detail = rd_kafka_event_error_string(event.get());
  if (rd_kafka_event_error(event.get()) == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    throw no_answer(detail != nullptr ? std::string(" (") + detail + ")" : std::string());
  }
  throw_if_error(rd_kafka_event_error(event.get()),
                 what + (detail != nullptr ? std::string(" (") + detail + ")" : std::string()));
  return event;
}

}  // namespace

Admin::Admin(Properties properties, std::chrono::milliseconds timeout) : timeout_(timeout) {
  bootstrap_ = properties["bootstrap.servers"];
  embedded_ = EmbeddedCluster::started() && bootstrap_ == EmbeddedCluster::instance().bootstrap();
  ConfPtr conf = make_conf(properties);
  route_logs(conf.get());
  diagnostics_ = std::make_unique<ConnectionDiagnostics>(properties);
  diagnostics_->install(conf.get());
  rd_kafka_conf_set_opaque(conf.get(), diagnostics_.get());
  char errstr[512];
  // Admin calls run on a producer handle (librdkafka has no separate admin client type).
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof errstr);
  if (rk == nullptr) {
    throw KafkaError("cannot create admin client: " + redact_secrets(errstr, properties));
  }
  static_cast<void>(conf.release());
  handle_.reset(rk);
}

void Admin::create_topics(const std::vector<NewTopic>& topics, bool ignore_existing) {
  if (topics.empty()) return;
  if (embedded_) {
    for (const auto& topic : topics) {
      if (!topic.configs.empty()) {
        EDDY_LOG_DEBUG("embedded broker ignores configs of topic '{}' (no compaction there)",
                       topic.name);
      }
      EmbeddedCluster::instance().create_topic(topic.name, topic.partitions);
    }
    return;
  }
  rd_kafka_t* rk = handle_.get();
  std::vector<rd_kafka_NewTopic_t*> specs;
  char errstr[512];
  for (const auto& topic : topics) {
    rd_kafka_NewTopic_t* spec = rd_kafka_NewTopic_new(
        topic.name.c_str(), topic.partitions, topic.replication_factor, errstr, sizeof errstr);
    if (spec == nullptr) {
      for (auto* s : specs) rd_kafka_NewTopic_destroy(s);
      throw KafkaError("create topic '" + topic.name + "': " + errstr);
    }
    for (const auto& [key, value] : topic.configs) {
      rd_kafka_NewTopic_set_config(spec, key.c_str(), value.c_str());
    }
    specs.push_back(spec);
  }
  QueuePtr queue(rd_kafka_queue_new(rk), &rd_kafka_queue_destroy);
  OptionsPtr options = make_options(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout_);
  rd_kafka_CreateTopics(rk, specs.data(), specs.size(), options.get(), queue.get());
  rd_kafka_NewTopic_destroy_array(specs.data(), specs.size());
  EventPtr event =
      wait_result(rk, queue.get(), timeout_, "create topics", bootstrap_, *diagnostics_);
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &count);
  for (size_t i = 0; i < count; ++i) {
    const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS && ignore_existing) continue;
    const char* message = rd_kafka_topic_result_error_string(results[i]);
    throw KafkaError(std::string("create topic '") + rd_kafka_topic_result_name(results[i]) +
                         "': " + (message != nullptr ? message : rd_kafka_err2str(err)),
                     err);
  }
  // The controller has created them; wait until metadata shows every one, so a producer or
  // consumer started next sees the partitions.
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  for (;;) {
    const TopicPartitionCounts known = list_topics();
    bool all = true;
    for (const auto& topic : topics) all = all && known.contains(topic.name);
    if (all) return;
    if (std::chrono::steady_clock::now() > deadline) {
      throw KafkaError("create topics: created but not visible in metadata within " +
                           std::to_string(timeout_.count()) + " ms",
                       RD_KAFKA_RESP_ERR__TIMED_OUT, true);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void Admin::delete_topics(const std::vector<std::string>& names) {
  if (names.empty()) return;
  if (embedded_) throw KafkaError("the embedded broker cannot delete topics");
  rd_kafka_t* rk = handle_.get();
  std::vector<rd_kafka_DeleteTopic_t*> specs;
  specs.reserve(names.size());
  for (const auto& name : names) specs.push_back(rd_kafka_DeleteTopic_new(name.c_str()));
  QueuePtr queue(rd_kafka_queue_new(rk), &rd_kafka_queue_destroy);
  OptionsPtr options = make_options(rk, RD_KAFKA_ADMIN_OP_DELETETOPICS, timeout_);
  rd_kafka_DeleteTopics(rk, specs.data(), specs.size(), options.get(), queue.get());
  rd_kafka_DeleteTopic_destroy_array(specs.data(), specs.size());
  EventPtr event =
      wait_result(rk, queue.get(), timeout_, "delete topics", bootstrap_, *diagnostics_);
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event.get()), &count);
  for (size_t i = 0; i < count; ++i) {
    const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
      continue;
    throw KafkaError(std::string("delete topic '") + rd_kafka_topic_result_name(results[i]) +
                         "': " + rd_kafka_err2str(err),
                     err);
  }
}

std::optional<TopicDescription> Admin::describe_topic(const std::string& name) {
  const MetadataPtr metadata =
      fetch_metadata(handle_.get(), bootstrap_, timeout_, diagnostics_.get());
  std::optional<TopicDescription> out;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const auto& topic = metadata->topics[i];
    if (name != topic.topic || topic.err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    out = TopicDescription{name, topic.partition_cnt,
                           topic.partition_cnt > 0 ? topic.partitions[0].replica_cnt : 0};
  }
  return out;
}

TopicPartitionCounts Admin::list_topics() {
  return fetch_topic_partitions(handle_.get(), bootstrap_, timeout_, diagnostics_.get());
}

Properties Admin::describe_topic_configs(const std::string& name) {
  if (embedded_) return {};
  rd_kafka_t* rk = handle_.get();
  rd_kafka_ConfigResource_t* resource =
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str());
  QueuePtr queue(rd_kafka_queue_new(rk), &rd_kafka_queue_destroy);
  OptionsPtr options = make_options(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout_);
  rd_kafka_DescribeConfigs(rk, &resource, 1, options.get(), queue.get());
  rd_kafka_ConfigResource_destroy(resource);
  EventPtr event = wait_result(rk, queue.get(), timeout_, "describe configs of '" + name + "'",
                               bootstrap_, *diagnostics_);
  size_t count = 0;
  const rd_kafka_ConfigResource_t** resources = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(event.get()), &count);
  Properties out;
  for (size_t i = 0; i < count; ++i) {
    throw_if_error(rd_kafka_ConfigResource_error(resources[i]),
                   "describe configs of '" + name + "'");
    size_t entries = 0;
    const rd_kafka_ConfigEntry_t** configs =
        rd_kafka_ConfigResource_configs(resources[i], &entries);
    for (size_t j = 0; j < entries; ++j) {
      const char* value = rd_kafka_ConfigEntry_value(configs[j]);
      out[rd_kafka_ConfigEntry_name(configs[j])] = value != nullptr ? value : "";
    }
  }
  return out;
}

void Admin::QueueDeleter::operator()(rd_kafka_queue_s* queue) const {
  rd_kafka_queue_destroy(queue);
}

bool Admin::start_delete_records(const std::vector<TopicPartitionOffset>& before) {
  if (embedded_ || before.empty() || delete_records_queue_) return false;
  rd_kafka_t* rk = handle_.get();
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(before.size()));
  for (const auto& tpo : before) {
    rd_kafka_topic_partition_list_add(list, tpo.topic.c_str(), tpo.partition)->offset = tpo.offset;
  }
  rd_kafka_DeleteRecords_t* request = rd_kafka_DeleteRecords_new(list);
  rd_kafka_topic_partition_list_destroy(list);
  delete_records_queue_.reset(rd_kafka_queue_new(rk));
  OptionsPtr options = make_options(rk, RD_KAFKA_ADMIN_OP_DELETERECORDS, timeout_);
  rd_kafka_DeleteRecords(rk, &request, 1, options.get(), delete_records_queue_.get());
  rd_kafka_DeleteRecords_destroy(request);
  return true;
}

std::optional<std::string> Admin::delete_records_answer() {
  if (!delete_records_queue_) return std::nullopt;
  EventPtr event(rd_kafka_queue_poll(delete_records_queue_.get(), 0), &rd_kafka_event_destroy);
  if (!event) return std::nullopt;
  delete_records_queue_.reset();
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* detail = rd_kafka_event_error_string(event.get());
    return std::string("delete records: ") +
           (detail != nullptr ? detail : rd_kafka_err2str(rd_kafka_event_error(event.get())));
  }
  std::string errors;
  const rd_kafka_topic_partition_list_t* offsets =
      rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(event.get()));
  for (int i = 0; offsets != nullptr && i < offsets->cnt; ++i) {
    const auto& p = offsets->elems[i];
    if (p.err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    errors += (errors.empty() ? "" : "; ") + std::string(p.topic) + "-" +
              std::to_string(p.partition) + ": " + rd_kafka_err2str(p.err);
  }
  return errors;
}

}  // namespace eddy::kafka
