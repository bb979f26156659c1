// eddy/detail/dsl/stream_join_dsl.h — KStream::join / left_join / outer_join with another KStream:
// the nodes, stores and names Kafka Streams 4.4 gives a windowed stream-stream join
// (KStreamImpl.doJoin, KStreamImplJoin). Included at the end of eddy/dsl/kstream.h.
//
// Names (Kafka Streams'): without StreamJoined::with_name, processors KSTREAM-WINDOWED-n
// (left), KSTREAM-WINDOWED-n+1 (right), KSTREAM-JOINTHIS-n+2 / KSTREAM-OUTERTHIS-n+2,
// KSTREAM-JOINOTHER-n+3 / KSTREAM-OUTEROTHER-n+3, KSTREAM-MERGE-n+4; with it, <name>-this-windowed,
// <name>-other-windowed, <name>-this-join / -outer-this-join, <name>-other-join /
// -outer-other-join, <name>-merge. Stores: <join-this name>-store and <join-other name>-store
// (or <store_name>-this-join-store, -outer-this-join-store, -other-join-store,
// -outer-other-join-store), and for left and outer joins KSTREAM-OUTERSHARED-n+2-store (or
// <store_name>-left-shared-join-store / -outer-shared-join-store).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "eddy/detail/nodes/stream_join_nodes.h"

namespace eddy {

template <typename K, typename V>
template <typename VO, typename Joiner, typename VR>
KStream<K, VR> KStream<K, V>::join(const KStream<K, VO>& other, Joiner joiner,
                                   const JoinWindows& windows,
                                   const StreamJoined<K, V, VO>& joined) const {
  constexpr bool kWithKey = detail::JoinerResult<Joiner, K, V, VO>::kWithKey;
  std::function<VR(const K&, const V*, const VO*)> fn = [joiner](const K& key, const V* left,
                                                                 const VO* right) mutable -> VR {
    if constexpr (kWithKey) {
      return joiner(key, *left, *right);
    } else {
      (void)key;
      return joiner(*left, *right);
    }
  };
  return stream_stream_join<VO, VR>(other, std::move(fn), windows, joined, false, false);
}

template <typename K, typename V>
template <typename VO, typename Joiner, typename VR>
KStream<K, VR> KStream<K, V>::left_join(const KStream<K, VO>& other, Joiner joiner,
                                        const JoinWindows& windows,
                                        const StreamJoined<K, V, VO>& joined) const {
  constexpr bool kWithKey = detail::JoinerResult<Joiner, K, V, std::optional<VO>>::kWithKey;
  std::function<VR(const K&, const V*, const VO*)> fn = [joiner](const K& key, const V* left,
                                                                 const VO* right) mutable -> VR {
    const std::optional<VO> r = right ? std::optional<VO>(*right) : std::nullopt;
    if constexpr (kWithKey) {
      return joiner(key, *left, r);
    } else {
      (void)key;
      return joiner(*left, r);
    }
  };
  return stream_stream_join<VO, VR>(other, std::move(fn), windows, joined, true, false);
}

template <typename K, typename V>
template <typename VO, typename Joiner, typename VR>
KStream<K, VR> KStream<K, V>::outer_join(const KStream<K, VO>& other, Joiner joiner,
                                         const JoinWindows& windows,
                                         const StreamJoined<K, V, VO>& joined) const {
  constexpr bool kWithKey =
      detail::JoinerResult<Joiner, K, std::optional<V>, std::optional<VO>>::kWithKey;
  std::function<VR(const K&, const V*, const VO*)> fn = [joiner](const K& key, const V* left,
                                                                 const VO* right) mutable -> VR {
    const std::optional<V> l = left ? std::optional<V>(*left) : std::nullopt;
    const std::optional<VO> r = right ? std::optional<VO>(*right) : std::nullopt;
    if constexpr (kWithKey) {
      return joiner(key, l, r);
    } else {
      (void)key;
      return joiner(l, r);
    }
  };
  return stream_stream_join<VO, VR>(other, std::move(fn), windows, joined, true, true);
}

template <typename K, typename V>
KStream<K, V> KStream<K, V>::repartition_for_join(const std::string& prefix, Serde<K> ks,
                                                  Serde<V> vs) const {
  if (!repartition_required_) return *this;
  // Kafka Streams names a repartition's sink, filter and source from the builder's counter
  // even when it uses other names; consume the same numbers so later generated names match.
  graph_->new_name("KSTREAM-SINK-");
  graph_->new_name("KSTREAM-FILTER-");
  graph_->new_name("KSTREAM-SOURCE-");
  const std::vector<detail::TopicRef> topics{{prefix + "-repartition", true}};
  auto& made = graph_->join_repartitions;
  if (auto it = made.find(prefix); it != made.end()) {
    return KStream(graph_, it->second, ks, vs, false, topics);
  }
  // Null keys pass: a left or outer join emits them (Kafka Streams' KIP-962), an inner join
  // drops and counts them.
  const int id = detail::add_repartition<K, V>(*graph_, node_, prefix, ks, vs,
                                               /*drop_null_keys=*/false);
  made.emplace(prefix, id);
  return KStream(graph_, id, ks, vs, false, topics);
}

template <typename K, typename V>
template <typename VO, typename VR>
KStream<K, VR> KStream<K, V>::stream_stream_join(
    const KStream<K, VO>& other, std::function<VR(const K&, const V*, const VO*)> joiner,
    const JoinWindows& windows, const StreamJoined<K, V, VO>& joined, bool left_outer,
    bool right_outer) const {
  auto& graph = *graph_;
  const std::string& given = joined.name;
  const char* kind = right_outer ? "outer join" : left_outer ? "left join" : "join";
  detail::check_same_builder(graph, other.graph_.get(),
                             std::string(kind) + (given.empty() ? "" : " '" + given + "'"),
                             "a KStream");
  const Serde<K> ks = detail::pick_serde(joined.key_serde, key_serde_);
  const Serde<V> vs = detail::pick_serde(joined.value_serde, value_serde_);
  const Serde<VO> ovs = detail::pick_serde(joined.other_value_serde, other.value_serde_);

  const KStream<K, V> left = repartition_for_join(
      given.empty() ? graph.nodes[static_cast<size_t>(node_)].name : given + "-left", ks, vs);
  const KStream<K, VO> right = other.repartition_for_join(
      given.empty() ? graph.nodes[static_cast<size_t>(other.node_)].name : given + "-right", ks,
      ovs);

  const std::string this_suffix = right_outer ? "-outer-this-join" : "-this-join";
  const std::string other_suffix = left_outer ? "-outer-other-join" : "-other-join";
  const std::string this_windowed =
      given.empty() ? graph.new_name("KSTREAM-WINDOWED-") : given + "-this-windowed";
  const std::string other_windowed =
      given.empty() ? graph.new_name("KSTREAM-WINDOWED-") : given + "-other-windowed";
  const std::string this_generated =
      graph.new_name(right_outer ? "KSTREAM-OUTERTHIS-" : "KSTREAM-JOINTHIS-");
  const std::string other_generated =
      graph.new_name(left_outer ? "KSTREAM-OUTEROTHER-" : "KSTREAM-JOINOTHER-");
  const std::string join_this = given.empty() ? this_generated : given + this_suffix;
  const std::string join_other = given.empty() ? other_generated : given + other_suffix;
  const std::string merge = given.empty() ? graph.new_name("KSTREAM-MERGE-") : given + "-merge";

  const std::string& base = joined.store_name;
  const std::string this_store = (base.empty() ? this_generated : base + this_suffix) + "-store";
  const std::string other_store = (base.empty() ? other_generated : base + other_suffix) + "-store";
  std::string outer_store;
  if (left_outer) {
    const std::string generated_prefix = right_outer ? "KSTREAM-OUTERTHIS-" : "KSTREAM-JOINTHIS-";
    outer_store =
        (base.empty() ? "KSTREAM-OUTERSHARED-" + this_generated.substr(generated_prefix.size())
                      : base + (right_outer ? "-outer-shared-join" : "-left-shared-join")) +
        "-store";
  }

  if (!ks || !vs || !ovs) {
    graph.error(std::string(kind) + " '" + merge + "' has no " +
                (!ks   ? "key"
                 : !vs ? "value"
                       : "other value") +
                " serde for its stores and the type has no built-in one; pass "
                "StreamJoined<K, V, VO>::with(key_serde, value_serde, other_value_serde)");
  }
  for (const auto& store : {this_store, other_store}) {
    detail::StoreEntry entry;
    entry.spec.name = store;
    entry.spec.kind = StoreKind::kWindow;
    entry.spec.persistent = joined.persistent;
    entry.spec.logging = joined.logging;
    entry.spec.changelog_configs = joined.log_config;
    // Every key is unique (a sequence number per put): compaction would only cost.
    entry.spec.changelog_configs["cleanup.policy"] = "delete";
    entry.spec.caching = false;
    entry.spec.retention_ms = windows.retention_ms();
    entry.spec.window_size_ms = windows.size_ms();
    entry.spec.retain_duplicates = true;
    entry.created_by = merge;
    graph.add_store(std::move(entry));
  }
  if (left_outer) {
    detail::StoreEntry entry;
    entry.spec.name = outer_store;
    entry.spec.kind = StoreKind::kKeyValue;
    entry.spec.persistent = joined.persistent;
    entry.spec.logging = joined.logging;
    entry.spec.changelog_configs = joined.log_config;
    entry.spec.caching = false;
    entry.created_by = merge;
    graph.add_store(std::move(entry));
  }

  const int this_win = detail::add_processor(
      graph, this_windowed, "join window", {left.node_},
      [this_windowed, this_store, ks, vs](const detail::ResolvedNode&) {
        return std::make_unique<detail::JoinWindowNode<K, V>>(this_windowed, this_store, ks, vs);
      },
      {this_store});
  const int other_win =
      detail::add_processor(graph, other_windowed, "join window", {right.node_},
                            [other_windowed, other_store, ks, ovs](const detail::ResolvedNode&) {
                              return std::make_unique<detail::JoinWindowNode<K, VO>>(
                                  other_windowed, other_store, ks, ovs);
                            },
                            {other_store});

  detail::StreamJoinSideSpec this_spec;
  this_spec.other_store = other_store;
  this_spec.outer_store = outer_store;
  this_spec.outer = left_outer;
  this_spec.join_before_ms = windows.before_ms();
  this_spec.join_after_ms = windows.after_ms();
  this_spec.windows_before_ms = windows.before_ms();
  this_spec.windows_after_ms = windows.after_ms();
  this_spec.grace_ms = windows.grace_ms();
  detail::StreamJoinSideSpec other_spec = this_spec;
  other_spec.other_store = this_store;
  other_spec.outer = right_outer;
  other_spec.join_before_ms = windows.after_ms();
  other_spec.join_after_ms = windows.before_ms();

  auto trackers = std::make_shared<detail::JoinTimeTrackers>();
  std::vector<std::string> this_stores{other_store};
  std::vector<std::string> other_stores{this_store};
  if (left_outer) {
    this_stores.push_back(outer_store);
    other_stores.push_back(outer_store);
  }
  const int this_join = detail::add_processor(
      graph, join_this, kind, {this_win},
      [join_this, this_spec, ks, vs, ovs, joiner, trackers](const detail::ResolvedNode&) {
        return std::make_unique<detail::StreamJoinSideNode<K, V, VO, VR, true>>(
            join_this, this_spec, ks, vs, ovs, joiner, trackers->for_left_side());
      },
      this_stores);
  const int other_join = detail::add_processor(
      graph, join_other, kind, {other_win},
      [join_other, other_spec, ks, vs, ovs, joiner, trackers](const detail::ResolvedNode&) {
        return std::make_unique<detail::StreamJoinSideNode<K, V, VO, VR, false>>(
            join_other, other_spec, ks, vs, ovs, joiner, trackers->for_right_side());
      },
      other_stores);
  const int merged = detail::add_processor(
      graph, merge, "join merge", {this_join, other_join}, [merge](const detail::ResolvedNode&) {
        return std::make_unique<detail::PassThroughNode<K, VR>>(merge);
      });
  detail::add_copartition(graph, merge, left.topics_, right.topics_);
  auto topics = left.topics_;
  topics.insert(topics.end(), right.topics_.begin(), right.topics_.end());
  return KStream<K, VR>(graph_, merged, ks, default_serde<VR>(), false, std::move(topics));
}

}  // namespace eddy
