// eddy/dsl/session_windowed_kstream.h — SessionWindowedKStream<K,V>: a grouped stream cut
// into sessions of activity (records no more than the inactivity gap apart), to count,
// reduce or aggregate per key and session.
//
// A record joins (and so merges) every session of its key that ends no earlier than
// timestamp - gap and starts no later than timestamp + gap. A merge forwards a delete
// (std::nullopt) for each merged-away session, then the merged session's value. Updates are
// timestamped with the session's end. A session is closed once stream time > end + gap +
// grace; records that would land in a closed session are dropped and counted. With
// emit_strategy(EmitStrategy::on_window_close()) only each session's final result goes out,
// once it is closed (no deletes for merged-away sessions; see emit_strategy.h).
//
//   auto visits = clicks.group_by_key()
//       .windowed_by(eddy::SessionWindows::of_inactivity_gap_and_grace(
//           std::chrono::minutes(30), std::chrono::minutes(1)))
//       .aggregate<int64_t>([] { return int64_t{0}; },
//                           [](auto&, const Click&, int64_t n) { return n + 1; },
//                           [](auto&, int64_t a, int64_t b) { return a + b; });   // merger
#pragma once

// First, and alone: kstream.h includes the windowed headers back at its end, after KStream.
#include "eddy/dsl/kstream.h"

#include <functional>
#include <string>
#include <vector>

#include "eddy/detail/dsl/windowed_dsl.h"
#include "eddy/detail/nodes/window_nodes.h"
#include "eddy/dsl/emit_strategy.h"
#include "eddy/dsl/late_records.h"
#include "eddy/dsl/materialized.h"
#include "eddy/dsl/windowed.h"
#include "eddy/dsl/windows.h"

namespace eddy {

template <typename K, typename V>
class KTable;

template <typename K, typename V>
class SessionWindowedKStream {
 public:
  SessionWindowedKStream(KStream<K, V> stream, Grouped<K, V> grouped, SessionWindows windows)
      : stream_(std::move(stream)), grouped_(std::move(grouped)), windows_(windows) {}

  // Where records for closed sessions go besides the drop counter (default: nowhere else).
  SessionWindowedKStream with_late_records(LateRecords late) const {
    SessionWindowedKStream copy = *this;
    copy.late_ = std::move(late);
    return copy;
  }

  // When results are forwarded: every update and delete (default) or one final result per
  // session once it is closed (see emit_strategy.h).
  SessionWindowedKStream emit_strategy(EmitStrategy strategy) const {
    SessionWindowedKStream copy = *this;
    copy.emit_ = strategy;
    return copy;
  }

  KTable<Windowed<K>, int64_t> count(const Materialized<K, int64_t>& materialized = {},
                                     const Named& named = {}) const {
    Materialized<K, int64_t> m = materialized;
    if (!m.value_serde) m.value_serde = serdes::int64();
    return do_aggregate<int64_t>([] { return int64_t{0}; },
                                 [](const K&, const V&, const int64_t& n) { return n + 1; },
                                 [](const K&, const int64_t& a, const int64_t& b) { return a + b; },
                                 m, named, "KSTREAM-AGGREGATE-");
  }

  // reducer(aggregate, value); merging two sessions is reducer(aggregate1, aggregate2).
  template <typename Reducer>
  KTable<Windowed<K>, V> reduce(Reducer reducer, const Materialized<K, V>& materialized = {},
                                const Named& named = {}) const {
    Materialized<K, V> m = materialized;
    if (!m.value_serde) m.value_serde = stream_.value_serde();
    return do_aggregate<V>(
        nullptr, [reducer](const K&, const V& v, const V& agg) { return reducer(agg, v); },
        [reducer](const K&, const V& a, const V& b) { return reducer(a, b); }, m, named,
        "KSTREAM-REDUCE-");
  }

  // aggregator(key, value, aggregate) from initializer(); merger(key, agg1, agg2) when a record
  // joins sessions.
  template <typename VA, typename Init, typename Aggregator, typename Merger>
  KTable<Windowed<K>, VA> aggregate(Init initializer, Aggregator aggregator, Merger merger,
                                    const Materialized<K, VA>& materialized = {},
                                    const Named& named = {}) const {
    return do_aggregate<VA>(std::function<VA()>(initializer),
                            std::function<VA(const K&, const V&, const VA&)>(aggregator),
                            std::function<VA(const K&, const VA&, const VA&)>(merger), materialized,
                            named, "KSTREAM-AGGREGATE-");
  }

  const SessionWindows& windows() const { return windows_; }

 private:
  template <typename VA>
  KTable<Windowed<K>, VA> do_aggregate(std::function<VA()> init,
                                       std::function<VA(const K&, const V&, const VA&)> agg,
                                       std::function<VA(const K&, const VA&, const VA&)> merger,
                                       const Materialized<K, VA>& m, const Named& named,
                                       const char* prefix) const {
    auto& graph = *stream_.graph();
    const std::string store =
        detail::pick_name(graph, m.store_name, std::string(prefix) + "STATE-STORE-");
    auto in = detail::grouped_input(stream_, grouped_, store, m.key_serde);
    Serde<VA> as = m.value_serde ? m.value_serde : default_serde<VA>();
    const std::string name = detail::pick_name(graph, named.name, prefix);
    if (!in.key_serde || !as) {
      graph.error("session aggregation '" + name + "' has no " + (in.key_serde ? "value" : "key") +
                  " serde for its store '" + store +
                  "'; pass Materialized<K, VA>::with(key_serde, value_serde)");
    }
    // Kafka Streams' default retention: gap + grace.
    detail::declare_windowed_store(graph, store, StoreKind::kSession, m.persistent, m.logging,
                                   windows_.gap_ms() + windows_.grace_ms(), 0, name,
                                   m.ttl.has_value(), /*time_ordered_reads=*/false,
                                   // no cache under on_window_close (Kafka Streams'
                                   // SessionStoreMaterializer)
                                   m.caching && !emit_.on_close());
    detail::LateReporter<K, V> late(late_, in.key_serde, in.value_serde);
    std::vector<std::string> stores{store};
    detail::SessionCloseEmitter emitter;
    if (emit_.on_close()) {
      stores.push_back(
          detail::declare_emit_progress_store(graph, store, m.persistent, m.logging, name));
      emitter = detail::SessionCloseEmitter(stores.back());
    }
    stores.push_back(
        detail::declare_stream_time_store(graph, store, m.persistent, m.logging, name));
    const detail::PersistedStreamTime stream_time(stores.back());
    const SessionWindows windows = windows_;
    auto ks = in.key_serde;
    const int id = detail::add_processor(
        graph, name, "session aggregation", {in.node},
        [name, store, windows, ks, as, init, agg, merger, late, emitter,
         stream_time](const detail::ResolvedNode&) {
          return std::make_unique<detail::SessionWindowAggregateNode<K, V, VA>>(
              name, store, windows, ks, as, init, agg, merger, late, emitter, stream_time);
        },
        stores);
    graph.window_close_ms[id] = windows_.gap_ms() + windows_.grace_ms();
    if (emit_.on_close()) graph.emits_on_close.insert(id);
    detail::declare_late_topic(graph, id, late_.topic);
    return KTable<Windowed<K>, VA>(stream_.graph(), id, store,
                                   serdes::session_windowed(in.key_serde), as,
                                   std::move(in.topics));
  }

  KStream<K, V> stream_;
  Grouped<K, V> grouped_;
  SessionWindows windows_;
  LateRecords late_;
  EmitStrategy emit_ = EmitStrategy::on_window_update();
};

}  // namespace eddy
