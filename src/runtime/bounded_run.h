// BoundedRun: the instance-wide bookkeeping of a bounded run (eddy.run.until.end): the end
// offsets of the external source partitions as of start(), and the rule that says when every
// stream thread is done, so the instance can shut itself down.
//
// A thread is at its end when each of its partitions is read to its end (an external source
// partition: its end offset as of start; a repartition partition: its end now, asked of the
// broker) with nothing buffered and nothing uncommitted. Repartition partitions grow while
// any thread still processes, so a thread's "at end" counts only if no thread processed a
// record or committed output since it looked (activity()): the run ends when every thread
// reports at end with the current activity number.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "kafka/types.h"

namespace eddy::runtime {

class BoundedRun {
 public:
  // `on_end` runs once, on the thread whose report completed the run.
  BoundedRun(std::map<kafka::TopicPartition, int64_t> end_offsets, int threads,
             std::function<void()> on_end)
      : ends_(std::move(end_offsets)),
        reports_(static_cast<size_t>(threads)),
        on_end_(std::move(on_end)) {}

  // The end offset of an external source partition as of start(); nullopt for a partition
  // of an internal (repartition) topic, which is read to its current end.
  std::optional<int64_t> end_of(const kafka::TopicPartition& partition) const {
    auto it = ends_.find(partition);
    if (it == ends_.end()) return std::nullopt;
    return it->second;
  }

  int64_t activity() const { return activity_.load(); }
  // A thread processed records, or committed output other threads may read.
  void touched() { activity_.fetch_add(1); }

  // Thread `index` looked at its partitions when activity() was `seen`.
  void report(int index, bool at_end, int64_t seen) {
    bool end = false;
    {
      std::lock_guard lock(mutex_);
      reports_[static_cast<size_t>(index)] = {at_end, seen};
      if (ended_) return;
      const int64_t now = activity_.load();
      end = true;
      for (const auto& r : reports_) end = end && r.at_end && r.seen == now;
      ended_ = end;
    }
    if (end && on_end_) on_end_();
  }

  bool ended() const {
    std::lock_guard lock(mutex_);
    return ended_;
  }

 private:
  struct Report {
    bool at_end = false;
    int64_t seen = -1;
  };
  const std::map<kafka::TopicPartition, int64_t> ends_;
  std::atomic<int64_t> activity_{0};
  mutable std::mutex mutex_;
  std::vector<Report> reports_;
  bool ended_ = false;
  std::function<void()> on_end_;
};

}  // namespace eddy::runtime
