#include "runtime/delivery_failures.h"

#include "common/log.h"
#include "eddy/errors.h"
#include "kafka/error.h"
#include "runtime/task_manager.h"

namespace eddy::runtime {

const void* DeliveryFailures::tag(const TaskId& task, const std::string* node) {
  auto key = std::make_pair(task, node != nullptr ? *node : std::string());
  if (auto it = index_.find(key); it != index_.end()) return it->second;
  const Tag& tag =
      tags_.emplace_back(Tag{.task = task, .node = key.second, .dead_letter = node == nullptr});
  index_.emplace(std::move(key), &tag);
  return &tag;
}

void DeliveryFailures::handle(const std::vector<kafka::DeliveryFailure>& failures,
                              const TaskManager& tasks) {
  for (const auto& failure : failures) {
    const auto* tag = static_cast<const Tag*>(failure.failure_tag);
    const std::string where = "topic " + failure.topic + " partition " +
                              std::to_string(failure.partition) + ": " + failure.error;
    // Under exactly-once a failed delivery leaves the transaction abortable; when the cause
    // may pass (a timeout, the broker away, a fenced producer) the thread aborts it and redoes
    // its work (retriable), otherwise it fails.
    const bool transient = exactly_once_ && kafka::delivery_error_is_transient(failure.error_code);
    if (tag == nullptr) {
      // A changelog record (or another the runtime wrote itself): the state would diverge
      // from its changelog, so no handler may skip it.
      throw KafkaError("a record failed delivery; " + where, failure.error_code, transient);
    }
    if (tag->dead_letter) {
      throw KafkaError(
          "task " + tag->task.str() + ": a dead-letter record failed delivery; " + where,
          failure.error_code, transient);
    }
    if (transient) {
      throw KafkaError("task " + tag->task.str() + ": sink '" + tag->node +
                           "': a record failed delivery; " + where,
                       failure.error_code, /*retriable=*/true);
    }
    if (exactly_once_) {
      // librdkafka made the open transaction abortable: nothing of it can commit, whatever a
      // handler would say (a record refused at send time is handled; see config.h).
      throw KafkaError("task " + tag->task.str() + ": sink '" + tag->node +
                           "': Kafka refused a record after it was sent (" + where +
                           "); under exactly_once_v2 the transaction cannot commit. Make such "
                           "records fail at send time (producer.message.max.bytes at most the "
                           "topic's max.message.bytes) so the production handler can skip them",
                       failure.error_code);
    }
    Task* task = tasks.find(tag->task);
    if (task == nullptr) {
      // Closed dirty since (its offsets were not committed): the record is produced again
      // when its input is re-processed.
      EDDY_LOG_WARN("stream-thread-{}: task {} (closed since) had a record refused: {}",
                    thread_index_, tag->task.str(), where);
      continue;
    }
    task->delivery_failed(failure, tag->node);
  }
}

}  // namespace eddy::runtime
