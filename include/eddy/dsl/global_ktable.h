// eddy/dsl/global_ktable.h — GlobalKTable<K,V>: a table fully replicated to every task.
//
// Every instance reads all partitions of the topic into one store, so a stream can join it
// on any key it computes, without co-partitioning.
//
//   auto products = builder.global_table<std::string, Product>("products");
//   orders.join(products, [](auto&, const Order& o) { return o.sku; },
//               [](const Order& o, const Product& p) { return Enriched{o, p}; });
#pragma once

#include <memory>
#include <string>

#include "eddy/serde/serde.h"

namespace eddy {

namespace detail {
class LogicalGraph;
}  // namespace detail

template <typename K, typename V>
class GlobalKTable {
 public:
  // Internal: made by StreamsBuilder::global_table.
  GlobalKTable(std::shared_ptr<detail::LogicalGraph> graph, std::string store, Serde<K> key_serde,
               Serde<V> value_serde)
      : graph_(std::move(graph)),
        store_(std::move(store)),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)) {}

  const std::string& store_name() const { return store_; }
  const std::string& queryable_store_name() const { return store_; }
  const Serde<K>& key_serde() const { return key_serde_; }
  const Serde<V>& value_serde() const { return value_serde_; }
  // The graph of the builder that made it (joins check that it is theirs).
  const std::shared_ptr<detail::LogicalGraph>& graph() const { return graph_; }

 private:
  std::shared_ptr<detail::LogicalGraph> graph_;
  std::string store_;
  Serde<K> key_serde_;
  Serde<V> value_serde_;
};

}  // namespace eddy
