// eddy/detail/nodes/sliding_window_node.h — count / reduce / aggregate over SlidingWindows, with
// Kafka Streams' KIP-450 algorithm (internal).
//
// Windows are [start, start + diff], both bounds inclusive, stored by start with values
// [8-byte max record timestamp][aggregate]. A record at ts updates every existing window that
// holds it, creates its left window [ts - diff, ts] (seeded with the aggregate of the latest
// earlier window when that one's records are within diff), the right window of the previous
// record if ts falls in it, and its own right window [ts + 1, ts + 1 + diff] when later
// records exist within diff. Records before diff go to the window [0, diff]. A window is
// updated only while end >= stream time - grace; a record with ts + 1 + diff <= stream time -
// grace is dropped whole. With the emit strategy on_window_close, updates are not forwarded;
// each window's final aggregate is, once stream time - grace > its end (window_close_emitter.h).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "eddy/detail/nodes/window_aggregate_base.h"
#include "eddy/dsl/windows.h"

namespace eddy::detail {

template <typename K, typename V, typename VA>
class SlidingWindowAggregateNode final : public WindowAggregateBase<K, V, VA> {
  using Base = WindowAggregateBase<K, V, VA>;

 public:
  using typename Base::Agg;
  using typename Base::Init;
  SlidingWindowAggregateNode(std::string name, std::string store, SlidingWindows windows,
                             Serde<K> ks, Serde<VA> as, Init init, Agg agg, LateReporter<K, V> late,
                             WindowCloseEmitter emitter = {}, PersistedStreamTime stream_time = {})
      : Base(std::move(name), std::move(store), windows.time_difference_ms(), windows.grace_ms(),
             std::move(ks), std::move(as), std::move(init), std::move(agg), std::move(late),
             std::move(emitter), std::move(stream_time)),
        diff_(windows.time_difference_ms()) {}

  void process(const K& key, const V& value, Stamp stamp) override {
    if (stamp.null_key) {
      this->context_->record_dropped(this->name(), "null key");
      return;
    }
    const int64_t ts = stamp.timestamp;
    // Only a record that advances stream time closes windows; it is neither late nor early
    // for windows that exist, so emitting first gives Kafka Streams' output.
    close_ = this->advance_stream_time(ts);
    key_ = &key;
    value_ = &value;
    ts_ = ts;
    late_offered_ = false;
    this->serialize_key(key);
    if (ts + 1 + diff_ <= close_) {
      report_late(ts - diff_, ts);
      return;
    }
    if (ts < diff_) {
      process_early();
    } else {
      process_reverse();
    }
  }

 private:
  struct Found {
    int64_t start;
    VA agg;
    int64_t max_ts;
  };
  using Stamped = std::optional<typename Base::Stamped>;  // aggregate and its timestamp

  std::vector<Found> fetch(int64_t from, int64_t to) {
    std::vector<Found> out;
    for (auto it = this->store_->fetch(this->key_buf_, from, to); it->valid(); it->next()) {
      auto [agg, max_ts] = this->codec_.decode(it->value(), this->store_name_);
      out.push_back({it->window_start(), std::move(agg), max_ts});
    }
    return out;
  }

  void process_reverse() {
    std::set<int64_t> starts;
    Stamped left_agg, right_agg;
    bool left_created = false, right_created = false;
    std::optional<int64_t> previous;
    const auto found = fetch(std::max<int64_t>(0, ts_ - 2 * diff_), ts_ + 1);
    for (auto it = found.rbegin(); it != found.rend(); ++it) {
      starts.insert(it->start);
      const int64_t end = it->start + diff_;
      if (it->start == ts_ + 1) {
        right_created = true;
      } else if (end > ts_) {
        if (!right_agg) right_agg = std::make_pair(it->agg, it->max_ts);
        update(it->start, std::make_pair(it->agg, it->max_ts));
      } else if (end == ts_) {
        left_created = true;
        update(it->start, std::make_pair(it->agg, it->max_ts));
        if (it->max_ts >= ts_) return;
        previous = it->max_ts;
      } else {
        left_agg = std::make_pair(it->agg, it->max_ts);
        previous = it->max_ts;
        break;
      }
    }
    if (previous) {
      const int64_t previous_right = *previous + 1;
      if (starts.count(previous_right) == 0 && previous_right + diff_ >= ts_) {
        update(previous_right, std::nullopt);
      }
    }
    if (!left_created) {
      if (previous && ts_ - diff_ <= *previous && left_agg) {
        update(ts_ - diff_, std::make_pair(left_agg->first, ts_));
      } else {
        update(ts_ - diff_, std::nullopt);
      }
    }
    if (!right_created && right_agg && right_agg->second > ts_) create_right(*right_agg);
  }

  void process_early() {
    std::set<int64_t> starts;
    Stamped combined, right_agg;
    bool right_created = false;
    std::optional<int64_t> previous;
    for (const auto& w : fetch(0, ts_ + 1)) {
      starts.insert(w.start);
      if (w.start == 0) {
        combined = std::make_pair(w.agg, w.max_ts);
        if (w.max_ts < ts_) previous = w.max_ts;
      } else if (w.start <= ts_) {
        right_agg = std::make_pair(w.agg, w.max_ts);
        update(w.start, std::make_pair(w.agg, w.max_ts));
      } else if (w.start == ts_ + 1) {
        right_created = true;
      }
    }
    if (!right_agg && combined && combined->second > ts_) right_agg = combined;
    if (!right_created && right_agg && right_agg->second > ts_) create_right(*right_agg);
    if (previous && starts.count(*previous + 1) == 0) update(*previous + 1, std::nullopt);
    update(0, combined);
  }

  // Adds the current record to window [start, start + diff] holding `existing` (nullopt: a
  // new window from the initializer), unless the window is closed.
  void update(int64_t start, const Stamped& existing) {
    const int64_t end = start + diff_;
    if (end < close_) {
      report_late(start, end);
      return;
    }
    this->add_to_window(*key_, *value_, ts_, start, existing);
  }

  // The current record's right window starts as a copy of the later records' aggregate.
  void create_right(const typename Base::Stamped& agg) {
    this->put_window(*key_, ts_ + 1, agg.first, agg.second);
  }

  void report_late(int64_t start, int64_t end) {
    this->late_.count(*this->context_, this->name());
    if (late_offered_) return;
    late_offered_ = true;
    this->late_.offer(*this->context_, this->name(), *key_, *value_, ts_, this->observed_,
                      "window [" + std::to_string(start) + "," + std::to_string(end) +
                          "] closed: stream time " + std::to_string(this->observed_) + " > end " +
                          std::to_string(end) + " + grace " + std::to_string(this->grace_ms_));
  }

  int64_t diff_;
  // The record being processed.
  int64_t close_ = 0;
  int64_t ts_ = 0;
  const K* key_ = nullptr;
  const V* value_ = nullptr;
  bool late_offered_ = false;
};

}  // namespace eddy::detail
