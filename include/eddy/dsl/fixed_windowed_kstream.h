// eddy/dsl/fixed_windowed_kstream.h — FixedWindowedKStream: the calls of TimeWindowedKStream
// (tumbling and hopping windows) and SlidingWindowedKStream, which both keep fixed-size
// windows in a window store: with_late_records, emit_strategy, count, reduce, aggregate.
// Session windows merge, so SessionWindowedKStream has its own (session_windowed_kstream.h).
//
// Results are a KTable<Windowed<K>, V>, timestamped with the max timestamp of the window's
// records; records for closed windows (stream time >= end + grace) are dropped and counted
// (late_records.h).
#pragma once

// First, and alone: kstream.h includes the windowed headers back at its end, after KStream.
#include "eddy/dsl/kstream.h"

#include <functional>
#include <string>
#include <vector>

#include "eddy/detail/dsl/fixed_window_kind.h"
#include "eddy/detail/dsl/windowed_dsl.h"
#include "eddy/dsl/emit_strategy.h"
#include "eddy/dsl/late_records.h"
#include "eddy/dsl/materialized.h"
#include "eddy/dsl/windowed.h"
#include "eddy/dsl/windows.h"

namespace eddy {

template <typename K, typename V>
class KTable;

// Self is the public class (CRTP), so the builder-style calls return it.
template <typename Self, typename K, typename V, typename Windows>
class FixedWindowedKStream {
  using Kind = detail::FixedWindowKind<Windows>;

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
  const std::string store =
      detail::pick_name(graph, m.store_name, std::string(prefix) + "STATE-STORE-");
  auto in = detail::grouped_input(stream_, grouped_, store, m.key_serde);
  Serde<VA> as = m.value_serde ? m.value_serde : default_serde<VA>();
  const std::string name = detail::pick_name(graph, named.name, prefix);
  if (!in.key_serde || !as) {
    graph.error("windowed aggregation '" + name + "' has no " + (in.key_serde ? "value" : "key") +
                " serde for its store '" + store +
                "'; pass Materialized<K, VA>::with(key_serde, value_serde)");
  }
  const int64_t size_ms = Kind::size_ms(windows_);
  detail::declare_windowed_store(graph, store, StoreKind::kWindow, m.persistent, m.logging,
                                 Kind::retention_ms(windows_), size_ms, name, m.ttl.has_value(),
                                 /*time_ordered_reads=*/emit_.on_close(),
                                 Kind::cached(m.caching, emit_.on_close()));
  detail::LateReporter<K, V> late(late_, in.key_serde, in.value_serde);
  std::vector<std::string> stores{store};
  detail::WindowCloseEmitter emitter;
  if (emit_.on_close()) {
    stores.push_back(
        detail::declare_emit_progress_store(graph, store, m.persistent, m.logging, name));
    emitter = Kind::emitter(stores.back(), windows_);
  }
  stores.push_back(detail::declare_stream_time_store(graph, store, m.persistent, m.logging, name));
  const detail::PersistedStreamTime stream_time(stores.back());
  const Windows windows = windows_;
  auto ks = in.key_serde;
  const int id = detail::add_processor(
      graph, name, "windowed aggregation", {in.node},
      [name, store, windows, ks, as, init, agg, late, emitter,
       stream_time](const detail::ResolvedNode&) {
        return std::make_unique<typename Kind::template Node<K, V, VA>>(
            name, store, windows, ks, as, init, agg, late, emitter, stream_time);
      },
      stores);
  graph.window_close_ms[id] = windows_.grace_ms();
  if (emit_.on_close()) graph.emits_on_close.insert(id);
  detail::declare_late_topic(graph, id, late_.topic);
  return KTable<Windowed<K>, VA>(stream_.graph(), id, store,
                                 serdes::time_windowed(in.key_serde, size_ms), as,
                                 std::move(in.topics));
}

}  // namespace eddy
