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

#include "eddy/detail/dsl/table_old_values.h"
#include "eddy/detail/nodes/foreign_key_join_nodes.h"
#include "eddy/detail/nodes/join_nodes.h"
#include "eddy/detail/nodes/stateful_nodes.h"
#include "eddy/detail/nodes/suppress_node.h"
#include "eddy/detail/nodes/table_aggregate_nodes.h"
#include "eddy/dsl/kstream.h"
#include "eddy/dsl/materialized.h"
#include "eddy/dsl/suppressed.h"

namespace eddy {

template <typename K, typename V>
class KGroupedTable;

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
  // Which deletes go downstream follows Kafka Streams' KTableFilter (docs/dsl.md, "Tables"):
  // over a table that sends old values (an aggregation, a table named with Materialized::as
  // or read by a join) nothing goes for a row that never matched; over a plain table() every
  // rejected update goes on as a delete.
  template <typename Pred>
  KTable filter(Pred pred, const Materialized<K, V>& m = {}, const Named& named = {}) const {
    return derive<V>(
        "KTABLE-FILTER-", named, m, value_serde_,
        [pred](const K& k, const std::optional<V>& v) -> std::optional<V> {
          if (v && pred(k, *v)) return v;
          return std::nullopt;
        },
        /*filter=*/true);
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
        /*filter=*/false);
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
    if (detail::output_versioned(graph, node_)) {
      graph.error("suppress '" + name +
                  "': Kafka Streams supports suppress() only for tables "
                  "that are not versioned (this one reads a versioned table upstream)");
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
    // KTableSuppressProcessorSupplier forces its parent to send old values.
    detail::enable_sending_old_values(graph, node_, true);
    detail::set_table_kind(graph, id, detail::KsTable::kSuppress, false);
    graph.nodes[static_cast<size_t>(id)].output_versioned = false;
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

  // Foreign-key join (KIP-213): each row of this table names a row of `other` by
  // foreign_key(value) or foreign_key(key, value) (returning KO, or std::optional<KO> where
  // std::nullopt names none); the result, keyed like this table, is joiner(value,
  // other_value) while both rows exist, and is updated when either changes (also when a row
  // switches to another foreign key). See foreign_key_join_nodes.h for how it runs:
  // subscription and response topics (<name>-subscription-registration-topic,
  // <name>-subscription-response-topic, named from Named or generated), a subscription store
  // (<name>-subscription-store), and a hash that drops out-of-date answers.
  //   order_lines.join(products, [](const Line& l) { return l.sku; },
  //                    [](const Line& l, const Product& p) { return Priced{l, p.price}; });
  template <typename KO, typename VO, typename FkFn, typename Joiner,
            typename VR = std::decay_t<std::invoke_result_t<Joiner&, const V&, const VO&>>,
            typename = std::enable_if_t<
                std::is_same_v<KO, typename detail::ForeignKeyType<
                                       typename detail::ForeignKeyResult<FkFn, K, V>::type>::type>>>
  KTable<K, VR> join(const KTable<KO, VO>& other, FkFn foreign_key, Joiner joiner,
                     const Materialized<K, VR>& m = {}, const Named& named = {}) const {
    return fk_join<KO, VO, VR>(
        other, std::move(foreign_key),
        [joiner](const V& v, const std::optional<VO>& o) { return joiner(v, *o); }, false, m,
        named);
  }
  // Left foreign-key join: a result for every row of this table, joiner(value,
  // std::optional<other_value>), also when it names no foreign key or an absent row.
  template <
      typename KO, typename VO, typename FkFn, typename Joiner,
      typename VR = std::decay_t<std::invoke_result_t<Joiner&, const V&, const std::optional<VO>&>>,
      typename = std::enable_if_t<
          std::is_same_v<KO, typename detail::ForeignKeyType<
                                 typename detail::ForeignKeyResult<FkFn, K, V>::type>::type>>>
  KTable<K, VR> left_join(const KTable<KO, VO>& other, FkFn foreign_key, Joiner joiner,
                          const Materialized<K, VR>& m = {}, const Named& named = {}) const {
    return fk_join<KO, VO, VR>(
        other, std::move(foreign_key),
        [joiner](const V& v, const std::optional<VO>& o) { return joiner(v, o); }, true, m, named);
  }

  // Re-groups the table: mapper(key, value) -> std::pair<KR, VR> (or std::optional of it,
  // std::nullopt: the row is in no group) names each row's group and the value it brings
  // to it; see kgrouped_table.h. Always repartitions (topic <Grouped name, or the
  // aggregation's store>-repartition), carrying each change with its old value, which this
  // table is asked to send (Kafka Streams' KTableRepartitionMap).
  template <typename Mapper,
            typename Result = std::decay_t<std::invoke_result_t<Mapper&, const K&, const V&>>,
            typename Pair = typename detail::GroupByPair<Result>::type>
  KGroupedTable<typename Pair::first_type, typename Pair::second_type> group_by(
      Mapper mapper,
      const Grouped<typename Pair::first_type, typename Pair::second_type>& grouped = {}) const {
    using KR = typename Pair::first_type;
    using VR = typename Pair::second_type;
    auto& graph = *graph_;
    const std::string name = detail::pick_name(graph, grouped.name, "KTABLE-SELECT-");
    Serde<KR> ks = grouped.key_serde ? grouped.key_serde : default_serde<KR>();
    Serde<VR> vs = grouped.value_serde ? grouped.value_serde : default_serde<VR>();
    const bool versioned = detail::output_versioned(graph, node_);
    const int id = detail::add_processor(
        graph, name, "group_by", {node_},
        [name, mapper, ks, versioned](const detail::ResolvedNode&) {
          return std::make_unique<detail::TableRepartitionMapNode<K, V, KR, VR, Mapper>>(
              name, mapper, ks, versioned);
        });
    detail::enable_sending_old_values(graph, node_, true);
    return KGroupedTable<KR, VR>(graph_, id, ks, vs, grouped);
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
  template <typename KO, typename VO, typename VR, typename FkFn>
  KTable<K, VR> fk_join(const KTable<KO, VO>& other, FkFn foreign_key,
                        std::function<VR(const V&, const std::optional<VO>&)> joiner, bool left,
                        const Materialized<K, VR>& m, const Named& named) const {
    auto& graph = *graph_;
    auto name_of = [&](const std::string& suffix, const char* prefix) {
      return named.name.empty() ? graph.new_name(prefix) : named.name + suffix;
    };
    const std::string registration =
        name_of("-subscription-registration", "KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-");
    const std::string subscription_topic = registration + "-topic";
    const std::string op = std::string(left ? "left join" : "join") + " '" + registration + "'";
    detail::check_same_builder(graph, other.graph().get(), "foreign-key " + op,
                               "the KTable of store '" + other.store_name() + "'");
    if (other.graph().get() != &graph)
      return KTable<K, VR>(graph_, node_, store_, key_serde_, {}, {});
    // Kafka Streams' order: both tables send old values, then both are read (materialized).
    detail::enable_sending_old_values(graph, other.node(), true);
    detail::enable_sending_old_values(graph, node_, true);
    const Serde<K> ks = key_serde_;
    const Serde<V> vs = value_serde_;
    const Serde<KO> fks = other.key_serde();
    const Serde<VO> fvs = other.value_serde();
    if (!ks || !vs || !fks || !fvs) {
      graph.error("foreign-key " + op + " needs the key and value serdes of both tables (for " +
                  "its subscription and response topics); pass them with Consumed or " +
                  "Materialized");
    }
    const bool this_versioned = detail::output_versioned(graph, node_);
    const bool other_versioned = detail::output_versioned(graph, other.node());
    // 1. subscriptions, by foreign key, to the subscription topic
    const std::string send_name = name_of("-subscription-registration-processor",
                                          "KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-");
    const int send = detail::add_processor(
        graph, send_name, "foreign-key join", {node_},
        [send_name, foreign_key, fks, vs, left, this_versioned](const detail::ResolvedNode&) {
          return std::make_unique<detail::FkSubscriptionSendNode<K, V, KO, FkFn>>(
              send_name, foreign_key, fks, vs, left, this_versioned);
        });
    const auto subscription_serde = detail::fk_subscription_serde(ks);
    detail::add_sink<KO, detail::FkSubscription<K>>(
        graph, name_of("-subscription-registration-sink", "KTABLE-SINK-"), send, subscription_topic,
        true, fks, subscription_serde, detail::fk_subscription_partitioner<KO, K>());
    const int subscription_source = detail::add_source<KO, detail::FkSubscription<K>>(
        graph, name_of("-subscription-registration-source", "KTABLE-SOURCE-"), {subscription_topic},
        true, fks, subscription_serde);
    detail::add_copartition(graph, op, {{subscription_topic, true}}, other.topics());
    // 2. the foreign side: the subscription store, answers to subscriptions and on changes
    const std::string subscription_store =
        named.name.empty() ? graph.new_name("KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-")
                           : named.name + "-subscription-store";
    detail::declare_kv_store(graph, subscription_store, m.persistent, /*logging=*/true,
                             /*caching=*/false, registration);
    graph.stores[subscription_store].timestamped = false;
    const std::string foreign_store = other.store_name();
    detail::materialize_table_view(graph, other.node());
    const std::string receive_name =
        name_of("-subscription-receive", "KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-");
    const int receive = detail::add_processor(
        graph, receive_name, "foreign-key join", {subscription_source},
        [receive_name, subscription_store, foreign_store, fks, fvs,
         ks](const detail::ResolvedNode&) {
          return std::make_unique<detail::FkSubscriptionReceiveNode<KO, K, VO>>(
              receive_name, subscription_store, foreign_store, fks, fvs, ks);
        },
        {subscription_store, foreign_store});
    const std::string foreign_name =
        name_of("-foreign-join-subscription", "KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-");
    const int foreign = detail::add_processor(
        graph, foreign_name, "foreign-key join", {other.node()},
        [foreign_name, subscription_store, fks, ks, other_versioned](const detail::ResolvedNode&) {
          return std::make_unique<detail::FkForeignTableJoinNode<KO, VO, K>>(
              foreign_name, subscription_store, fks, ks, other_versioned);
        },
        {subscription_store});
    // 3. answers to the primary row's partition, joined with its current row
    const std::string response_topic =
        name_of("-subscription-response", "KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-") + "-topic";
    const std::string answers_name = name_of("-subscription-response-merge", "KTABLE-MERGE-");
    const int answers = detail::add_processor(
        graph, answers_name, "foreign-key join", {receive, foreign},
        [answers_name](const detail::ResolvedNode&) {
          return std::make_unique<detail::PassThroughNode<K, detail::FkResponse<VO>>>(answers_name);
        });
    const auto response_serde = detail::fk_response_serde(fvs);
    detail::add_sink<K, detail::FkResponse<VO>>(
        graph, name_of("-subscription-response-sink", "KTABLE-SINK-"), answers, response_topic,
        true, ks, response_serde, detail::fk_response_partitioner<K, VO>());
    const int response_source = detail::add_source<K, detail::FkResponse<VO>>(
        graph, name_of("-subscription-response-source", "KTABLE-SOURCE-"), {response_topic}, true,
        ks, response_serde);
    detail::add_copartition(graph, op, {{response_topic, true}}, topics_);
    detail::materialize_table_view(graph, node_);
    const std::string primary_store = store_;
    const std::string resolver_name =
        name_of("-subscription-response-resolver",
                "KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-");
    const int resolver = detail::add_processor(
        graph, resolver_name, "foreign-key join", {response_source},
        [resolver_name, primary_store, ks, vs, joiner, left](const detail::ResolvedNode&) {
          return std::make_unique<detail::FkResponseJoinNode<K, V, VO, VR>>(
              resolver_name, primary_store, ks, vs, joiner, left);
        },
        {primary_store});
    // 4. the result: a table source over the answers (Kafka Streams' KTableSource)
    const std::string result_name = name_of("-result", "KTABLE-FK-JOIN-OUTPUT-");
    const std::string result_store =
        detail::pick_name(graph, m.store_name, "KTABLE-FK-JOIN-OUTPUT-STATE-STORE-");
    Serde<VR> rs = m.value_serde ? m.value_serde : default_serde<VR>();
    if (!rs) {
      graph.error("foreign-key " + op + " has no value serde for its result store '" +
                  result_store + "'; pass Materialized<K, VR>::with(key_serde, value_serde)");
    }
    if (m.history_retention) {
      graph.error("foreign-key " + op + ": only StreamsBuilder::table can keep a versioned " +
                  "store; materialize '" + result_store + "' without a history retention");
    }
    detail::declare_kv_store(graph, result_store, m.persistent, m.logging, m.caching, result_name,
                             m.ttl);
    const int result =
        detail::add_processor(graph, result_name, "table source", {resolver},
                              [result_name, result_store, ks, rs](const detail::ResolvedNode& r) {
                                return std::make_unique<detail::TableSourceNode<K, VR>>(
                                    result_name, result_store, ks, rs, r.send_old_values);
                              },
                              {result_store});
    detail::set_table_kind(graph, result, detail::KsTable::kSource, !m.store_name.empty());
    graph.nodes[static_cast<size_t>(result)].output_versioned = false;
    return KTable<K, VR>(graph_, result, result_store, ks, rs, topics_);
  }

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
    const bool same_builder = other.graph().get() == &graph;
    // Kafka Streams' order: a left or outer side forces its table to send old values, then
    // the join sides read both tables (materializing them).
    if (detail::table_join_needs_old_values(this_side)) {
      detail::enable_sending_old_values(graph, node_, true);
    }
    if (detail::table_join_needs_old_values(other_side) && same_builder) {
      detail::enable_sending_old_values(graph, other.node(), true);
    }
    detail::materialize_table_view(graph, node_);
    if (same_builder) detail::materialize_table_view(graph, other.node());
    // Versioned semantics (a side reads a versioned table): out-of-order updates of that
    // side are skipped and counted as dropped.
    const bool this_versioned = detail::output_versioned(graph, node_);
    const bool other_versioned = same_builder && detail::output_versioned(graph, other.node());
    if (m.history_retention) {
      graph.error("join '" + this_name + "': only StreamsBuilder::table can keep a versioned " +
                  "store; materialize '" + result_store + "' without a history retention");
    }
    const int a = detail::add_processor(
        graph, this_name, "join", {node_},
        [this_name, other_store, ks, other_vs, j1, this_side,
         this_versioned](const detail::ResolvedNode&) {
          return std::make_unique<detail::TableTableJoinNode<K, V, VO, VR>>(
              this_name, other_store, ks, other_vs, j1, this_side, this_versioned);
        },
        {other_store});
    const int b = detail::add_processor(
        graph, other_name, "join", {other.node()},
        [other_name, this_store, ks, this_vs, j2, other_side,
         other_versioned](const detail::ResolvedNode&) {
          return std::make_unique<detail::TableTableJoinNode<K, VO, V, VR>>(
              other_name, this_store, ks, this_vs, j2, other_side, other_versioned);
        },
        {this_store});
    detail::set_table_kind(graph, a, detail::KsTable::kJoinSide, false,
                           same_builder ? other.node() : -1);
    detail::set_table_kind(graph, b, detail::KsTable::kJoinSide, false, node_);
    Serde<VR> rs = m.value_serde ? m.value_serde : default_serde<VR>();
    if (!rs) {
      graph.error("join '" + this_name + "' has no value serde for its result store '" +
                  result_store + "'; pass Materialized<K, VR>::with(key_serde, value_serde)");
    }
    detail::declare_kv_store(graph, result_store, m.persistent, m.logging, m.caching, merge_name,
                             m.ttl);
    // Kafka Streams' KTableKTableJoinMerger forwards every result, deletes of results that
    // never existed included.
    const bool merge_queryable = !m.store_name.empty();
    const int merged = detail::add_processor(
        graph, merge_name, "join merge", {a, b},
        [merge_name, result_store, ks, rs, merge_queryable](const detail::ResolvedNode& r) {
          return std::make_unique<detail::TableMaterializeNode<K, VR, VR>>(
              merge_name, result_store, ks, rs,
              [](const K&, const std::optional<VR>& v) { return v; },
              /*drop_absent_deletes=*/false, r.send_old_values, merge_queryable);
        },
        {result_store});
    detail::set_table_kind(graph, merged, detail::KsTable::kMerge, !m.store_name.empty());
    graph.nodes[static_cast<size_t>(merged)].output_versioned = false;
    detail::add_copartition(graph, this_name, topics_, other.topics());
    auto topics = topics_;
    topics.insert(topics.end(), other.topics().begin(), other.topics().end());
    return KTable<K, VR>(graph_, merged, result_store, ks, rs, std::move(topics));
  }

  // filter and map_values (Kafka Streams' KTableFilter, KTableMapValues): the new row from
  // fn(key, parent's new row), written to this table's store and forwarded. A filter's
  // deletes follow the old-value rule of table_old_values.h; map_values forwards them all.
  template <typename VR, typename Fn>
  KTable<K, VR> derive(const char* prefix, const Named& named, const Materialized<K, VR>& m,
                       Serde<VR> fallback_serde, Fn fn, bool filter) const {
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
    if (m.history_retention) {
      graph.error("table operator '" + name + "': only StreamsBuilder::table can keep a " +
                  "versioned store; materialize '" + store + "' without a history retention");
    }
    // Over a versioned table Kafka Streams' filter forwards every update (versioned
    // semantics), out-of-order ones marked as such.
    const bool versioned = detail::output_versioned(graph, node_);
    const bool queryable = !m.store_name.empty();
    const int id = detail::add_processor(
        graph, name, "table operator", {node_},
        [name, store, ks, vs, f, filter, versioned, queryable](const detail::ResolvedNode& r) {
          // A filter that sends old values sends nothing for a row that never matched.
          return std::make_unique<detail::TableMaterializeNode<K, V, VR>>(
              name, store, ks, vs, f,
              /*drop_absent_deletes=*/filter && r.send_old_values && !versioned, r.send_old_values,
              queryable);
        },
        {store});
    detail::set_table_kind(graph, id, detail::KsTable::kDerived, queryable);
    if (queryable) graph.nodes[static_cast<size_t>(id)].output_versioned = false;
    // KTableFilter asks its parent when it is created.
    if (filter)
      graph.nodes[static_cast<size_t>(id)].send_old_values =
          detail::enable_sending_old_values(graph, node_, false);
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

#include "eddy/dsl/kgrouped_table.h"
