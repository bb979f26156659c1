// eddy/detail/nodes/window_aggregate_base.h — what the time-window and sliding-window
// aggregations share (internal): the window store holding [8-byte timestamp][aggregate] per
// key and window start, the node's observed stream time, the close emitter or the record
// cache's flush listener that sends updates downstream, and one step: a record added to one
// window's aggregate. The nodes differ in which windows a record touches
// (window_nodes.h: fixed windows; sliding_window_node.h: KIP-450).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "eddy/detail/nodes/change.h"
#include "eddy/detail/nodes/late_reporter.h"
#include "eddy/detail/nodes/node.h"
#include "eddy/detail/nodes/persisted_stream_time.h"
#include "eddy/detail/nodes/timestamped_store.h"
#include "eddy/detail/nodes/window_close_emitter.h"
#include "eddy/dsl/windowed.h"
#include "eddy/state/bytes_stores.h"

namespace eddy::detail {

template <typename K, typename V, typename VA>
class WindowAggregateBase : public Node<K, V, Windowed<K>, Change<VA>> {
 public:
  using Init = std::function<VA()>;  // empty: reduce (the first value is the aggregate)
  using Agg = std::function<VA(const K&, const V&, const VA&)>;
  // A window's aggregate and its timestamp (the max timestamp of the records in it).
  using Stamped = std::pair<VA, int64_t>;

  void init(TaskContext& context) override {
    NodeInstance::init(context);
    store_ = lookup_store_as<BytesWindowStore*>(context, store_name_, this->name(), "window");
    emitter_.init(context, store_, this->name());
    stream_time_.init(context, this->name());
    observed_ = stream_time_.get();
    // With a record cache in front of the store, updates go downstream when it flushes (on
    // commit, or when the record caches are full): the latest aggregate per window, stamped
    // with its timestamp, as Kafka Streams' windowed aggregations with caching on.
    if (!emitter_.enabled()) {
      caching_ = context.set_window_cache_flush_listener(
          store_name_, [this](std::string_view key, int64_t start,
                              std::optional<std::string_view> value, int64_t /*record_ts*/) {
            if (!value) return;  // the aggregation never deletes a window
            auto [agg, agg_ts] = codec_.decode(*value, store_name_);
            this->out_.forward(Windowed<K>{key_serde_.deserialize(key), start, start + size_ms_},
                               Change<VA>{std::move(agg), std::nullopt}, Stamp{agg_ts, false});
          });
    }
  }

 protected:
  // `size_ms`: a window's end minus its start (sliding windows: the time difference).
  WindowAggregateBase(std::string name, std::string store, int64_t size_ms, int64_t grace_ms,
                      Serde<K> ks, Serde<VA> as, Init init, Agg agg, LateReporter<K, V> late,
                      WindowCloseEmitter emitter, PersistedStreamTime stream_time)
      : Node<K, V, Windowed<K>, Change<VA>>(std::move(name)),
        store_name_(std::move(store)),
        size_ms_(size_ms),
        grace_ms_(grace_ms),
        key_serde_(std::move(ks)),
        codec_(std::move(as)),
        init_(std::move(init)),
        agg_(std::move(agg)),
        late_(std::move(late)),
        emitter_(std::move(emitter)),
        stream_time_(std::move(stream_time)) {}

  // Moves the observed stream time to `ts` (if later) and, under emit on window close,
  // forwards each window that stream time - grace closed; returns that close time. Called
  // before the record's writes: the windows it closes are not ones the record can touch.
  int64_t advance_stream_time(int64_t ts) {
    observed_ = stream_time_.advance(ts);
    const int64_t close_time = observed_ - grace_ms_;
    emitter_.emit_closed(close_time, [this](const WindowCloseEmitter::Closed& c) {
      auto [agg, agg_ts] = codec_.decode(c.value, store_name_);
      this->out_.forward(Windowed<K>{key_serde_.deserialize(c.key), c.start, c.start + size_ms_},
                         Change<VA>{std::move(agg), std::nullopt}, Stamp{agg_ts, false});
    });
    return close_time;
  }

  // The key's bytes (key_buf_) for the store calls of one record.
  void serialize_key(const K& key) {
    key_buf_.clear();
    key_serde_.serialize(key, key_buf_);
  }

  // The aggregate of window `start` of key_buf_, if the store holds it.
  std::optional<Stamped> fetch_window(int64_t start) {
    auto bytes = store_->fetch(key_buf_, start);
    if (!bytes) return std::nullopt;
    auto [agg, agg_ts] = codec_.decode(*bytes, store_name_);
    return Stamped{std::move(agg), agg_ts};
  }

  // Adds the record (key, value) at `ts` to window `start` holding `existing` (nullopt: a new
  // window, from the initializer, or from the value itself for reduce), then writes it.
  void add_to_window(const K& key, const V& value, int64_t ts, int64_t start,
                     const std::optional<Stamped>& existing) {
    std::optional<VA> next;
    int64_t out_ts = ts;
    if (existing) {
      next = agg_(key, value, existing->first);
      out_ts = std::max(ts, existing->second);
    } else if (init_) {
      next = agg_(key, value, init_());
    } else if constexpr (std::is_convertible_v<const V&, VA>) {
      next = VA(value);
    }
    put_window(key, start, std::move(*next), out_ts);
  }

  // Writes window `start`'s aggregate and, unless updates leave through the cache's flushes or
  // only closed windows are emitted, forwards it.
  void put_window(const K& key, int64_t start, VA agg, int64_t agg_ts) {
    store_->put(key_buf_, codec_.encode(agg, agg_ts), start);
    if (emitter_.enabled() || caching_) return;
    this->out_.forward(Windowed<K>{key, start, start + size_ms_},
                       Change<VA>{std::move(agg), std::nullopt}, Stamp{agg_ts, false});
  }

  std::string store_name_;
  int64_t size_ms_;
  int64_t grace_ms_;
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
  std::string key_buf_;  // the current record's key bytes
};

}  // namespace eddy::detail
