// eddy/dsl/ktable.h — KTable<K,V>: a changelog stream viewed as the latest value per key.
//
// A table comes from a topic (StreamsBuilder::table; a null value deletes the key) or from an
// aggregation. Every table here is materialized in a key-value store (its name is
// store_name(); Materialized::as names it), so it can be joined and queried. Changes travel
// between table operators as detail::Change<V> (the new value, std::nullopt for a delete, and
// the old value when an operator downstream needs it); to_stream() gives the new values as
// std::optional<V>, a delete being a tombstone on a topic.
//
//   auto customers = builder.table<std::string, Customer>("customers",
//       {}, eddy::Materialized<std::string, Customer>::as("customers-store"));
//   auto vip = customers.filter([](auto&, const Customer& c) { return c.vip; });
//   vip.to_stream().to("vip-customers");          // deletes become tombstones
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eddy/detail/join_nodes.h"
#include "eddy/detail/stateful_nodes.h"
#include "eddy/detail/suppress_node.h"
#include "eddy/dsl/kstream.h"
#include "eddy/dsl/materialized.h"
#include "eddy/dsl/suppressed.h"

namespace eddy {

template <typename K, typename V>
class KTable {
 public:
  // Internal: made by StreamsBuilder and aggregations. `node` outputs <K, detail::Change<V>>.
  KTable(std::shared_ptr<detail::LogicalGraph> graph, int node, std::string store,
         Serde<K> key_serde, Serde<V> value_serde, std::vector<detail::TopicRef> topics)
      : graph_(std::move(graph)),
        node_(node),
        store_(std::move(store)),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)),
        topics_(std::move(topics)) {}

  // Keeps rows for which pred(key, value) holds; a row that stops matching is deleted.
  template <typename Pred>
  KTable filter(Pred pred, const Materialized<K, V>& m = {}, const Named& named = {}) const {
    return derive<V>(
        "KTABLE-FILTER-", named, m, value_serde_,
        [pred](const K& k, const std::optional<V>& v) -> std::optional<V> {
          if (v && pred(k, *v)) return v;
          return std::nullopt;
        },
        /*drop_absent_deletes=*/true);
  }
  template <typename Pred>
  KTable filter_not(Pred pred, const Materialized<K, V>& m = {}, const Named& named = {}) const {
    return filter([pred](const K& k, const V& v) { return !pred(k, v); }, m, named);
  }

  // New value per row from fn(value) or fn(key, value).
  template <typename Fn, typename VR = typename detail::ValueMapperResult<Fn, K, V>::type>
  KTable<K, VR> map_values(Fn fn, const Materialized<K, VR>& m = {},
                           const Named& named = {}) const {
    return derive<VR>(
        "KTABLE-MAPVALUES-", named, m, default_serde<VR>(),
        [fn](const K& k, const std::optional<V>& v) -> std::optional<VR> {
          if (!v) return std::nullopt;
          if constexpr (std::is_invocable_v<Fn&, const K&, const V&>) {
            return fn(k, *v);
          } else {
            (void)k;
            return fn(*v);
          }
        },
        /*drop_absent_deletes=*/false);
  }

  // Holds updates back (suppressed.h): until_window_closes emits one final result per window
  // of a windowed aggregation (KTable<Windowed<K>, V>); until_time_limit rate-limits updates.
  // The buffer is a logged key-value store named <name>-store (or
  // KTABLE-SUPPRESS-STATE-STORE-<n>).
  KTable suppress(const Suppressed& suppressed) const {
    auto& graph = *graph_;
    const std::string name = detail::pick_name(graph, suppressed.name, "KTABLE-SUPPRESS-");
    const std::string store = suppressed.name.empty()
                                  ? graph.new_name("KTABLE-SUPPRESS-STATE-STORE-")
                                  : suppressed.name + "-store";
    int64_t duration = suppressed.time_limit_ms;
    if (suppressed.kind == Suppressed::Kind::kUntilWindowCloses) {
      if (suppressed.buffer.when_full == BufferConfig::WhenFull::kEmitEarly) {
        graph.error("suppress '" + name +
                    "': until_window_closes cannot emit early when its buffer is full; use "
                    "BufferConfig::shut_down_when_full() (or an unbounded buffer)");
      }
      std::optional<int64_t> close_after;
      for (int id = node_; id >= 0 && !close_after;) {
        if (auto it = graph.window_close_ms.find(id); it != graph.window_close_ms.end()) {
          close_after = it->second;
          // Its results are final already; a second close would only hold each one back
          // until a later window's result passes end + close_after too.
          if (graph.emits_on_close.count(id) != 0) {
            graph.error("suppress '" + name + "': '" + graph.nodes[static_cast<size_t>(id)].name +
                        "' already emits one final result per window "
                        "(emit_strategy(EmitStrategy::on_window_close())); drop the suppress, "
                        "or keep it (e.g. for idle close) with EmitStrategy::on_window_update()");
          }
        } else {
          const auto& parents = graph.nodes[id].parents;
          id = parents.empty() ? -1 : parents.front();
        }
      }
      if (!detail::IsWindowed<K>::value || !close_after) {
        graph.error("suppress '" + name +
                    "': until_window_closes needs a windowed aggregation upstream "
                    "(group_by_key().windowed_by(...)); use until_time_limit for other tables");
      }
      duration = close_after.value_or(0);
    }
    detail::declare_kv_store(graph, store, /*persistent=*/true, /*logging=*/true,
                             /*caching=*/false, name);
    graph.stores[store].timestamped = false;
    auto ks = key_serde_;
    auto vs = value_serde_;
    const int id = detail::add_processor(
        graph, name, "suppress", {node_},
        [name, store, suppressed, duration, ks, vs](const detail::ResolvedNode&) {
          return std::make_unique<detail::SuppressNode<K, V>>(name, store, suppressed, duration, ks,
                                                              vs);
        },
        {store});
    return KTable(graph_, id, store_, key_serde_, value_serde_, topics_);
  }

  // The table's changes as a stream; a delete arrives as std::nullopt.
  // The table's changes to a serving-layer sink: `mapper(key, value or nullopt)` gives the
  // serving key and its features; map a deleted key (nullopt) to FeatureRow{key, nullopt}.
  template <typename Fn>
  void to_sink(std::shared_ptr<FeatureSink> sink, Fn mapper, const Named& named = {}) const {
    to_stream().to_sink(std::move(sink), std::move(mapper), named);
  }

  KStream<K, std::optional<V>> to_stream(const Named& named = {}) const {
    const std::string name = detail::pick_name(*graph_, named.name, "KTABLE-TOSTREAM-");
    const int id = detail::add_processor(
        *graph_, name, "to_stream", {node_}, [name](const detail::ResolvedNode&) {
          return std::make_unique<detail::TableToStreamNode<K, V>>(name);
        });
    return KStream<K, std::optional<V>>(graph_, id, key_serde_, serdes::nullable(value_serde_),
                                        false, topics_);
  }

  // Inner join of two tables on the key: joiner(value, other_value), updated when either
  // side changes (timestamp: max of both); a delete on either side deletes the result.
  // Kafka Streams' rules (KTableKTableInnerJoin): a change of one side while the other side
  // has no row sends nothing; a delete (also of a key that side never held) while the other
  // side has the row sends a delete of the result.
  template <typename VO, typename Joiner,
            typename VR = std::decay_t<std::invoke_result_t<Joiner&, const V&, const VO&>>>
  KTable<K, VR> join(const KTable<K, VO>& other, Joiner joiner, const Materialized<K, VR>& m = {},
                     const Named& named = {}) const {
    return table_join<VO, VR>(
        other,
        [joiner](const std::optional<V>& l, const std::optional<VO>& r) { return joiner(*l, *r); },
        detail::TableJoinSide::kInner, detail::TableJoinSide::kInner, m, named, "KTABLE-JOINTHIS-",
        "KTABLE-JOINOTHER-");
  }

  // Left join: a result for every row of this table, joiner(value, std::optional<other>).
  // Kafka Streams' rules (KTableKTableLeftJoin/RightJoin): a change of the other side while
  // this side has no row sends nothing; a delete of a row this table never held, while the
  // other side has none either, sends nothing.
  template <
      typename VO, typename Joiner,
      typename VR = std::decay_t<std::invoke_result_t<Joiner&, const V&, const std::optional<VO>&>>>
  KTable<K, VR> left_join(const KTable<K, VO>& other, Joiner joiner,
                          const Materialized<K, VR>& m = {}, const Named& named = {}) const {
    return table_join<VO, VR>(
        other,
        [joiner](const std::optional<V>& l, const std::optional<VO>& r) { return joiner(*l, r); },
        detail::TableJoinSide::kLeft, detail::TableJoinSide::kRight, m, named, "KTABLE-LEFTTHIS-",
        "KTABLE-LEFTOTHER-");
  }

  // Outer join: a result while either side has the key, joiner(optional, optional); a
  // delete of a row neither side holds sends nothing (KTableKTableOuterJoin).
  template <typename VO, typename Joiner,
            typename VR = std::decay_t<
                std::invoke_result_t<Joiner&, const std::optional<V>&, const std::optional<VO>&>>>
  KTable<K, VR> outer_join(const KTable<K, VO>& other, Joiner joiner,
                           const Materialized<K, VR>& m = {}, const Named& named = {}) const {
    return table_join<VO, VR>(
        other,
        [joiner](const std::optional<V>& l, const std::optional<VO>& r) { return joiner(l, r); },
        detail::TableJoinSide::kOuter, detail::TableJoinSide::kOuter, m, named, "KTABLE-OUTERTHIS-",
        "KTABLE-OUTEROTHER-");
  }

  // The name of the store holding this table (for queries and the test driver).
  const std::string& store_name() const { return store_; }
  const std::string& queryable_store_name() const { return store_; }

  const std::shared_ptr<detail::LogicalGraph>& graph() const { return graph_; }
  int node() const { return node_; }
  const Serde<K>& key_serde() const { return key_serde_; }
  const Serde<V>& value_serde() const { return value_serde_; }
  const std::vector<detail::TopicRef>& topics() const { return topics_; }

 private:
  // `joiner(left, right)` is called only where the sides' rules call it (so an inner join's
  // joiner may take both values as present). A left or outer side needs its input's old values
  // to tell "deleted" from "never there" (Kafka Streams' enableSendingOldValues).
  template <typename VO, typename VR, typename JoinerLR>
  KTable<K, VR> table_join(const KTable<K, VO>& other, JoinerLR joiner,
                           detail::TableJoinSide this_side, detail::TableJoinSide other_side,
                           const Materialized<K, VR>& m, const Named& named,
                           const char* this_prefix, const char* other_prefix) const {
    auto& graph = *graph_;
    const std::string this_name = detail::pick_name(graph, named.name, this_prefix);
    const std::string other_name =
        named.name.empty() ? graph.new_name(other_prefix) : named.name + "-join-other";
    const std::string merge_name =
        named.name.empty() ? graph.new_name("KTABLE-MERGE-") : named.name + "-merge";
    const std::string result_store =
        detail::pick_name(graph, m.store_name, "KTABLE-JOIN-STATE-STORE-");
    auto ks = key_serde_;
    auto other_vs = other.value_serde();
    auto this_vs = value_serde_;
    using ThisJoiner = typename detail::TableTableJoinNode<K, V, VO, VR>::Joiner;
    using OtherJoiner = typename detail::TableTableJoinNode<K, VO, V, VR>::Joiner;
    ThisJoiner j1 = joiner;
    OtherJoiner j2 = [joiner](const std::optional<VO>& r, const std::optional<V>& l) {
      return joiner(l, r);
    };
    const std::string this_store = store_;
    const std::string other_store = other.store_name();
    detail::check_same_builder(graph, other.graph().get(), "join '" + this_name + "'",
                               "the KTable of store '" + other_store + "'");
    if (detail::table_join_needs_old_values(this_side)) {
      graph.nodes[static_cast<size_t>(node_)].send_old_values = true;
    }
    if (detail::table_join_needs_old_values(other_side) && other.graph().get() == &graph) {
      graph.nodes[static_cast<size_t>(other.node())].send_old_values = true;
    }
    const int a = detail::add_processor(
        graph, this_name, "join", {node_},
        [this_name, other_store, ks, other_vs, j1, this_side](const detail::ResolvedNode&) {
          return std::make_unique<detail::TableTableJoinNode<K, V, VO, VR>>(
              this_name, other_store, ks, other_vs, j1, this_side);
        },
        {other_store});
    const int b = detail::add_processor(
        graph, other_name, "join", {other.node()},
        [other_name, this_store, ks, this_vs, j2, other_side](const detail::ResolvedNode&) {
          return std::make_unique<detail::TableTableJoinNode<K, VO, V, VR>>(
              other_name, this_store, ks, this_vs, j2, other_side);
        },
        {this_store});
    Serde<VR> rs = m.value_serde ? m.value_serde : default_serde<VR>();
    if (!rs) {
      graph.error("join '" + this_name + "' has no value serde for its result store '" +
                  result_store + "'; pass Materialized<K, VR>::with(key_serde, value_serde)");
    }
    detail::declare_kv_store(graph, result_store, m.persistent, m.logging, m.caching, merge_name,
                             m.ttl);
    // Kafka Streams' KTableKTableJoinMerger forwards every result, deletes of results that
    // never existed included.
    const int merged =
        detail::add_processor(graph, merge_name, "join merge", {a, b},
                              [merge_name, result_store, ks, rs](const detail::ResolvedNode& r) {
                                return std::make_unique<detail::TableMaterializeNode<K, VR, VR>>(
                                    merge_name, result_store, ks, rs,
                                    [](const K&, const std::optional<VR>& v) { return v; },
                                    /*drop_absent_deletes=*/false, r.send_old_values);
                              },
                              {result_store});
    detail::add_copartition(graph, this_name, topics_, other.topics());
    auto topics = topics_;
    topics.insert(topics.end(), other.topics().begin(), other.topics().end());
    return KTable<K, VR>(graph_, merged, result_store, ks, rs, std::move(topics));
  }

  template <typename VR, typename Fn>
  KTable<K, VR> derive(const char* prefix, const Named& named, const Materialized<K, VR>& m,
                       Serde<VR> fallback_serde, Fn fn, bool drop_absent_deletes) const {
    auto& graph = *graph_;
    const std::string name = detail::pick_name(graph, named.name, prefix);
    const std::string store =
        detail::pick_name(graph, m.store_name, std::string(prefix) + "STATE-STORE-");
    auto ks = detail::pick_serde(m.key_serde, key_serde_);
    Serde<VR> vs = m.value_serde ? m.value_serde : fallback_serde;
    if (!vs) {
      graph.error("table operator '" + name + "' has no value serde for its store '" + store +
                  "'; pass Materialized<K, VR>::with(key_serde, value_serde)");
    }
    detail::declare_kv_store(graph, store, m.persistent, m.logging, m.caching, name, m.ttl);
    std::function<std::optional<VR>(const K&, const std::optional<V>&)> f = fn;
    const int id = detail::add_processor(
        graph, name, "table operator", {node_},
        [name, store, ks, vs, f, drop_absent_deletes](const detail::ResolvedNode& r) {
          return std::make_unique<detail::TableMaterializeNode<K, V, VR>>(
              name, store, ks, vs, f, drop_absent_deletes, r.send_old_values);
        },
        {store});
    return KTable<K, VR>(graph_, id, store, ks, vs, topics_);
  }

  std::shared_ptr<detail::LogicalGraph> graph_;
  int node_;
  std::string store_;
  Serde<K> key_serde_;
  Serde<V> value_serde_;
  std::vector<detail::TopicRef> topics_;
};

}  // namespace eddy
