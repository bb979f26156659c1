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

#include "eddy/detail/nodes/window_nodes.h"

namespace eddy::detail {

template <typename K, typename V, typename VA>
class SlidingWindowAggregateNode final : public Node<K, V, Windowed<K>, Change<VA>> {
 public:
  using Init = std::function<VA()>;  // empty: reduce
  using Agg = std::function<VA(const K&, const V&, const VA&)>;
  SlidingWindowAggregateNode(std::string name, std::string store, SlidingWindows windows,
                             Serde<K> ks, Serde<VA> as, Init init, Agg agg, LateReporter<K, V> late,
                             WindowCloseEmitter emitter = {}, PersistedStreamTime stream_time = {})
      : Node<K, V, Windowed<K>, Change<VA>>(std::move(name)),
        store_name_(std::move(store)),
        diff_(windows.time_difference_ms()),
        grace_(windows.grace_ms()),
        key_serde_(std::move(ks)),
        codec_(std::move(as)),
        init_(std::move(init)),
        agg_(std::move(agg)),
        late_(std::move(late)),
        emitter_(std::move(emitter)),
        stream_time_(std::move(stream_time)) {}

  void init(TaskContext& context) override {
    NodeInstance::init(context);
    store_ = lookup_store_as<BytesWindowStore*>(context, store_name_, this->name(), "window");
    emitter_.init(context, store_, this->name());
    stream_time_.init(context, this->name());
    observed_ = stream_time_.get();
    // With a record cache, the latest aggregate per window goes downstream when it flushes
    // (as for time windows, window_nodes.h).
    if (!emitter_.enabled()) {
      caching_ = context.set_window_cache_flush_listener(
          store_name_, [this](std::string_view key, int64_t start,
                              std::optional<std::string_view> value, int64_t /*record_ts*/) {
            if (!value) return;  // the aggregation never deletes a window
            auto [agg, agg_ts] = codec_.decode(*value, store_name_);
            this->out_.forward(Windowed<K>{key_serde_.deserialize(key), start, start + diff_},
                               Change<VA>{std::move(agg), std::nullopt}, Stamp{agg_ts, false});
          });
    }
  }

  void process(const K& key, const V& value, Stamp stamp) override {
    if (stamp.null_key) {
      this->context_->record_dropped(this->name(), "null key");
      return;
    }
    const int64_t ts = stamp.timestamp;
    observed_ = stream_time_.advance(ts);
    close_ = observed_ - grace_;
    // Only a record that advances stream time closes windows; it is neither late nor early
    // for windows that exist, so emitting first gives Kafka Streams' output.
    emitter_.emit_closed(close_, [this](const WindowCloseEmitter::Closed& c) {
      auto [agg, agg_ts] = codec_.decode(c.value, store_name_);
      this->out_.forward(Windowed<K>{key_serde_.deserialize(c.key), c.start, c.start + diff_},
                         Change<VA>{std::move(agg), std::nullopt}, Stamp{agg_ts, false});
    });
    key_ = &key;
    value_ = &value;
    ts_ = ts;
    late_offered_ = false;
    key_buf_.clear();
    key_serde_.serialize(key, key_buf_);
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
  using Stamped = std::optional<std::pair<VA, int64_t>>;  // aggregate and its timestamp

  std::vector<Found> fetch(int64_t from, int64_t to) {
    std::vector<Found> out;
    for (auto it = store_->fetch(key_buf_, from, to); it->valid(); it->next()) {
      auto [agg, max_ts] = codec_.decode(it->value(), store_name_);
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
    std::optional<VA> next;
    int64_t out_ts = ts_;
    if (existing) {
      next = agg_(*key_, *value_, existing->first);
      out_ts = std::max(ts_, existing->second);
    } else if (init_) {
      next = agg_(*key_, *value_, init_());
    } else if constexpr (std::is_convertible_v<const V&, VA>) {
      next = VA(*value_);
    }
    store_->put(key_buf_, codec_.encode(*next, out_ts), start);
    if (emitter_.enabled() || caching_) return;
    this->out_.forward(Windowed<K>{*key_, start, end}, Change<VA>{std::move(next), std::nullopt},
                       Stamp{out_ts, false});
  }

  // The current record's right window starts as a copy of the later records' aggregate.
  void create_right(const std::pair<VA, int64_t>& agg) {
    const int64_t start = ts_ + 1;
    store_->put(key_buf_, codec_.encode(agg.first, agg.second), start);
    if (emitter_.enabled() || caching_) return;
    this->out_.forward(Windowed<K>{*key_, start, start + diff_},
                       Change<VA>{agg.first, std::nullopt}, Stamp{agg.second, false});
  }

  void report_late(int64_t start, int64_t end) {
    late_.count(*this->context_, this->name());
    if (late_offered_) return;
    late_offered_ = true;
    late_.offer(*this->context_, this->name(), *key_, *value_, ts_, observed_,
                "window [" + std::to_string(start) + "," + std::to_string(end) +
                    "] closed: stream time " + std::to_string(observed_) + " > end " +
                    std::to_string(end) + " + grace " + std::to_string(grace_));
  }

  std::string store_name_;
  int64_t diff_;
  int64_t grace_;
  Serde<K> key_serde_;
  StampedValueCodec<VA> codec_;
  Init init_;
  Agg agg_;
  LateReporter<K, V> late_;
  WindowCloseEmitter emitter_;
  PersistedStreamTime stream_time_;
  BytesWindowStore* store_ = nullptr;
  bool caching_ = false;  // updates leave through the record cache's flushes
  int64_t observed_ = -1;
  // The record being processed.
  int64_t close_ = 0;
  int64_t ts_ = 0;
  const K* key_ = nullptr;
  const V* value_ = nullptr;
  bool late_offered_ = false;
  std::string key_buf_;
};

}  // namespace eddy::detail
