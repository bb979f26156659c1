// The body shared by TimeWindowedKStream and SlidingWindowedKStream (eddy/dsl/): both keep
// fixed-size windows in a window store and differ only in what FixedWindowKind<Windows> says
// (retention, window size, when a window is final, the aggregate node). Session windows
// merge, so SessionWindowedKStream has its own.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "eddy/detail/sliding_window_node.h"
#include "eddy/detail/window_nodes.h"
#include "eddy/detail/windowed_dsl.h"
#include "eddy/dsl/emit_strategy.h"
#include "eddy/dsl/late_records.h"
#include "eddy/dsl/materialized.h"
#include "eddy/dsl/windowed.h"
#include "eddy/dsl/windows.h"

namespace eddy {

template <typename K, typename V>
class KTable;

namespace detail {

template <typename Windows>
struct FixedWindowKind;

template <>
struct FixedWindowKind<TimeWindows> {
  // Kafka Streams' default retention: window size + grace.
  static int64_t retention_ms(const TimeWindows& w) { return w.size_ms() + w.grace_ms(); }
  static int64_t size_ms(const TimeWindows& w) { return w.size_ms(); }
  static WindowCloseEmitter emitter(std::string progress_store, const TimeWindows& w) {
    return WindowCloseEmitter(std::move(progress_store), w.size_ms(), w.advance_ms());
  }
  // A record cache when asked for, whatever the emit strategy (Kafka Streams'
  // WindowStoreMaterializer).
  static bool cached(bool asked, bool /*on_close*/) { return asked; }
  template <typename K, typename V, typename VA>
  using Node = TimeWindowAggregateNode<K, V, VA>;
};

template <>
struct FixedWindowKind<SlidingWindows> {
  // Kafka Streams' retention for sliding windows: 2 x time difference + grace.
  static int64_t retention_ms(const SlidingWindows& w) {
    return 2 * w.time_difference_ms() + w.grace_ms();
  }
  // A window [start, start + difference] holds both ends.
  static int64_t size_ms(const SlidingWindows& w) { return w.time_difference_ms(); }
  static WindowCloseEmitter emitter(std::string progress_store, const SlidingWindows& w) {
    return WindowCloseEmitter(std::move(progress_store), w.time_difference_ms() + 1, 1);
  }
  // No record cache under on_window_close (Kafka Streams' SlidingWindowStoreMaterializer).
  static bool cached(bool asked, bool on_close) { return asked && !on_close; }
  template <typename K, typename V, typename VA>
  using Node = SlidingWindowAggregateNode<K, V, VA>;
};

// Self is the public class (CRTP), so the builder-style calls return it.
template <typename Self, typename K, typename V, typename Windows>
class FixedWindowedKStream {
  using Kind = FixedWindowKind<Windows>;

 public:
  FixedWindowedKStream(KStream<K, V> stream, Grouped<K, V> grouped, Windows windows)
      : stream_(std::move(stream)), grouped_(std::move(grouped)), windows_(windows) {}

  // Where records for closed windows go besides the drop counter (default: nowhere else).
  Self with_late_records(LateRecords late) const {
    Self copy = static_cast<const Self&>(*this);
    copy.late_ = std::move(late);
    return copy;
  }

  // When results are forwarded: every update (default) or one final result per window when
  // it closes (see emit_strategy.h).
  Self emit_strategy(EmitStrategy strategy) const {
    Self copy = static_cast<const Self&>(*this);
    copy.emit_ = strategy;
    return copy;
  }

  KTable<Windowed<K>, int64_t> count(const Materialized<K, int64_t>& materialized = {},
                                     const Named& named = {}) const {
    Materialized<K, int64_t> m = materialized;
    if (!m.value_serde) m.value_serde = serdes::int64();
    return do_aggregate<int64_t>([] { return int64_t{0}; },
                                 [](const K&, const V&, const int64_t& n) { return n + 1; }, m,
                                 named, "KSTREAM-AGGREGATE-");
  }

  // reducer(aggregate, value); the first value of a window starts its aggregate.
  template <typename Reducer>
  KTable<Windowed<K>, V> reduce(Reducer reducer, const Materialized<K, V>& materialized = {},
                                const Named& named = {}) const {
    Materialized<K, V> m = materialized;
    if (!m.value_serde) m.value_serde = stream_.value_serde();
    return do_aggregate<V>(
        nullptr, [reducer](const K&, const V& v, const V& agg) { return reducer(agg, v); }, m,
        named, "KSTREAM-REDUCE-");
  }

  // aggregator(key, value, aggregate) -> aggregate, starting from initializer() per window.
  template <typename VA, typename Init, typename Aggregator>
  KTable<Windowed<K>, VA> aggregate(Init initializer, Aggregator aggregator,
                                    const Materialized<K, VA>& materialized = {},
                                    const Named& named = {}) const {
    return do_aggregate<VA>(std::function<VA()>(initializer),
                            std::function<VA(const K&, const V&, const VA&)>(aggregator),
                            materialized, named, "KSTREAM-AGGREGATE-");
  }

  const Windows& windows() const { return windows_; }

 private:
  template <typename VA>
  KTable<Windowed<K>, VA> do_aggregate(std::function<VA()> init,
                                       std::function<VA(const K&, const V&, const VA&)> agg,
                                       const Materialized<K, VA>& m, const Named& named,
                                       const char* prefix) const;

  KStream<K, V> stream_;
  Grouped<K, V> grouped_;
  Windows windows_;
  LateRecords late_;
  EmitStrategy emit_ = EmitStrategy::on_window_update();
};

template <typename Self, typename K, typename V, typename Windows>
template <typename VA>
KTable<Windowed<K>, VA> FixedWindowedKStream<Self, K, V, Windows>::do_aggregate(
    std::function<VA()> init, std::function<VA(const K&, const V&, const VA&)> agg,
    const Materialized<K, VA>& m, const Named& named, const char* prefix) const {
  auto& graph = *stream_.graph();
  const std::string store = pick_name(graph, m.store_name, std::string(prefix) + "STATE-STORE-");
  auto in = grouped_input(stream_, grouped_, store, m.key_serde);
  Serde<VA> as = m.value_serde ? m.value_serde : default_serde<VA>();
  const std::string name = pick_name(graph, named.name, prefix);
  if (!in.key_serde || !as) {
    graph.error("windowed aggregation '" + name + "' has no " + (in.key_serde ? "value" : "key") +
                " serde for its store '" + store +
                "'; pass Materialized<K, VA>::with(key_serde, value_serde)");
  }
  const int64_t size_ms = Kind::size_ms(windows_);
  declare_windowed_store(graph, store, StoreKind::kWindow, m.persistent, m.logging,
                         Kind::retention_ms(windows_), size_ms, name, m.ttl.has_value(),
                         /*time_ordered_reads=*/emit_.on_close(),
                         Kind::cached(m.caching, emit_.on_close()));
  LateReporter<K, V> late(late_, in.key_serde, in.value_serde);
  std::vector<std::string> stores{store};
  WindowCloseEmitter emitter;
  if (emit_.on_close()) {
    stores.push_back(declare_emit_progress_store(graph, store, m.persistent, m.logging, name));
    emitter = Kind::emitter(stores.back(), windows_);
  }
  const Windows windows = windows_;
  auto ks = in.key_serde;
  const int id = add_processor(
      graph, name, "windowed aggregation", {in.node},
      [name, store, windows, ks, as, init, agg, late, emitter](const ResolvedNode&) {
        return std::make_unique<typename Kind::template Node<K, V, VA>>(
            name, store, windows, ks, as, init, agg, late, emitter);
      },
      stores);
  graph.window_close_ms[id] = windows_.grace_ms();
  if (emit_.on_close()) graph.emits_on_close.insert(id);
  declare_late_topic(graph, id, late_.topic);
  return KTable<Windowed<K>, VA>(stream_.graph(), id, store,
                                 serdes::time_windowed(in.key_serde, size_ms), as,
                                 std::move(in.topics));
}

}  // namespace detail
}  // namespace eddy
