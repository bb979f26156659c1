// eddy/dsl/kgrouped_stream.h — KGroupedStream<K,V>: a stream grouped by key, to aggregate.
//
// count / reduce / aggregate keep one value per key in a store and emit the updated value
// (a KTable) for every input record when caching is off; the update's timestamp is the max
// timestamp of the records aggregated. Records with a null key are dropped (counted).
// windowed_by(TimeWindows | SlidingWindows | SessionWindows) cuts the groups into windows first.
//
//   auto totals = orders.group_by_key().aggregate(
//       [] { return 0.0; },
//       [](const std::string&, const Order& o, double sum) { return sum + o.total; },
//       eddy::Materialized<std::string, double>::as("order-totals"));
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "eddy/detail/nodes/stateful_nodes.h"
#include "eddy/dsl/kstream.h"
#include "eddy/dsl/materialized.h"
#include "eddy/dsl/session_windowed_kstream.h"
#include "eddy/dsl/sliding_windowed_kstream.h"
#include "eddy/dsl/time_windowed_kstream.h"

namespace eddy {

// Declared here too: a windowed header included first reaches this one before its own class.
template <typename K, typename V>
class TimeWindowedKStream;
template <typename K, typename V>
class SlidingWindowedKStream;
template <typename K, typename V>
class SessionWindowedKStream;

template <typename K, typename V>
class KGroupedStream {
 public:
  KGroupedStream(KStream<K, V> stream, Grouped<K, V> grouped)
      : stream_(std::move(stream)), grouped_(std::move(grouped)) {}

  // Tumbling or hopping time windows per key (time_windowed_kstream.h).
  TimeWindowedKStream<K, V> windowed_by(const TimeWindows& windows) const {
    return TimeWindowedKStream<K, V>(stream_, grouped_, windows);
  }
  // Sliding (record-driven) windows per key (sliding_windowed_kstream.h).
  SlidingWindowedKStream<K, V> windowed_by(const SlidingWindows& windows) const {
    return SlidingWindowedKStream<K, V>(stream_, grouped_, windows);
  }
  // Sessions of activity per key (session_windowed_kstream.h).
  SessionWindowedKStream<K, V> windowed_by(const SessionWindows& windows) const {
    return SessionWindowedKStream<K, V>(stream_, grouped_, windows);
  }

  // Number of records per key.
  KTable<K, int64_t> count(const Materialized<K, int64_t>& materialized = {},
                           const Named& named = {}) const {
    Materialized<K, int64_t> m = materialized;
    if (!m.value_serde) m.value_serde = serdes::int64();
    return do_aggregate<int64_t>([] { return int64_t{0}; },
                                 [](const K&, const V&, const int64_t& n) { return n + 1; }, m,
                                 named);
  }

  // Combines values of a key with reducer(aggregate, value); the first value starts it.
  template <typename Reducer>
  KTable<K, V> reduce(Reducer reducer, const Materialized<K, V>& materialized = {},
                      const Named& named = {}) const {
    Materialized<K, V> m = materialized;
    if (!m.value_serde) m.value_serde = stream_.value_serde();
    return do_aggregate<V>(
        nullptr, [reducer](const K&, const V& v, const V& agg) { return reducer(agg, v); }, m,
        named, "KSTREAM-REDUCE-");
  }

  // aggregator(key, value, aggregate) -> aggregate, starting from initializer().
  template <typename VA, typename Init, typename Aggregator>
  KTable<K, VA> aggregate(Init initializer, Aggregator aggregator,
                          const Materialized<K, VA>& materialized = {},
                          const Named& named = {}) const {
    return do_aggregate<VA>(std::function<VA()>(initializer),
                            std::function<VA(const K&, const V&, const VA&)>(aggregator),
                            materialized, named);
  }

 private:
  template <typename VA>
  KTable<K, VA> do_aggregate(std::function<VA()> init,
                             std::function<VA(const K&, const V&, const VA&)> agg,
                             const Materialized<K, VA>& m, const Named& named,
                             const char* prefix = "KSTREAM-AGGREGATE-") const {
    auto& graph = *stream_.graph();
    const std::string store =
        detail::pick_name(graph, m.store_name, std::string(prefix) + "STATE-STORE-");
    auto ks = detail::pick_serde(m.key_serde,
                                 detail::pick_serde(grouped_.key_serde, stream_.key_serde()));
    auto vs = detail::pick_serde(grouped_.value_serde, stream_.value_serde());
    Serde<VA> as = m.value_serde ? m.value_serde : default_serde<VA>();
    int input = stream_.node();
    std::vector<detail::TopicRef> topics = stream_.topics();
    if (stream_.repartition_required()) {
      const std::string repartition = grouped_.name.empty() ? store : grouped_.name;
      input = detail::add_repartition<K, V>(graph, input, repartition, ks, vs);
      topics = {{repartition + "-repartition", true}};
    }
    const std::string name = detail::pick_name(graph, named.name, prefix);
    if (!ks) {
      graph.error("aggregation '" + name + "' has no key serde for its store '" + store +
                  "'; pass Materialized<K, VA>::with(key_serde, value_serde)");
    }
    if (!as) {
      graph.error("aggregation '" + name + "' has no value serde for its store '" + store +
                  "'; pass Materialized<K, VA>::with(key_serde, value_serde)");
    }
    detail::declare_kv_store(graph, store, m.persistent, m.logging, m.caching, name, m.ttl);
    const int id =
        detail::add_processor(graph, name, "aggregation", {input},
                              [name, store, ks, as, init, agg](const detail::ResolvedNode& r) {
                                return std::make_unique<detail::StreamAggregateNode<K, V, VA>>(
                                    name, store, ks, as, init, agg, r.send_old_values);
                              },
                              {store});
    return KTable<K, VA>(stream_.graph(), id, store, ks, as, std::move(topics));
  }

  KStream<K, V> stream_;
  Grouped<K, V> grouped_;
};

template <typename K, typename V>
KGroupedStream<K, V> KStream<K, V>::group_by_key(const Grouped<K, V>& grouped) const {
  KStream<K, V> s = *this;
  if (grouped.key_serde) s.key_serde_ = grouped.key_serde;
  if (grouped.value_serde) s.value_serde_ = grouped.value_serde;
  return KGroupedStream<K, V>(std::move(s), grouped);
}

}  // namespace eddy
