#include "runtime/bounded_reading.h"

#include <chrono>

#include "kafka/client_config.h"
#include "runtime/task_manager.h"

namespace eddy::runtime {
namespace {
constexpr std::chrono::seconds kClientTimeout{30};
}  // namespace

void BoundedReading::drop_past_end(const kafka::TopicPartition& partition,
                                   std::span<kafka::Message>& records) {
  const auto end = run_.end_of(partition);
  if (!end) return;  // a repartition topic: read to its end, whenever that is
  size_t keep = 0;
  while (keep < records.size() && records[keep].offset() < *end) ++keep;
  // The last record before the end (or one past it) was fetched: nothing more is wanted.
  if (keep < records.size() || (keep > 0 && records[keep - 1].offset() + 1 >= *end)) {
    at_end_.insert(partition);
  }
  records = records.first(keep);
}

int64_t BoundedReading::position_of(kafka::Consumer& consumer,
                                    const kafka::TopicPartition& partition) {
  if (const int64_t position = consumer.position(partition); position >= 0) return position;
  // Nothing fetched yet (e.g. the committed offset is the end already): where it starts.
  auto it = start_positions_.find(partition);
  if (it != start_positions_.end()) return it->second;
  int64_t start = -1;
  for (const auto& committed : consumer.committed({partition}, kClientTimeout)) {
    start = committed.offset;
  }
  if (start < 0) {
    const auto [low, high] = consumer.watermarks(partition, kClientTimeout);
    start = kafka::consumer_starts_at_latest(config_) ? high : low;
  }
  start_positions_.emplace(partition, start);
  return start;
}

bool BoundedReading::read_to_end(kafka::Consumer& consumer, const TaskManager& tasks) {
  for (const auto& [tp, task] : tasks.by_partition()) {
    if (task->buffered(tp) > 0) return false;
    const auto end = run_.end_of(tp);
    // A repartition partition's end is where it is now: every thread committed (so flushed)
    // its output before it reported, and BoundedRun ends the run only if nobody processed or
    // committed anything since this look.
    const int64_t target = end ? *end : consumer.watermarks(tp, kClientTimeout).second;
    if (position_of(consumer, tp) < target) return false;
  }
  return true;
}

void BoundedReading::forget(const kafka::TopicPartition& partition) {
  at_end_.erase(partition);
  start_positions_.erase(partition);
}

void BoundedReading::forget_all() {
  at_end_.clear();
  start_positions_.clear();
}

}  // namespace eddy::runtime
