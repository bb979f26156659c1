// eddy/dsl/streams_builder.h — StreamsBuilder: where a topology is written with the DSL.
//
//   eddy::StreamsBuilder builder;
//   auto orders = builder.stream<std::string, Order>("orders");
//   auto customers = builder.table<std::string, Customer>("customers");
//   orders.join(customers, [](const Order& o, const Customer& c) { return Enriched{o, c}; })
//         .to("enriched-orders");
//   eddy::Topology topology = builder.build(config);   // throws TopologyError when invalid
//
// Names: processors get Kafka Streams' generated names (KSTREAM-FILTER-0000000001, one counter
// per builder) unless Named::as gives one; internal topics are <application.id>-<name>-repartition
// and <application.id>-<store>-changelog.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "eddy/config.h"
#include "eddy/detail/dsl/table_old_values.h"
#include "eddy/detail/nodes/versioned_table_nodes.h"
#include "eddy/dsl/consumed.h"
#include "eddy/dsl/kstream.h"
#include "eddy/dsl/materialized.h"
#include "eddy/dsl/topology.h"
#include "eddy/state/stores.h"

namespace eddy {

class StreamsBuilder {
 public:
  StreamsBuilder() : graph_(std::make_shared<detail::LogicalGraph>()) {}

  // A stream of the records of `topic`.
  template <typename K, typename V>
  KStream<K, V> stream(const std::string& topic, const Consumed<K, V>& consumed = {}) {
    return stream<K, V>(std::vector<std::string>{topic}, consumed);
  }
  // A stream of the records of several topics (they must be co-partitioned to be joined).
  template <typename K, typename V>
  KStream<K, V> stream(const std::vector<std::string>& topics,
                       const Consumed<K, V>& consumed = {}) {
    const std::string name = detail::pick_name(*graph_, consumed.name, "KSTREAM-SOURCE-");
    const int id =
        detail::add_source<K, V>(*graph_, name, topics, false, consumed.key_serde,
                                 consumed.value_serde, false, consumed.timestamp_extractor);
    std::vector<detail::TopicRef> refs;
    refs.reserve(topics.size());
    for (const auto& t : topics) refs.push_back({t, false});
    return KStream<K, V>(graph_, id, consumed.key_serde, consumed.value_serde, false,
                         std::move(refs));
  }

  // A table of the latest value per key of `topic`; a null value deletes the key.
  template <typename K, typename V>
  KTable<K, V> table(const std::string& topic, const Consumed<K, V>& consumed = {},
                     const Materialized<K, V>& materialized = {}) {
    const std::string store =
        detail::pick_name(*graph_, materialized.store_name, topic + "-STATE-STORE-");
    const std::string source = detail::pick_name(*graph_, consumed.name, "KSTREAM-SOURCE-");
    auto ks = detail::pick_serde(materialized.key_serde, consumed.key_serde);
    auto vs = detail::pick_serde(materialized.value_serde, consumed.value_serde);
    const int src = detail::add_source<K, std::optional<V>>(*graph_, source, {topic}, false, ks,
                                                            serdes::nullable(vs));
    const std::string name = graph_->new_name("KTABLE-SOURCE-");
    detail::declare_kv_store(*graph_, store, materialized.persistent, materialized.logging,
                             materialized.caching, name, materialized.ttl);
    const bool versioned = materialized.history_retention.has_value();
    detail::NodeFactory factory;
    if (versioned) {
      // A versioned table (versioned_key_value_store.h): out-of-order records are versions.
      auto& spec = graph_->stores[store].spec;
      spec.history_retention_ms = materialized.history_retention->count();
      spec.caching = false;
      if (*spec.history_retention_ms < 0) {
        graph_->error("table of '" + topic + "': the history retention of store '" + store +
                      "' must not be negative");
      }
      factory = [name, store, ks, vs](const detail::ResolvedNode& r) {
        return std::make_unique<detail::VersionedTableSourceNode<K, V>>(name, store, ks, vs,
                                                                        r.send_old_values);
      };
    } else {
      factory = [name, store, ks, vs](const detail::ResolvedNode& r) {
        return std::make_unique<detail::TableSourceNode<K, V>>(name, store, ks, vs,
                                                               r.send_old_values);
      };
    }
    const int id =
        detail::add_processor(*graph_, name, "table source", {src}, std::move(factory), {store});
    // Kafka Streams materializes a table source only when it is named (or a join or a
    // downstream operator needs it): table_old_values.h.
    detail::set_table_kind(*graph_, id, detail::KsTable::kSource, !materialized.store_name.empty());
    graph_->nodes[static_cast<size_t>(id)].output_versioned = versioned;
    return KTable<K, V>(graph_, id, store, ks, vs, {{topic, false}});
  }

  // A table replicated in full to every task, loaded from all partitions of `topic`.
  template <typename K, typename V>
  GlobalKTable<K, V> global_table(const std::string& topic, const Consumed<K, V>& consumed = {},
                                  const Materialized<K, V>& materialized = {}) {
    const std::string store =
        detail::pick_name(*graph_, materialized.store_name, topic + "-STATE-STORE-");
    const std::string source = detail::pick_name(*graph_, consumed.name, "KSTREAM-SOURCE-");
    auto ks = detail::pick_serde(materialized.key_serde, consumed.key_serde);
    auto vs = detail::pick_serde(materialized.value_serde, consumed.value_serde);
    const int src = detail::add_source<K, std::optional<V>>(*graph_, source, {topic}, false, ks,
                                                            serdes::nullable(vs), true);
    const std::string name = graph_->new_name("KTABLE-SOURCE-");
    if (materialized.history_retention) {
      graph_->error("global table of '" + topic + "': store '" + store +
                    "' cannot be versioned (Kafka Streams: global tables cannot be versioned)");
    }
    if (materialized.ttl) {
      // Every instance holds the whole table, with no changelog of its own to tombstone.
      graph_->error("global table of '" + topic + "': store '" + store +
                    "' cannot have a TTL; expire its keys with tombstones in the topic");
    }
    detail::StoreEntry entry;
    entry.spec.name = store;
    entry.spec.persistent = materialized.persistent;
    entry.spec.logging = false;  // the topic itself is the changelog
    entry.timestamped = true;
    entry.global = true;
    entry.created_by = name;
    entry.source_topic = topic;
    graph_->add_store(std::move(entry));
    detail::GraphNode node;
    node.name = name;
    node.operator_kind = "global table source";
    node.parents = {src};
    node.stores = {store};
    node.global = true;
    node.factory = [name, store, ks, vs](const detail::ResolvedNode&) {
      return std::make_unique<detail::TableSourceNode<K, V>>(name, store, ks, vs, false);
    };
    graph_->add(std::move(node));
    return GlobalKTable<K, V>(graph_, store, ks, vs);
  }

  // Adds a store that processors (KStream::process) can connect to by name.
  StreamsBuilder& add_state_store(const StoreBuilder& store) {
    detail::StoreEntry entry;
    entry.spec = store.spec();
    entry.created_by = "add_state_store";
    graph_->add_store(std::move(entry));
    return *this;
  }

  // Compiles the graph. Throws TopologyError (naming the operator) when it is invalid, and
  // ConfigError when config.application_id is empty.
  Topology build(const StreamsConfig& config) const;

 private:
  std::shared_ptr<detail::LogicalGraph> graph_;
};

}  // namespace eddy
