// eddy/detail/join_nodes.h — stream-table, stream-global-table and table-table joins (internal).
#pragma once

#include <algorithm>
#include <functional>
#include <optional>

#include "eddy/detail/node.h"
#include "eddy/detail/timestamped_store.h"

namespace eddy::detail {

// Looks each stream record up in a table's store as of now (processing time). `KeyFn` maps
// the record to the table key (identity for a KTable, the key selector for a GlobalKTable).
// Inner joins drop records without a match; left joins pass std::nullopt to the joiner.
// Records with a null key are dropped (counted) when the lookup key is the record key.
template <typename K, typename V, typename TK, typename TV, typename VR>
class StreamTableJoinNode final : public Node<K, V, K, VR> {
 public:
  using KeyFn = std::function<TK(const K&, const V&)>;
  using Joiner = std::function<VR(const K&, const V&, const std::optional<TV>&)>;
  StreamTableJoinNode(std::string name, std::string store, Serde<TK> tks, Serde<TV> tvs,
                      KeyFn key_fn, Joiner joiner, bool left)
      : Node<K, V, K, VR>(std::move(name)),
        store_name_(std::move(store)),
        key_serde_(std::move(tks)),
        value_serde_(std::move(tvs)),
        key_fn_(std::move(key_fn)),
        joiner_(std::move(joiner)),
        left_(left) {}

  void init(TaskContext& context) override {
    NodeInstance::init(context);
    table_ = TimestampedStore<TK, TV>(lookup_kv_store(context, store_name_, this->name()),
                                      key_serde_, value_serde_);
  }
  void process(const K& key, const V& value, Stamp stamp) override {
    if (!key_fn_ && stamp.null_key) {
      this->context_->record_dropped(this->name(), "null key");
      return;
    }
    std::optional<ValueAndTimestamp<TV>> match;
    if (key_fn_) {
      match = table_.get(key_fn_(key, value));
    } else {
      if constexpr (std::is_same_v<K, TK>) match = table_.get(key);
    }
    if (!match && !left_) return;
    std::optional<TV> other;
    if (match) other = std::move(match->value);
    this->out_.forward(key, joiner_(key, value, other), stamp);
  }

 private:
  std::string store_name_;
  Serde<TK> key_serde_;
  Serde<TV> value_serde_;
  KeyFn key_fn_;
  Joiner joiner_;
  bool left_;
  TimestampedStore<TK, TV> table_;
};

// One side of a KTable-KTable join: on a change of this side, looks up the other side's
// store and recomputes the result with `combine(this, other)` (std::nullopt: no result; the
// join kind — inner, left, outer — is in `combine`). The merge node after it drops deletes of
// results that never existed. Timestamp: max of both sides.
template <typename K, typename VThis, typename VOther, typename VR>
class TableTableJoinNode final : public Node<K, std::optional<VThis>, K, std::optional<VR>> {
 public:
  using Combine =
      std::function<std::optional<VR>(const std::optional<VThis>&, const std::optional<VOther>&)>;
  TableTableJoinNode(std::string name, std::string other_store, Serde<K> ks, Serde<VOther> vs,
                     Combine combine)
      : Node<K, std::optional<VThis>, K, std::optional<VR>>(std::move(name)),
        store_name_(std::move(other_store)),
        key_serde_(std::move(ks)),
        value_serde_(std::move(vs)),
        combine_(std::move(combine)) {}

  void init(TaskContext& context) override {
    NodeInstance::init(context);
    other_ = TimestampedStore<K, VOther>(lookup_kv_store(context, store_name_, this->name()),
                                         key_serde_, value_serde_);
  }
  void process(const K& key, const std::optional<VThis>& change, Stamp stamp) override {
    if (stamp.null_key) {
      this->context_->record_dropped(this->name(), "null key");
      return;
    }
    auto other = other_.get(key);
    int64_t ts = stamp.timestamp;
    std::optional<VOther> other_value;
    if (other) {
      ts = std::max(ts, other->timestamp);
      other_value = std::move(other->value);
    }
    this->out_.forward(key, combine_(change, other_value), Stamp{ts, false});
  }

 private:
  std::string store_name_;
  Serde<K> key_serde_;
  Serde<VOther> value_serde_;
  Combine combine_;
  TimestampedStore<K, VOther> other_;
};

}  // namespace eddy::detail
