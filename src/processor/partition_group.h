// PartitionGroup: the one piece of code that decides which buffered record a task processes
// next, for the runtime (StreamTask) and the TopologyTestDriver alike (Kafka Streams'
// PartitionGroup + RecordQueue).
//
// Rules, in order, each time the task asks for the next record:
//   1. Invalid timestamps: a record with a negative timestamp at the head of a queue is taken
//      off (its offset counts as consumed) and handed to the caller's `skip` callback, which
//      counts and logs it. It is never processed (Kafka Streams' default extractor fails on
//      it; Eddy skips it loudly, see docs/runtime.md).
//   2. Lowest timestamp first: among the non-empty queues, the one whose head record has the
//      lowest timestamp (ties: the queue registered first).
//   3. max.task.idle.ms: while some input partition has nothing buffered, wait up to that long
//      (measured from when it was first seen empty, on the caller's clock) before processing
//      the others out of timestamp order; <= 0 does not wait.
//
//   PartitionGroup group(/*max_task_idle_ms=*/0);
//   auto& queue = group.add_partition("clicks", 3);
//   group.push(queue, std::move(record));
//   if (auto* next = group.next(now_ms, skip)) { process(next->head()); group.pop(*next); }
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "eddy/processor/record.h"
#include "processor/consumed_record.h"

namespace eddy::detail {
class SourceInstance;
}

namespace eddy::processor {

// A FIFO of records over one growable ring buffer: no allocation per record once warm
// (std::deque allocates a block per four of these).
class RecordRing {
 public:
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  ConsumedRecord& front() { return slots_[head_]; }
  const ConsumedRecord& front() const { return slots_[head_]; }
  void push_back(ConsumedRecord&& record) {
    if (size_ == slots_.size()) grow();
    slots_[(head_ + size_) & (slots_.size() - 1)] = std::move(record);
    ++size_;
  }
  // The next slot, to be filled in place (ConsumedRecord::adopt, then every field: the slot
  // holds an older record's values). Saves building a record and moving it in.
  ConsumedRecord& emplace_back() {
    if (size_ == slots_.size()) grow();
    ConsumedRecord& slot = slots_[(head_ + size_) & (slots_.size() - 1)];
    ++size_;
    return slot;
  }
  void pop_front() {
    slots_[head_].reset();  // releases the record's bytes now
    head_ = (head_ + 1) & (slots_.size() - 1);
    --size_;
  }
  void clear() {
    while (!empty()) pop_front();
  }

 private:
  void grow();
  std::vector<ConsumedRecord> slots_;  // a power of two long
  size_t head_ = 0;
  size_t size_ = 0;
};

class PartitionGroup {
 public:
  struct Queue {
    std::string topic;
    int32_t partition = 0;
    RecordRing records;
    int64_t next_offset = -1;     // to commit: one past the last record taken off
    int64_t empty_since_ms = -1;  // first seen empty while others had data (max.task.idle.ms)
    // What the task keeps per input partition: the source node reading its topic, and the
    // metadata processors see (its topic string is built once, not per record).
    detail::SourceInstance* source = nullptr;
    RecordMetadata metadata;
  };

  explicit PartitionGroup(int64_t max_task_idle_ms) : max_task_idle_ms_(max_task_idle_ms) {}

  // Registers an input partition (idempotent); queues keep their address.
  Queue& add_partition(std::string_view topic, int32_t partition);
  Queue* find(std::string_view topic, int32_t partition);
  const Queue* find(std::string_view topic, int32_t partition) const;

  void push(Queue& queue, ConsumedRecord&& record) {
    queue.records.push_back(std::move(record));
    ++buffered_;
  }
  // A record at the back of `queue` for the caller to fill in place (RecordRing::emplace_back).
  ConsumedRecord& emplace(Queue& queue) {
    ConsumedRecord& slot = queue.records.emplace_back();  // may grow the ring (and throw)
    ++buffered_;
    return slot;
  }
  size_t buffered() const { return buffered_; }

  // The queue whose head record is next (rules above), or nullptr when there is none, or
  // when the task should wait for an empty partition. `skip(queue, record)` is called for
  // each invalid-timestamp record taken off on the way.
  template <typename Skip>
  Queue* next(int64_t now_ms, Skip&& skip) {
    if (buffered_ == 0) return nullptr;
    if (queues_.size() == 1) {  // the common task: one input partition, nothing to compare
      Queue& queue = *queues_.front();
      while (!queue.records.empty() && queue.records.front().timestamp < 0) {
        skip(queue, queue.records.front());
        pop(queue);
      }
      return queue.records.empty() ? nullptr : &queue;
    }
    Queue* best = nullptr;
    bool some_empty = false;
    for (auto& queue : queues_) {
      while (!queue->records.empty() && queue->records.front().timestamp < 0) {
        skip(*queue, queue->records.front());
        pop(*queue);
      }
      if (queue->records.empty()) {
        some_empty = true;
        continue;
      }
      queue->empty_since_ms = -1;
      if (best == nullptr || queue->records.front().timestamp < best->records.front().timestamp)
        best = queue.get();
    }
    if (best == nullptr || !some_empty || max_task_idle_ms_ <= 0) return best;
    for (auto& queue : queues_) {
      if (!queue->records.empty()) continue;
      if (queue->empty_since_ms < 0) queue->empty_since_ms = now_ms;
      if (now_ms - queue->empty_since_ms < max_task_idle_ms_) return nullptr;
    }
    return best;
  }

  // Takes the head record off `queue` (after it was processed): its offset counts as consumed.
  void pop(Queue& queue) {
    queue.next_offset = queue.records.front().offset + 1;
    queue.records.pop_front();
    --buffered_;
  }

  const std::vector<std::unique_ptr<Queue>>& queues() const { return queues_; }
  void clear();

 private:
  int64_t max_task_idle_ms_;
  std::vector<std::unique_ptr<Queue>> queues_;
  size_t buffered_ = 0;
};

}  // namespace eddy::processor
