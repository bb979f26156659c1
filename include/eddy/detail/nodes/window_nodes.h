// eddy/detail/nodes/window_nodes.h — windowed aggregation nodes: time windows (tumbling, hopping)
// and sessions, with Kafka Streams' close, late-drop and timestamp rules (internal).
//
// Each node keeps its own observed stream time (the max timestamp of the records that reached
// it), so a filter in front of a window changes when its windows close. Values in the window
// and session stores are [8-byte big-endian timestamp][aggregate bytes]: the timestamp is the
// max timestamp of the records aggregated (the update's timestamp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "eddy/detail/nodes/change.h"
#include "eddy/detail/nodes/late_reporter.h"
#include "eddy/detail/nodes/node.h"
#include "eddy/detail/nodes/persisted_stream_time.h"
#include "eddy/detail/nodes/session_close_emitter.h"
#include "eddy/detail/nodes/timestamped_store.h"
#include "eddy/detail/nodes/window_aggregate_base.h"
#include "eddy/dsl/windowed.h"
#include "eddy/dsl/windows.h"
#include "eddy/state/bytes_stores.h"

namespace eddy::detail {

// count / reduce / aggregate over TimeWindows. For each window [start, start + size) holding
// the record: if end > stream time - grace the aggregate is updated and forwarded (timestamp:
// max of the window's records), else the record is late for that window and dropped. With the
// emit strategy on_window_close, updates are not forwarded; each window's final aggregate is,
// once it closes (see window_close_emitter.h).
template <typename K, typename V, typename VA>
class TimeWindowAggregateNode final : public WindowAggregateBase<K, V, VA> {
  using Base = WindowAggregateBase<K, V, VA>;

 public:
  using typename Base::Agg;
  using typename Base::Init;
  TimeWindowAggregateNode(std::string name, std::string store, TimeWindows windows, Serde<K> ks,
                          Serde<VA> as, Init init, Agg agg, LateReporter<K, V> late,
                          WindowCloseEmitter emitter = {}, PersistedStreamTime stream_time = {})
      : Base(std::move(name), std::move(store), windows.size_ms(), windows.grace_ms(),
             std::move(ks), std::move(as), std::move(init), std::move(agg), std::move(late),
             std::move(emitter), std::move(stream_time)),
        windows_(windows) {}

  void process(const K& key, const V& value, Stamp stamp) override {
    if (stamp.null_key) {
      this->context_->record_dropped(this->name(), "null key");
      return;
    }
    const int64_t ts = stamp.timestamp;
    const int64_t close_time = this->advance_stream_time(ts);
    this->serialize_key(key);
    std::optional<int64_t> first_late;
    for (const int64_t start : windows_.window_starts_for(ts)) {
      if (start + windows_.size_ms() <= close_time) {
        this->late_.count(*this->context_, this->name());
        if (!first_late) first_late = start;
        continue;
      }
      this->add_to_window(key, value, ts, start, this->fetch_window(start));
    }
    if (first_late) {
      const int64_t end = *first_late + windows_.size_ms();
      this->late_.offer(*this->context_, this->name(), key, value, ts, this->observed_,
                        "window [" + std::to_string(*first_late) + "," + std::to_string(end) +
                            ") closed: stream time " + std::to_string(this->observed_) +
                            " >= end " + std::to_string(end) + " + grace " +
                            std::to_string(windows_.grace_ms()));
    }
  }

 private:
  TimeWindows windows_;
};

// count / reduce / aggregate over SessionWindows. A record at t merges every session of its
// key with end >= t - gap and start <= t + gap (merger(key, agg1, agg2) combines their
// aggregates); the merged session is [min start, max end]. It is late, and dropped, when
// merged end < stream time - gap - grace. Merged-away sessions are forwarded as deletes
// (std::nullopt) with their end as timestamp; the new session's update carries its end too.
// With the emit strategy on_window_close neither is forwarded; each session's final aggregate
// is, once it closes, timestamped with its end (see session_close_emitter.h).
template <typename K, typename V, typename VA>
class SessionWindowAggregateNode final : public Node<K, V, Windowed<K>, Change<VA>> {
 public:
  using Init = std::function<VA()>;
  using Agg = std::function<VA(const K&, const V&, const VA&)>;
  using Merger = std::function<VA(const K&, const VA&, const VA&)>;
  SessionWindowAggregateNode(std::string name, std::string store, SessionWindows windows,
                             Serde<K> ks, Serde<VA> as, Init init, Agg agg, Merger merger,
                             LateReporter<K, V> late, SessionCloseEmitter emitter = {},
                             PersistedStreamTime stream_time = {})
      : Node<K, V, Windowed<K>, Change<VA>>(std::move(name)),
        store_name_(std::move(store)),
        windows_(windows),
        key_serde_(std::move(ks)),
        value_serde_(std::move(as)),
        init_(std::move(init)),
        agg_(std::move(agg)),
        merger_(std::move(merger)),
        late_(std::move(late)),
        emitter_(std::move(emitter)),
        stream_time_(std::move(stream_time)) {}

  void init(TaskContext& context) override {
    NodeInstance::init(context);
    store_ = lookup_store_as<BytesSessionStore*>(context, store_name_, this->name(), "session");
    emitter_.init(context, store_, this->name());
    stream_time_.init(context, this->name());
    observed_ = stream_time_.get();
    // With a record cache, each session's latest aggregate goes downstream when the cache
    // flushes, and a session merged away goes as a delete if it was flushed before (Kafka
    // Streams' CachingSessionStore: one created and merged between two flushes never shows).
    // Both stamped with the session's end.
    if (!emitter_.enabled()) {
      caching_ = context.set_session_cache_flush_listener(
          store_name_, [this](std::string_view key, SessionWindow window,
                              std::optional<std::string_view> value, int64_t /*record_ts*/) {
            Change<VA> change;
            if (value) change.new_value = value_serde_.deserialize(*value);
            this->out_.forward(Windowed<K>{key_serde_.deserialize(key), window.start, window.end},
                               std::move(change), Stamp{window.end, false});
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
    const int64_t close_time = observed_ - windows_.grace_ms() - windows_.gap_ms();
    // Before this record's writes, as for time windows: the sessions it reads closed before any
    // session this record can touch (those end at or after close_time), and no segment holding
    // them has been dropped yet by a stream time this record moved.
    emitter_.emit_closed(close_time, [this](const SessionCloseEmitter::Closed& c) {
      this->out_.forward(Windowed<K>{key_serde_.deserialize(c.key), c.window.start, c.window.end},
                         Change<VA>{value_serde_.deserialize(c.value), std::nullopt},
                         Stamp{c.window.end, false});
    });
    key_buf_.clear();
    key_serde_.serialize(key, key_buf_);

    merged_.clear();
    SessionWindow window{ts, ts};
    bool have_agg = false;
    std::optional<VA> agg;
    if (init_) {
      agg = init_();
      have_agg = true;
    }
    for (auto it = store_->find_sessions(key_buf_, ts - windows_.gap_ms(), ts + windows_.gap_ms());
         it->valid(); it->next()) {
      const SessionWindow found = it->window();
      VA found_value = value_serde_.deserialize(it->value());
      // reduce (no initializer): the first session found starts the aggregate.
      agg = have_agg ? merger_(key, *agg, found_value) : found_value;
      have_agg = true;
      merged_.push_back({found, std::move(found_value)});
      window.start = std::min(window.start, found.start);
      window.end = std::max(window.end, found.end);
    }
    if (window.end < close_time) {
      late_.count(*this->context_, this->name());
      late_.offer(*this->context_, this->name(), key, value, ts, observed_,
                  "session [" + std::to_string(window.start) + "," + std::to_string(window.end) +
                      "] closed: stream time " + std::to_string(observed_) + " > end " +
                      std::to_string(window.end) + " + gap " + std::to_string(windows_.gap_ms()) +
                      " + grace " + std::to_string(windows_.grace_ms()));
      return;
    }
    if (window != SessionWindow{ts, ts}) {
      for (const auto& [old_window, old_value] : merged_) {
        store_->remove(key_buf_, old_window);
        // Under on_window_close a merged-away session was never emitted: nothing to retract.
        // With a cache, its flush retracts it.
        if (emitter_.enabled() || caching_) continue;
        this->out_.forward(Windowed<K>{key, old_window.start, old_window.end}, Change<VA>{},
                           Stamp{old_window.end, false});
      }
    }
    if (have_agg) {
      agg = agg_(key, value, *agg);
    } else if constexpr (std::is_convertible_v<const V&, VA>) {
      agg = VA(value);
    }
    value_buf_.clear();
    value_serde_.serialize(*agg, value_buf_);
    store_->put(key_buf_, window, std::string_view(value_buf_));
    if (emitter_.enabled()) {
      emitter_.on_put(window);
      return;
    }
    if (caching_) return;
    this->out_.forward(Windowed<K>{key, window.start, window.end},
                       Change<VA>{std::move(agg), std::nullopt}, Stamp{window.end, false});
  }

 private:
  std::string store_name_;
  SessionWindows windows_;
  Serde<K> key_serde_;
  Serde<VA> value_serde_;
  Init init_;
  Agg agg_;
  Merger merger_;
  LateReporter<K, V> late_;
  SessionCloseEmitter emitter_;
  PersistedStreamTime stream_time_;
  BytesSessionStore* store_ = nullptr;
  bool caching_ = false;  // updates leave through the record cache's flushes
  int64_t observed_ = -1;
  std::string key_buf_;
  std::string value_buf_;
  std::vector<std::pair<SessionWindow, VA>> merged_;
};

}  // namespace eddy::detail
