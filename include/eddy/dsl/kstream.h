// eddy/dsl/kstream.h — KStream<K,V>: an unbounded stream of key/value records.
//
// Every operator returns a new KStream (or KTable / KGroupedStream) and adds a node to the
// builder's graph; nothing runs until the Topology is built and run (KafkaStreams or
// TopologyTestDriver). Operators that change the key (map, select_key, flat_map, process)
// mark the stream so that a later grouping or join repartitions it first, as Kafka Streams;
// process_values keeps the key and the mark as they are.
//
//   auto orders = builder.stream<std::string, Order>("orders");
//   orders.filter([](const std::string&, const Order& o) { return o.qty > 0; })
//         .map_values([](const Order& o) { return o.qty * o.price; })
//         .to("order-totals");
//   auto per_customer =
//       orders.select_key([](auto&, const Order& o) { return o.customer; })
//           .group_by_key()
//           .count(eddy::Materialized<std::string, int64_t>::as("per-customer"));
#pragma once

#include "eddy/detail/nodes/feature_sink_node.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "eddy/detail/dsl/dsl_support.h"
#include "eddy/detail/dsl/table_old_values.h"
#include "eddy/detail/nodes/erasure_node.h"
#include "eddy/detail/nodes/join_nodes.h"
#include "eddy/detail/nodes/processor_node.h"
#include "eddy/detail/nodes/stream_join_traits.h"
#include "eddy/dsl/branched.h"
#include "eddy/dsl/erasure.h"
#include "eddy/dsl/grouped.h"
#include "eddy/dsl/join_windows.h"
#include "eddy/dsl/joined.h"
#include "eddy/dsl/named.h"
#include "eddy/dsl/produced.h"
#include "eddy/dsl/repartitioned.h"
#include "eddy/dsl/stream_joined.h"
#include "eddy/processor/fixed_key_processor.h"
#include "eddy/processor/processor.h"

namespace eddy {

template <typename K, typename V>
class KTable;
template <typename K, typename V>
class KGroupedStream;
template <typename K, typename V>
class GlobalKTable;
template <typename K, typename V>
class BranchedKStream;

template <typename K, typename V>
class KStream {
 public:
  using Key = K;
  using Value = V;

  // Internal: made by StreamsBuilder and by other operators.
  KStream(std::shared_ptr<detail::LogicalGraph> graph, int node, Serde<K> key_serde,
          Serde<V> value_serde, bool repartition_required, std::vector<detail::TopicRef> topics)
      : graph_(std::move(graph)),
        node_(node),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)),
        repartition_required_(repartition_required),
        topics_(std::move(topics)) {}

  // Keeps records for which pred(key, value) is true.
  template <typename Pred>
  KStream filter(Pred pred, const Named& named = {}) const {
    return add_filter(std::move(pred), true, named, "KSTREAM-FILTER-");
  }
  // Keeps records for which pred(key, value) is false.
  template <typename Pred>
  KStream filter_not(Pred pred, const Named& named = {}) const {
    return add_filter(std::move(pred), false, named, "KSTREAM-FILTER-");
  }

  // New value from fn(value) or fn(key, value); the key (and partitioning) is kept.
  template <typename Fn, typename VR = typename detail::ValueMapperResult<Fn, K, V>::type>
  KStream<K, VR> map_values(Fn fn, const Named& named = {}) const {
    const std::string name = detail::pick_name(*graph_, named.name, "KSTREAM-MAPVALUES-");
    const int id = detail::add_processor(
        *graph_, name, "map_values", {node_}, [name, fn](const detail::ResolvedNode&) {
          return std::make_unique<detail::MapValuesNode<K, V, VR, Fn>>(name, fn);
        });
    return KStream<K, VR>(graph_, id, key_serde_, default_serde<VR>(), repartition_required_,
                          topics_);
  }

  // New key and value from fn(key, value) -> std::pair<KR, VR>. Marks the stream for
  // repartitioning.
  template <typename Fn, typename KV = std::decay_t<std::invoke_result_t<Fn&, const K&, const V&>>>
  KStream<typename KV::first_type, typename KV::second_type> map(Fn fn,
                                                                 const Named& named = {}) const {
    using KR = typename KV::first_type;
    using VR = typename KV::second_type;
    const std::string name = detail::pick_name(*graph_, named.name, "KSTREAM-MAP-");
    const int id = detail::add_processor(
        *graph_, name, "map", {node_}, [name, fn](const detail::ResolvedNode&) {
          return std::make_unique<detail::MapNode<K, V, KR, VR, Fn>>(name, fn);
        });
    return KStream<KR, VR>(graph_, id, default_serde<KR>(), default_serde<VR>(), true, topics_);
  }

  // New key from fn(key, value). Marks the stream for repartitioning.
  template <typename Fn, typename KR = std::decay_t<std::invoke_result_t<Fn&, const K&, const V&>>>
  KStream<KR, V> select_key(Fn fn, const Named& named = {}) const {
    const std::string name = detail::pick_name(*graph_, named.name, "KSTREAM-KEY-SELECT-");
    const int id = detail::add_processor(
        *graph_, name, "select_key", {node_}, [name, fn](const detail::ResolvedNode&) {
          return std::make_unique<detail::SelectKeyNode<K, V, KR, Fn>>(name, fn);
        });
    return KStream<KR, V>(graph_, id, default_serde<KR>(), value_serde_, true, topics_);
  }

  // Zero or more records from fn(key, value) -> range of std::pair<KR, VR>. Marks for
  // repartitioning.
  template <typename Fn,
            typename KV = detail::RangeElement<std::invoke_result_t<Fn&, const K&, const V&>>>
  KStream<typename KV::first_type, typename KV::second_type> flat_map(
      Fn fn, const Named& named = {}) const {
    using KR = typename KV::first_type;
    using VR = typename KV::second_type;
    const std::string name = detail::pick_name(*graph_, named.name, "KSTREAM-FLATMAP-");
    const int id = detail::add_processor(
        *graph_, name, "flat_map", {node_}, [name, fn](const detail::ResolvedNode&) {
          return std::make_unique<detail::FlatMapNode<K, V, KR, VR, Fn>>(name, fn);
        });
    return KStream<KR, VR>(graph_, id, default_serde<KR>(), default_serde<VR>(), true, topics_);
  }

  // Zero or more values from fn(value) or fn(key, value) -> range of VR; the key is kept.
  template <typename Fn,
            typename VR = detail::RangeElement<typename detail::ValueMapperResult<Fn, K, V>::type>>
  KStream<K, VR> flat_map_values(Fn fn, const Named& named = {}) const {
    const std::string name = detail::pick_name(*graph_, named.name, "KSTREAM-FLATMAPVALUES-");
    const int id = detail::add_processor(
        *graph_, name, "flat_map_values", {node_}, [name, fn](const detail::ResolvedNode&) {
          return std::make_unique<detail::FlatMapValuesNode<K, V, VR, Fn>>(name, fn);
        });
    return KStream<K, VR>(graph_, id, key_serde_, default_serde<VR>(), repartition_required_,
                          topics_);
  }

  // Calls fn(key, value) for each record and passes it on unchanged.
  template <typename Fn>
  KStream peek(Fn fn, const Named& named = {}) const {
    const int id = add_peek(std::move(fn), named, "KSTREAM-PEEK-");
    return KStream(graph_, id, key_serde_, value_serde_, repartition_required_, topics_);
  }

  // Calls fn(key, value) for each record; terminal.
  template <typename Fn>
  void foreach (Fn fn, const Named& named = {}) const {
    add_peek(std::move(fn), named, "KSTREAM-FOREACH-");
  }

  // Erasure ("forget this customer"; eddy/dsl/erasure.h, docs/operations.md "Erasure"):
  // each record of this stream is a request to forget its key. The task owning the key's
  // partition removes it from the stores named in `erasure` (their changelogs get a
  // tombstone per removal) and from the feature sinks of its sub-topology, then passes the
  // request on (to tombstone an output topic, say). The requests are co-partitioned with the
  // stores' inputs (checked at start); after a key change they are repartitioned first.
  KStream erase(const Erasure& erasure, const Named& named = {}) const {
    const std::string name = detail::pick_name(*graph_, named.name, "KSTREAM-ERASE-");
    if (erasure.stores.empty()) {
      graph_->error("erase '" + name +
                    "': name the stores to forget the key in, Erasure::of_stores({...})");
    }
    if (!key_serde_) {
      graph_->error("erase '" + name + "': the key type has no serde; pass one to the source");
    }
    const KStream in = ensure_partitioned(name);
    const int id = detail::add_processor(
        *graph_, name, "erase", {in.node_},
        [name, erasure, ks = key_serde_](const detail::ResolvedNode&) {
          return std::make_unique<detail::ErasureNode<K, V>>(name, erasure, ks);
        },
        erasure.stores);
    return KStream(graph_, id, key_serde_, value_serde_, false, in.topics_);
  }

  // Routes each record to the first branch whose predicate holds; see BranchedKStream.
  BranchedKStream<K, V> split(const Named& named = {}) const;

  // All records of this stream and `other`, interleaved as they are processed.
  KStream merge(const KStream& other, const Named& named = {}) const {
    const std::string name = detail::pick_name(*graph_, named.name, "KSTREAM-MERGE-");
    detail::check_same_builder(*graph_, other.graph_.get(), "merge '" + name + "'", "a KStream");
    const int id = detail::add_processor(
        *graph_, name, "merge", {node_, other.node_}, [name](const detail::ResolvedNode&) {
          return std::make_unique<detail::PassThroughNode<K, V>>(name);
        });
    auto topics = topics_;
    topics.insert(topics.end(), other.topics_.begin(), other.topics_.end());
    return KStream(graph_, id, key_serde_, value_serde_,
                   repartition_required_ || other.repartition_required_, std::move(topics));
  }

  // Writes every record to `topic`. Partition: produced.partitioner's choice, else the key's
  // murmur2 hash (Kafka's default partitioner) — of the key inside the window for windowed
  // key serdes (serdes::time_windowed / session_windowed), as Kafka Streams.
  void to(const std::string& topic, const Produced<K, V>& produced = {}) const {
    const std::string name = detail::pick_name(*graph_, produced.name, "KSTREAM-SINK-");
    detail::add_sink<K, V>(
        *graph_, name, node_, topic, false, detail::pick_serde(produced.key_serde, key_serde_),
        detail::pick_serde(produced.value_serde, value_serde_), produced.partitioner);
  }

  // Hands each record to a serving-layer sink (e.g. RedisSink): `mapper` gives the serving
  // key and features (nullopt fields delete the key). Writes are versioned by the record's
  // event time and source position; the sink is flushed before every commit.
  //   events.to_sink(redis, [](const std::string& id, const Score& s) {
  //     return FeatureRow{id, FeatureFields{{"score", std::to_string(s.value)}}};
  //   });
  template <typename Fn>
  void to_sink(std::shared_ptr<FeatureSink> sink, Fn mapper, const Named& named = {}) const {
    if (!sink) throw TopologyError("to_sink: the sink is null");
    const std::string name = detail::pick_name(*graph_, named.name, "KSTREAM-FEATURESINK-");
    typename detail::FeatureSinkNode<K, V>::Mapper fn = std::move(mapper);
    const int id = detail::add_processor(
        *graph_, name, "to_sink", {node_}, [name, sink, fn](const detail::ResolvedNode&) {
          return std::make_unique<detail::FeatureSinkNode<K, V>>(name, sink, fn);
        });
    graph_->nodes[static_cast<size_t>(id)].feature_sink = sink;
  }

  // Sends the stream through <application.id>-<name>-repartition, partitioned by key.
  KStream repartition(const Repartitioned<K, V>& options = {}) const {
    const std::string prefix = detail::pick_name(*graph_, options.name, "KSTREAM-REPARTITION-");
    auto ks = detail::pick_serde(options.key_serde, key_serde_);
    auto vs = detail::pick_serde(options.value_serde, value_serde_);
    const int id = detail::add_repartition<K, V>(*graph_, node_, prefix, ks, vs);
    return KStream(graph_, id, ks, vs, false, {{prefix + "-repartition", true}});
  }

  // Plugs a custom Processor in; `stores` names the stores it may use (added with
  // StreamsBuilder::add_state_store). Marks the stream for repartitioning.
  template <typename KOut, typename VOut>
  KStream<KOut, VOut> process(ProcessorSupplier<K, V, KOut, VOut> supplier,
                              std::vector<std::string> stores = {}, const Named& named = {}) const {
    const std::string name = detail::pick_name(*graph_, named.name, "KSTREAM-PROCESSOR-");
    const int id = detail::add_processor(
        *graph_, name, "processor", {node_},
        [name, supplier, stores](const detail::ResolvedNode&) {
          return std::make_unique<detail::ProcessorNode<K, V, KOut, VOut>>(name, supplier(),
                                                                           stores);
        },
        stores);
    return KStream<KOut, VOut>(graph_, id, default_serde<KOut>(), default_serde<VOut>(), true,
                               topics_);
  }

  // Plugs a key-preserving custom processor in (Kafka Streams' processValues): it may change
  // values, timestamps and headers, never the key, so the stream is not marked for
  // repartitioning. `stores` names the stores it may use (see process()).
  template <typename VOut>
  KStream<K, VOut> process_values(FixedKeyProcessorSupplier<K, V, VOut> supplier,
                                  std::vector<std::string> stores = {},
                                  const Named& named = {}) const {
    const std::string name = detail::pick_name(*graph_, named.name, "KSTREAM-PROCESSVALUES-");
    const int id = detail::add_processor(
        *graph_, name, "processor", {node_},
        [name, supplier, stores](const detail::ResolvedNode&) {
          return std::make_unique<detail::FixedKeyProcessorNode<K, V, VOut>>(name, supplier(),
                                                                             stores);
        },
        stores);
    return KStream<K, VOut>(graph_, id, key_serde_, default_serde<VOut>(), repartition_required_,
                            topics_);
  }

  // Groups by the current key (repartitioning first if the key was changed).
  KGroupedStream<K, V> group_by_key(const Grouped<K, V>& grouped = {}) const;

  // Groups by fn(key, value) -> KR; always repartitions.
  template <typename Fn, typename KR = std::decay_t<std::invoke_result_t<Fn&, const K&, const V&>>>
  KGroupedStream<KR, V> group_by(Fn fn, const Grouped<KR, V>& grouped = {}) const {
    return select_key(std::move(fn)).group_by_key(grouped);
  }

  // Stream-table inner join: for each record, joiner(value, table_value) when the table has
  // the key (looked up as of processing time). Both inputs must be co-partitioned.
  template <typename VT, typename Joiner,
            typename VR = std::decay_t<std::invoke_result_t<Joiner&, const V&, const VT&>>>
  KStream<K, VR> join(const KTable<K, VT>& table, Joiner joiner, const Named& named = {}) const {
    return join(table, std::move(joiner), Joined::as(named.name));
  }
  // The same with Joined (its name and, for a versioned table, a grace period): a versioned
  // table is looked up as of each record's timestamp (docs/dsl.md, "Versioned tables").
  template <typename VT, typename Joiner,
            typename VR = std::decay_t<std::invoke_result_t<Joiner&, const V&, const VT&>>>
  KStream<K, VR> join(const KTable<K, VT>& table, Joiner joiner, const Joined& joined) const {
    return stream_table_join<VT, VR>(
        table, [joiner](const K&, const V& v, const std::optional<VT>& t) { return joiner(v, *t); },
        false, joined);
  }
  // Stream-table left join: joiner(value, std::optional<table_value>) for every record, also
  // one with a null key (KIP-962: it finds no row; the result keeps the null key). An inner
  // join drops null-key records and counts them.
  template <
      typename VT, typename Joiner,
      typename VR = std::decay_t<std::invoke_result_t<Joiner&, const V&, const std::optional<VT>&>>>
  KStream<K, VR> left_join(const KTable<K, VT>& table, Joiner joiner,
                           const Named& named = {}) const {
    return left_join(table, std::move(joiner), Joined::as(named.name));
  }
  template <
      typename VT, typename Joiner,
      typename VR = std::decay_t<std::invoke_result_t<Joiner&, const V&, const std::optional<VT>&>>>
  KStream<K, VR> left_join(const KTable<K, VT>& table, Joiner joiner, const Joined& joined) const {
    return stream_table_join<VT, VR>(
        table, [joiner](const K&, const V& v, const std::optional<VT>& t) { return joiner(v, t); },
        true, joined);
  }

  // Stream-global-table inner join: looks up key_selector(key, value) in the global table
  // (no co-partitioning needed). The selector may return std::optional<GK>: std::nullopt (a
  // null key) finds no row, so an inner join drops the record (counted) and a left join calls
  // the joiner with std::nullopt.
  template <typename GK, typename GV, typename KeySel, typename Joiner,
            typename VR = std::decay_t<std::invoke_result_t<Joiner&, const V&, const GV&>>>
  KStream<K, VR> join(const GlobalKTable<GK, GV>& table, KeySel key_selector, Joiner joiner,
                      const Named& named = {}) const {
    return global_join<GK, GV, VR>(
        table, key_selector,
        [joiner](const K&, const V& v, const std::optional<GV>& g) { return joiner(v, *g); }, false,
        named);
  }
  template <
      typename GK, typename GV, typename KeySel, typename Joiner,
      typename VR = std::decay_t<std::invoke_result_t<Joiner&, const V&, const std::optional<GV>&>>>
  KStream<K, VR> left_join(const GlobalKTable<GK, GV>& table, KeySel key_selector, Joiner joiner,
                           const Named& named = {}) const {
    return global_join<GK, GV, VR>(
        table, key_selector,
        [joiner](const K&, const V& v, const std::optional<GV>& g) { return joiner(v, g); }, true,
        named);
  }

  // Windowed stream-stream inner join: for each record, joiner(value, other_value) (or
  // joiner(key, value, other_value)) with every record of `other` with the same key whose
  // timestamp is within `windows` (see eddy/dsl/join_windows.h), from whichever side arrives
  // second; each result is stamped with the later of the two timestamps. Both inputs must be
  // co-partitioned; a side whose key was changed is repartitioned first (topic
  // <stream's node name>-repartition, or <joined.name>-left/-right-repartition).
  template <typename VO, typename Joiner,
            typename VR = typename detail::JoinerResult<Joiner, K, V, VO>::type>
  KStream<K, VR> join(const KStream<K, VO>& other, Joiner joiner, const JoinWindows& windows,
                      const StreamJoined<K, V, VO>& joined = {}) const;
  // Left join: as join, and a record of this stream that found no partner by the time its
  // window closed (stream time > t + after + grace) goes out once as
  // joiner(value, std::nullopt), stamped with its own timestamp (Kafka Streams 4.x, KIP-633).
  template <typename VO, typename Joiner,
            typename VR = typename detail::JoinerResult<Joiner, K, V, std::optional<VO>>::type>
  KStream<K, VR> left_join(const KStream<K, VO>& other, Joiner joiner, const JoinWindows& windows,
                           const StreamJoined<K, V, VO>& joined = {}) const;
  // Outer join: as left_join, for records of either side:
  // joiner(std::optional<V>, std::optional<VO>) with one of them std::nullopt.
  template <typename VO, typename Joiner,
            typename VR =
                typename detail::JoinerResult<Joiner, K, std::optional<V>, std::optional<VO>>::type>
  KStream<K, VR> outer_join(const KStream<K, VO>& other, Joiner joiner, const JoinWindows& windows,
                            const StreamJoined<K, V, VO>& joined = {}) const;

  // Internal accessors for the other DSL classes.
  const std::shared_ptr<detail::LogicalGraph>& graph() const { return graph_; }
  int node() const { return node_; }
  const Serde<K>& key_serde() const { return key_serde_; }
  const Serde<V>& value_serde() const { return value_serde_; }
  bool repartition_required() const { return repartition_required_; }
  const std::vector<detail::TopicRef>& topics() const { return topics_; }

 private:
  template <typename Pred>
  KStream add_filter(Pred pred, bool keep_when, const Named& named, const char* prefix) const {
    const std::string name = detail::pick_name(*graph_, named.name, prefix);
    const int id = detail::add_processor(
        *graph_, name, "filter", {node_}, [name, pred, keep_when](const detail::ResolvedNode&) {
          return std::make_unique<detail::FilterNode<K, V, Pred>>(name, pred, keep_when);
        });
    return KStream(graph_, id, key_serde_, value_serde_, repartition_required_, topics_);
  }

  template <typename Fn>
  int add_peek(Fn fn, const Named& named, const char* prefix) const {
    const std::string name = detail::pick_name(*graph_, named.name, prefix);
    return detail::add_processor(*graph_, name, "peek", {node_},
                                 [name, fn](const detail::ResolvedNode&) {
                                   return std::make_unique<detail::PeekNode<K, V, Fn>>(name, fn);
                                 });
  }

  // This stream, repartitioned through "<prefix>-repartition" if its key was changed.
  KStream ensure_partitioned(const std::string& prefix) const {
    if (!repartition_required_) return *this;
    const int id = detail::add_repartition<K, V>(*graph_, node_, prefix, key_serde_, value_serde_);
    return KStream(graph_, id, key_serde_, value_serde_, false, {{prefix + "-repartition", true}});
  }

  template <typename VT, typename VR, typename J>
  KStream<K, VR> stream_table_join(const KTable<K, VT>& table, J joiner, bool left,
                                   const Joined& joined) const {
    auto& graph = *graph_;
    const std::string name =
        detail::pick_name(graph, joined.name, left ? "KSTREAM-LEFTJOIN-" : "KSTREAM-JOIN-");
    const std::string store = table.store_name();
    const std::string op = std::string(left ? "left join" : "join") + " '" + name + "'";
    detail::check_same_builder(graph, table.graph().get(), op,
                               "the KTable of store '" + store + "'");
    const bool same_builder = table.graph() == graph_;
    const bool versioned_store = same_builder && graph.stores.count(store) != 0 &&
                                 graph.stores[store].spec.history_retention_ms.has_value();
    if (same_builder && !versioned_store && detail::output_versioned(graph, table.node())) {
      graph.error(op +
                  " reads a table derived from a versioned table; Kafka Streams would look "
                  "it up as of each record's time through its parent, which Eddy does not do: "
                  "join the versioned table itself");
    }
    std::vector<std::string> stores{store};
    std::optional<typename detail::StreamTableJoinNode<K, V, K, VT, VR>::Grace> grace;
    if (joined.grace_period) {
      if (same_builder && !versioned_store) {
        graph.error(op + " has a grace period but table store '" + store +
                    "' is not versioned; materialize the table with "
                    "Materialized::as_versioned(name, history_retention)");
      }
      if (joined.grace_period->count() < 0) graph.error(op + ": the grace period is negative");
      if (versioned_store &&
          joined.grace_period->count() > *graph.stores[store].spec.history_retention_ms) {
        graph.error(op + ": its grace period is longer than the history retention of table " +
                    "store '" + store + "' (Kafka Streams: the history retention must be at " +
                    "least the grace period)");
      }
      // The buffer: a logged key-value store, as Kafka Streams' <name>-Buffer.
      const std::string buffer = name + "-Buffer";
      detail::declare_kv_store(graph, buffer, /*persistent=*/true, /*logging=*/true,
                               /*caching=*/false, name);
      graph.stores[buffer].timestamped = false;
      if (!key_serde_ || !value_serde_) {
        graph.error(op +
                    " buffers records for its grace period and needs the stream's key and "
                    "value serdes; pass them with Consumed/Grouped/Repartitioned");
      }
      grace.emplace();
      grace->grace_ms = joined.grace_period->count();
      grace->buffer_store = buffer;
      grace->key_serde = key_serde_;
      grace->value_serde = value_serde_;
      stores.push_back(buffer);
    }
    const KStream input = ensure_partitioned(name);
    if (same_builder) detail::materialize_table_view(graph, table.node());
    auto ks = table.key_serde();
    auto vs = table.value_serde();
    const int id = detail::add_processor(
        graph, name, left ? "left join" : "join", {input.node_},
        [name, store, ks, vs, joiner, left, grace](const detail::ResolvedNode&) {
          return std::make_unique<detail::StreamTableJoinNode<K, V, K, VT, VR>>(
              name, store, ks, vs, nullptr, joiner, left, grace);
        },
        stores);
    detail::add_copartition(*graph_, name, input.topics_, table.topics());
    return KStream<K, VR>(graph_, id, key_serde_, default_serde<VR>(), false, input.topics_);
  }

  // Builds the nodes of a stream-stream join (eddy/detail/dsl/stream_join_dsl.h).
  template <typename VO, typename VR>
  KStream<K, VR> stream_stream_join(const KStream<K, VO>& other,
                                    std::function<VR(const K&, const V*, const VO*)> joiner,
                                    const JoinWindows& windows,
                                    const StreamJoined<K, V, VO>& joined, bool left_outer,
                                    bool right_outer) const;
  // This stream, repartitioned through "<prefix>-repartition" for a join if its key was
  // changed (reused when the same stream is joined again under the same prefix).
  KStream repartition_for_join(const std::string& prefix, Serde<K> ks, Serde<V> vs) const;

  template <typename GK, typename GV, typename VR, typename KeySel, typename J>
  KStream<K, VR> global_join(const GlobalKTable<GK, GV>& table, KeySel key_selector, J joiner,
                             bool left, const Named& named) const {
    const std::string name =
        detail::pick_name(*graph_, named.name, left ? "KSTREAM-LEFTJOIN-" : "KSTREAM-JOIN-");
    const std::string store = table.store_name();
    detail::check_same_builder(*graph_, table.graph().get(),
                               std::string(left ? "left join" : "join") + " '" + name + "'",
                               "the GlobalKTable of store '" + store + "'");
    auto ks = table.key_serde();
    auto vs = table.value_serde();
    // The selector returns GK, or std::optional<GK> where std::nullopt is a null key.
    std::function<std::optional<GK>(const K&, const V&)> key_fn =
        [key_selector](const K& k, const V& v) -> std::optional<GK> { return key_selector(k, v); };
    const int id = detail::add_processor(
        *graph_, name, left ? "left join" : "join", {node_},
        [name, store, ks, vs, key_fn, joiner, left](const detail::ResolvedNode&) {
          return std::make_unique<detail::StreamTableJoinNode<K, V, GK, GV, VR>>(
              name, store, ks, vs, key_fn, joiner, left);
        },
        {store});
    return KStream<K, VR>(graph_, id, key_serde_, default_serde<VR>(), repartition_required_,
                          topics_);
  }

  template <typename, typename>
  friend class KStream;
  template <typename, typename>
  friend class BranchedKStream;

  std::shared_ptr<detail::LogicalGraph> graph_;
  int node_;
  Serde<K> key_serde_;
  Serde<V> value_serde_;
  bool repartition_required_;
  std::vector<detail::TopicRef> topics_;
};

}  // namespace eddy

#include "eddy/detail/dsl/stream_join_dsl.h"
#include "eddy/dsl/branched_kstream.h"
#include "eddy/dsl/global_ktable.h"
#include "eddy/dsl/kgrouped_stream.h"
#include "eddy/dsl/ktable.h"
