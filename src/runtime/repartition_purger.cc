#include "runtime/repartition_purger.h"

#include "common/log.h"
#include "kafka/client_config.h"

namespace eddy::runtime {

RepartitionPurger::RepartitionPurger(const StreamsConfig& config, IsRepartition is_repartition)
    : config_(config),
      is_repartition_(std::move(is_repartition)),
      // The embedded broker has no DeleteRecords; its repartition topics live as long as the
      // process does anyway.
      disabled_(config.uses_embedded_broker() || config.repartition_purge_interval.count() < 0) {}

void RepartitionPurger::committed(const std::vector<kafka::TopicPartitionOffset>& offsets) {
  if (disabled_) return;
  for (const auto& tpo : offsets) {
    if (tpo.offset > 0 && is_repartition_(tpo.topic)) {
      due_[kafka::TopicPartition{tpo.topic, tpo.partition}] = tpo.offset;
    }
  }
  collect_answer();
  const auto now = std::chrono::steady_clock::now();
  if (due_.empty() || now - last_request_ < config_.repartition_purge_interval) return;
  try {
    if (!admin_) {
      admin_ = std::make_unique<kafka::Admin>(
          kafka::client_properties(config_, kafka::ClientKind::kAdmin));
    }
    std::vector<kafka::TopicPartitionOffset> before;
    for (const auto& [tp, offset] : due_) before.push_back({tp.topic, tp.partition, offset});
    if (!admin_->start_delete_records(before)) return;  // the last one is still in flight
    last_request_ = now;
    ++requests_;
    due_.clear();
  } catch (const std::exception& e) {
    EDDY_LOG_WARN("purging committed repartition records: {} (retried after the next commit)",
                  e.what());
  }
}

void RepartitionPurger::collect_answer() {
  if (!admin_) return;
  if (auto answer = admin_->delete_records_answer(); answer && !answer->empty()) {
    EDDY_LOG_WARN(
        "purging committed repartition records failed: {} (retried after the next "
        "commit)",
        *answer);
  }
}

}  // namespace eddy::runtime
