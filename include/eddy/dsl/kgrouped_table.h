// eddy/dsl/kgrouped_table.h — KGroupedTable<K,V>: a table re-grouped by KTable::group_by, to
// aggregate.
//
// Each row of the table belongs to the group mapper(key, value) names. When a row changes,
// its old value is subtracted from its old group and its new value added to its new group
// (one step when the group stays the same), so an aggregate always reflects the table's
// current rows. The change travels through the repartition topic
// <application.id>-<Grouped name, or the store's name>-repartition with both values.
//
//   // stock per category, from a product table keyed by SKU
//   auto per_category = products
//       .group_by([](const std::string& sku, const Product& p) {
//         return std::make_pair(p.category, p.stock);
//       })
//       .reduce([](int64_t total, int64_t v) { return total + v; },      // adder
//               [](int64_t total, int64_t v) { return total - v; },      // subtractor
//               eddy::Materialized<std::string, int64_t>::as("stock-per-category"));
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "eddy/detail/dsl/table_old_values.h"
#include "eddy/detail/nodes/table_aggregate_nodes.h"
#include "eddy/dsl/grouped.h"
#include "eddy/dsl/materialized.h"
#include "eddy/dsl/named.h"

namespace eddy {

template <typename K, typename V>
class KTable;

template <typename K, typename V>
class KGroupedTable {
 public:
  // Internal: made by KTable::group_by. `node` outputs <K, detail::Change<V>> (the re-keyed
  // changes, before the repartition).
  KGroupedTable(std::shared_ptr<detail::LogicalGraph> graph, int node, Serde<K> key_serde,
                Serde<V> value_serde, Grouped<K, V> grouped)
      : graph_(std::move(graph)),
        node_(node),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)),
        grouped_(std::move(grouped)) {}

  // Number of rows per group. A group whose rows all left counts 0 (it is not deleted).
  KTable<K, int64_t> count(const Materialized<K, int64_t>& materialized = {},
                           const Named& named = {}) const {
    Materialized<K, int64_t> m = materialized;
    if (!m.value_serde) m.value_serde = serdes::int64();
    return do_aggregate<int64_t>(
        [] { return int64_t{0}; }, [](const K&, const V&, const int64_t& n) { return n + 1; },
        [](const K&, const V&, const int64_t& n) -> std::optional<int64_t> { return n - 1; }, m,
        named, "KTABLE-AGGREGATE-");
  }

  // adder(aggregate, value) when a row joins the group (the first row starts it);
  // subtractor(aggregate, value) when a row leaves it. The subtractor may return
  // std::optional<V>: std::nullopt deletes the group.
  template <typename Adder, typename Subtractor>
  KTable<K, V> reduce(Adder adder, Subtractor subtractor,
                      const Materialized<K, V>& materialized = {}, const Named& named = {}) const {
    Materialized<K, V> m = materialized;
    if (!m.value_serde) m.value_serde = value_serde_;
    return do_aggregate<V>(
        nullptr, [adder](const K&, const V& v, const V& agg) -> V { return adder(agg, v); },
        [subtractor](const K&, const V& v, const V& agg) -> std::optional<V> {
          return subtractor(agg, v);
        },
        m, named, "KTABLE-REDUCE-");
  }

  // adder(key, value, aggregate) when a row joins the group, starting from initializer();
  // subtractor(key, value, aggregate) when a row leaves it (it may return std::optional<VA>:
  // std::nullopt deletes the group).
  template <typename VA, typename Init, typename Adder, typename Subtractor>
  KTable<K, VA> aggregate(Init initializer, Adder adder, Subtractor subtractor,
                          const Materialized<K, VA>& materialized = {},
                          const Named& named = {}) const {
    return do_aggregate<VA>(
        std::function<VA()>(initializer),
        [adder](const K& k, const V& v, const VA& agg) -> VA { return adder(k, v, agg); },
        [subtractor](const K& k, const V& v, const VA& agg) -> std::optional<VA> {
          return subtractor(k, v, agg);
        },
        materialized, named, "KTABLE-AGGREGATE-");
  }

 private:
  template <typename VA>
  KTable<K, VA> do_aggregate(
      std::function<VA()> init, std::function<VA(const K&, const V&, const VA&)> add,
      std::function<std::optional<VA>(const K&, const V&, const VA&)> subtract,
      const Materialized<K, VA>& m, const Named& named, const char* prefix) const;

  std::shared_ptr<detail::LogicalGraph> graph_;
  int node_;
  Serde<K> key_serde_;
  Serde<V> value_serde_;
  Grouped<K, V> grouped_;
  std::shared_ptr<int> shared_repartition_ = std::make_shared<int>(-1);
};

}  // namespace eddy

#include "eddy/dsl/ktable.h"

namespace eddy {

template <typename K, typename V>
template <typename VA>
KTable<K, VA> KGroupedTable<K, V>::do_aggregate(
    std::function<VA()> init, std::function<VA(const K&, const V&, const VA&)> add,
    std::function<std::optional<VA>(const K&, const V&, const VA&)> subtract,
    const Materialized<K, VA>& m, const Named& named, const char* prefix) const {
  auto& graph = *graph_;
  // Kafka Streams names the store KTABLE-AGGREGATE-STATE-STORE-<n> for all three.
  const std::string store = detail::pick_name(graph, m.store_name, "KTABLE-AGGREGATE-STATE-STORE-");
  const std::string name = detail::pick_name(graph, named.name, prefix);
  auto ks = detail::pick_serde(m.key_serde, key_serde_);
  Serde<VA> as = m.value_serde ? m.value_serde : default_serde<VA>();
  if (!ks || !value_serde_) {
    graph.error("aggregation '" + name + "' of a grouped table has no " + (ks ? "value" : "key") +
                " serde for its repartition topic; pass Grouped<K, V>::with(key_serde, "
                "value_serde) to group_by");
  }
  if (!as) {
    graph.error("aggregation '" + name + "' has no value serde for its store '" + store +
                "'; pass Materialized<K, VA>::with(key_serde, value_serde)");
  }
  // Always through a repartition topic (Kafka Streams' GroupedTableOperationRepartitionNode),
  // carrying each change with both values.
  // Aggregations of one grouped table named by Grouped share its repartition topic.
  const std::string repartition = grouped_.name.empty() ? store : grouped_.name;
  int input = *shared_repartition_;
  if (input < 0 || grouped_.name.empty()) {
    input = detail::add_repartition<K, detail::Change<V>>(graph, node_, repartition, key_serde_,
                                                          detail::change_serde(value_serde_));
    if (!grouped_.name.empty()) *shared_repartition_ = input;
  }
  detail::declare_kv_store(graph, store, m.persistent, m.logging, m.caching, name, m.ttl);
  const int id = detail::add_processor(
      graph, name, "aggregation", {input},
      [name, store, ks, as, init, add, subtract](const detail::ResolvedNode& r) {
        return std::make_unique<detail::TableAggregateNode<K, V, VA>>(
            name, store, ks, as, init, add, subtract, r.send_old_values);
      },
      {store});
  detail::set_table_kind(graph, id, detail::KsTable::kAggregate, !m.store_name.empty());
  return KTable<K, VA>(graph_, id, store, ks, as, {{repartition + "-repartition", true}});
}

}  // namespace eddy
