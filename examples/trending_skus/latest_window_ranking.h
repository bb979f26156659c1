// LatestWindowRanking: turns the final per-window counts of a hopping-window aggregation
// into the updates that keep a ranking (a Redis sorted set) equal to the latest closed
// window's counts: an upsert per sku of the new window, a delete per sku that is not in it.
//
//   final_counts.process<std::string, std::optional<int64_t>>(
//       [] { return std::make_unique<LatestWindowRanking>(size, advance, grace); },
//       {LatestWindowRanking::kStore})
//       .to_sink(sorted_set_sink, ...);   // nullopt value: remove the member
//
// Why it is needed: the sorted set is keyed by sku alone, so a window's results only
// overwrite the members they name. A sku that had views in an older window but none in the
// latest would keep its old count for ever without an explicit delete.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "eddy/dsl/windowed.h"
#include "eddy/processor/processor.h"
#include "eddy/state/key_value_store.h"

namespace eddy::examples {

// Input: suppress(until_window_closes) output, which a task emits in window-end order, each
// window once, all of a window's keys in one go (one upstream record closes it). Output:
// (sku, views) to upsert, (sku, nullopt) to delete; both stamped with the end of the window
// they belong to, so the sink's versions (event time first) increase from window to window
// and a replayed older window can never overwrite a newer one.
//
// State (store kStore, changelogged): sku -> end of the window it was last written for, per
// task (skus are partitioned, so each member belongs to exactly one task). The task's latest
// window end is recovered from it after a restart.
//
// Rules:
// - A record of a window newer than the task's latest first deletes every member of older
//   windows, then upserts its own sku; later records of the same window upsert theirs. A
//   member that is in the new window too is thus deleted and re-added in the same step with
//   the same version (window end, triggering record's position); the sink keeps only the
//   latest of equal versions per key, so Redis normally sees just the new count.
// - A task may close windows with no result at all (none of its skus had a counted view),
//   and then no record tells it that its members are stale. A stream-time punctuator (every
//   `advance`) deletes a member once the task's stream time is a whole window size past the
//   end of its last window (+ grace). The margin is a window size, not one advance, because
//   the task's stream time may run ahead of the suppress node's (inventory updates and
//   filtered views move it too): with a smaller margin a sku still being counted could be
//   deleted before its next window's result arrives. Such a delete is stamped with the end
//   of the next window, below any later upsert, so a result arriving after it still wins.
class LatestWindowRanking final : public Processor<Windowed<std::string>, std::optional<int64_t>,
                                                   std::string, std::optional<int64_t>> {
 public:
  static constexpr const char* kStore = "trending-members";

  LatestWindowRanking(std::chrono::milliseconds size, std::chrono::milliseconds advance,
                      std::chrono::milliseconds grace)
      : size_ms_(size.count()), advance_ms_(advance.count()), grace_ms_(grace.count()) {}

  void init(ProcessorContext<std::string, std::optional<int64_t>>& context) override {
    context_ = &context;
    members_ = context.get_key_value_store<std::string, int64_t>(kStore);
    for (const auto& [sku, end] : members_->all()) latest_end_ = std::max(latest_end_, end);
    context.schedule(std::chrono::milliseconds(advance_ms_), PunctuationType::kStreamTime,
                     [this](int64_t stream_time) { expire_idle_members(stream_time); });
  }

  void process(const Record<Windowed<std::string>, std::optional<int64_t>>& record) override {
    if (!record.value) return;  // suppress never emits deletes for time windows
    const int64_t end = record.key.end;
    // Suppress emits windows in end order and never twice, so an older window cannot come
    // after a newer one; if it ever did, it must not replace the newer ranking.
    if (end < latest_end_) return;
    if (end > latest_end_) {
      delete_members_before(end);
      latest_end_ = end;
    }
    members_->put(record.key.key, end);
    context_->forward({record.key.key, record.value, end});
  }

 private:
  void delete_members_before(int64_t end) {
    for (const auto& [sku, member_end] : members_->all()) {
      if (member_end >= end) continue;
      members_->remove(sku);
      context_->forward({sku, std::nullopt, end});
    }
  }

  void expire_idle_members(int64_t stream_time) {
    for (const auto& [sku, member_end] : members_->all()) {
      if (stream_time - grace_ms_ < member_end + size_ms_) continue;
      members_->remove(sku);
      context_->forward({sku, std::nullopt, member_end + advance_ms_});
    }
  }

  int64_t size_ms_;
  int64_t advance_ms_;
  int64_t grace_ms_;
  ProcessorContext<std::string, std::optional<int64_t>>* context_ = nullptr;
  std::optional<KeyValueStore<std::string, int64_t>> members_;
  int64_t latest_end_ = 0;
};

}  // namespace eddy::examples
