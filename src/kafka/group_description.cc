#include "kafka/group_description.h"

#include <librdkafka/rdkafka.h>

#include <memory>

#include "kafka/client_config.h"
#include "kafka/embedded_cluster.h"
#include "kafka/error.h"
#include "kafka/handle.h"

namespace eddy::kafka {
namespace {
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, decltype(&rd_kafka_event_destroy)>;
using OptionsPtr =
    std::unique_ptr<rd_kafka_AdminOptions_t, decltype(&rd_kafka_AdminOptions_destroy)>;

std::string text(const char* s) {
  return s != nullptr ? std::string(s) : std::string();
}
}  // namespace

GroupDescription describe_group(const Properties& admin_properties, const std::string& group_id,
                                std::chrono::milliseconds timeout) {
  const std::string what = "describe group '" + group_id + "'";
  const auto bootstrap = admin_properties.find("bootstrap.servers");
  if (EmbeddedCluster::started() && bootstrap != admin_properties.end() &&
      bootstrap->second == EmbeddedCluster::instance().bootstrap()) {
    throw KafkaError(what + ": the embedded broker cannot describe consumer groups");
  }
  ConfPtr conf = make_conf(admin_properties);
  route_logs(conf.get());
  char errstr[512];
  HandlePtr handle(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof errstr));
  if (!handle) throw KafkaError(what + ": cannot create the admin client: " + errstr);
  static_cast<void>(conf.release());
  rd_kafka_t* rk = handle.get();

  QueuePtr queue(rd_kafka_queue_new(rk), &rd_kafka_queue_destroy);
  OptionsPtr options(rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS),
                     &rd_kafka_AdminOptions_destroy);
  rd_kafka_AdminOptions_set_request_timeout(options.get(), static_cast<int>(timeout.count()),
                                            errstr, sizeof errstr);
  const char* groups[] = {group_id.c_str()};
  rd_kafka_DescribeConsumerGroups(rk, groups, 1, options.get(), queue.get());
  EventPtr event(rd_kafka_queue_poll(queue.get(), static_cast<int>(timeout.count()) + 1000),
                 &rd_kafka_event_destroy);
  if (!event) {
    throw KafkaError(what + ": no answer within " + std::to_string(timeout.count()) + " ms",
                     RD_KAFKA_RESP_ERR__TIMED_OUT, /*retriable=*/true);
  }
  if (const rd_kafka_resp_err_t err = rd_kafka_event_error(event.get())) {
    throw KafkaError(what + ": " + text(rd_kafka_event_error_string(event.get())), err,
                     /*retriable=*/true);
  }
  size_t count = 0;
  const rd_kafka_ConsumerGroupDescription_t** results =
      rd_kafka_DescribeConsumerGroups_result_groups(
          rd_kafka_event_DescribeConsumerGroups_result(event.get()), &count);
  if (count != 1) {
    throw KafkaError(what + ": " + std::to_string(count) + " descriptions in the answer");
  }
  const rd_kafka_ConsumerGroupDescription_t* group = results[0];
  if (const rd_kafka_error_t* error = rd_kafka_ConsumerGroupDescription_error(group)) {
    throw KafkaError(what + ": " + text(rd_kafka_error_string(error)), rd_kafka_error_code(error),
                     /*retriable=*/true);
  }
  GroupDescription out;
  out.group_id = group_id;
  out.state = rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(group));
  const size_t members = rd_kafka_ConsumerGroupDescription_member_count(group);
  for (size_t i = 0; i < members; ++i) {
    const rd_kafka_MemberDescription_t* m = rd_kafka_ConsumerGroupDescription_member(group, i);
    GroupMember member{.member_id = text(rd_kafka_MemberDescription_consumer_id(m)),
                       .client_id = text(rd_kafka_MemberDescription_client_id(m)),
                       .group_instance_id = text(rd_kafka_MemberDescription_group_instance_id(m)),
                       .host = text(rd_kafka_MemberDescription_host(m)),
                       .assignment = {}};
    if (const rd_kafka_MemberAssignment_t* a = rd_kafka_MemberDescription_assignment(m)) {
      if (const rd_kafka_topic_partition_list_t* list = rd_kafka_MemberAssignment_partitions(a)) {
        for (int j = 0; j < list->cnt; ++j)
          member.assignment.push_back({list->elems[j].topic, list->elems[j].partition});
      }
    }
    out.members.push_back(std::move(member));
  }
  return out;
}

}  // namespace eddy::kafka
