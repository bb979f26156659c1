// eddy/detail/nodes/stateful_nodes.h — aggregation and table nodes (internal).
//
// Tables travel as changes (change.h): key plus the new value (std::nullopt = the key was
// deleted) and, when a downstream operator asked for it, the old value.
// With caching off every input record produces one update downstream, whose timestamp is the
// max of the timestamps that built the value (Kafka Streams' semantics).
#pragma once

#include <algorithm>
#include <functional>
#include <optional>

#include "eddy/detail/nodes/change.h"
#include "eddy/detail/nodes/node.h"
#include "eddy/detail/nodes/store_change_forwarding.h"
#include "eddy/detail/nodes/timestamped_store.h"

namespace eddy::detail {

// count / reduce / aggregate of a grouped stream. `Init` makes the initial aggregate;
// `Agg(key, value, aggregate) -> aggregate`. reduce passes has_init = false: the first value
// is the aggregate.
template <typename K, typename V, typename VA>
class StreamAggregateNode final : public Node<K, V, K, Change<VA>> {
 public:
  using Init = std::function<VA()>;
  using Agg = std::function<VA(const K&, const V&, const VA&)>;
  StreamAggregateNode(std::string name, std::string store, Serde<K> ks, Serde<VA> vs, Init init,
                      Agg agg, bool send_old_values = false)
      : Node<K, V, K, Change<VA>>(std::move(name)),
        store_name_(std::move(store)),
        key_serde_(std::move(ks)),
        value_serde_(std::move(vs)),
        init_(std::move(init)),
        agg_(std::move(agg)),
        send_old_values_(send_old_values) {}

  void init(TaskContext& context) override {
    NodeInstance::init(context);
    store_ = TimestampedStore<K, VA>(lookup_kv_store(context, store_name_, this->name()),
                                     key_serde_, value_serde_);
    caching_ = forward_store_changes(context, store_name_, store_, send_old_values_, this->out_);
  }
  void process(const K& key, const V& value, Stamp stamp) override {
    if (stamp.null_key) {
      this->context_->record_dropped(this->name(), "null key");
      return;
    }
    auto old = store_.get(key);
    Change<VA> change;
    int64_t ts = stamp.timestamp;
    if (old) {
      change.new_value = agg_(key, value, old->value);
      ts = std::max(ts, old->timestamp);
      if (send_old_values_) change.old_value = std::move(old->value);
    } else if (init_) {
      change.new_value = agg_(key, value, init_());
    } else if constexpr (std::is_convertible_v<const V&, VA>) {
      change.new_value = VA(value);  // reduce: the first value is the aggregate
    }
    store_.put(key, *change.new_value, ts);
    if (!caching_) this->out_.forward(key, change, Stamp{ts, false});
  }

 private:
  std::string store_name_;
  Serde<K> key_serde_;
  Serde<VA> value_serde_;
  Init init_;
  Agg agg_;
  bool send_old_values_;
  TimestampedStore<K, VA> store_;
  bool caching_ = false;
};

// A table read from a topic: each record is the key's new value (std::nullopt, a tombstone,
// deletes it). Every record with a key is written to the store and forwarded, also a tombstone
// for a key the table does not hold (Kafka Streams' KTableSource: the operators downstream,
// such as an inner table-table join, react to it). Null keys are dropped and counted.
template <typename K, typename V>
class TableSourceNode final : public Node<K, std::optional<V>, K, Change<V>> {
 public:
  TableSourceNode(std::string name, std::string store, Serde<K> ks, Serde<V> vs,
                  bool send_old_values)
      : Node<K, std::optional<V>, K, Change<V>>(std::move(name)),
        store_name_(std::move(store)),
        key_serde_(std::move(ks)),
        value_serde_(std::move(vs)),
        send_old_values_(send_old_values) {}

  void init(TaskContext& context) override {
    NodeInstance::init(context);
    store_ = TimestampedStore<K, V>(lookup_kv_store(context, store_name_, this->name()), key_serde_,
                                    value_serde_);
    // This node forwards every change itself (a cache in front of its store never forwards),
    // so it forwards TTL expiries itself too: a deletion stamped with the expiry time.
    context.add_expiry_listener(
        store_name_, [this](std::string_view key, std::string_view value, int64_t expiry_time) {
          Change<V> change;
          if (send_old_values_) change.old_value = store_.decode(value).value;
          this->out_.forward(store_.decode_key(key), change, Stamp{expiry_time, false});
        });
  }
  void process(const K& key, const std::optional<V>& value, Stamp stamp) override {
    if (stamp.null_key) {
      this->context_->record_dropped(this->name(), "null key");
      return;
    }
    Change<V> change{value, std::nullopt};
    if (send_old_values_) {
      if (auto old = store_.get(key)) change.old_value = std::move(old->value);
    }
    if (value) {
      store_.put(key, *value, stamp.timestamp);
    } else {
      store_.remove(key);
    }
    this->out_.forward(key, change, stamp);
  }

 private:
  std::string store_name_;
  Serde<K> key_serde_;
  Serde<V> value_serde_;
  bool send_old_values_;
  TimestampedStore<K, V> store_;
};

// Materializes a table derived from another: `Fn` maps the parent's new value to this table's
// (the predicate for filter, the mapper for map_values, identity for a join's merge), which is
// written to the store and forwarded. A delete of a key the store does not have is forwarded
// too, as Kafka Streams' map_values and join merge do, unless `drop_absent_deletes` (filter: a
// row that never matched sends nothing, Kafka Streams' KTableFilter over a parent that sends
// old values).
// An out-of-order update of a versioned table upstream (Change::is_latest false): with
// `ks_materialized` (Kafka Streams keeps this table in a store of its own: Materialized::as,
// or a join's result) it is written and forwarded as the latest, as Kafka Streams' store puts
// do; without, the table (a view of its parent in Kafka Streams) keeps its latest row and the
// update goes on marked as not the latest.
template <typename K, typename VIn, typename V>
class TableMaterializeNode final : public Node<K, Change<VIn>, K, Change<V>> {
 public:
  using Fn = std::function<std::optional<V>(const K&, const std::optional<VIn>&)>;
  TableMaterializeNode(std::string name, std::string store, Serde<K> ks, Serde<V> vs, Fn fn,
                       bool drop_absent_deletes, bool send_old_values, bool ks_materialized = true)
      : Node<K, Change<VIn>, K, Change<V>>(std::move(name)),
        store_name_(std::move(store)),
        key_serde_(std::move(ks)),
        value_serde_(std::move(vs)),
        fn_(std::move(fn)),
        drop_absent_deletes_(drop_absent_deletes),
        send_old_values_(send_old_values),
        ks_materialized_(ks_materialized) {}

  void init(TaskContext& context) override {
    NodeInstance::init(context);
    store_ = TimestampedStore<K, V>(lookup_kv_store(context, store_name_, this->name()), key_serde_,
                                    value_serde_);
    context.add_expiry_listener(
        store_name_, [this](std::string_view key, std::string_view value, int64_t expiry_time) {
          Change<V> change;
          if (send_old_values_) change.old_value = store_.decode(value).value;
          this->out_.forward(store_.decode_key(key), change, Stamp{expiry_time, false});
        });
  }
  void process(const K& key, const Change<VIn>& change, Stamp stamp) override {
    if (stamp.null_key) {
      this->context_->record_dropped(this->name(), "null key");
      return;
    }
    Change<V> out{fn_(key, change.new_value), std::nullopt};
    if (!change.is_latest && !ks_materialized_) {
      if (send_old_values_) {
        if (auto old = store_.get(key)) out.old_value = std::move(old->value);
      }
      if (!out.new_value && !out.old_value && drop_absent_deletes_) return;
      out.is_latest = false;
      this->out_.forward(key, out, stamp);
      return;
    }
    if (out.new_value) {
      if (send_old_values_) {
        if (auto old = store_.get(key)) out.old_value = std::move(old->value);
      }
      store_.put(key, *out.new_value, stamp.timestamp);
    } else {
      auto old = store_.get(key);
      if (!old && drop_absent_deletes_) return;
      if (old) {
        store_.remove(key);
        if (send_old_values_) out.old_value = std::move(old->value);
      }
    }
    this->out_.forward(key, out, stamp);
  }

 private:
  std::string store_name_;
  Serde<K> key_serde_;
  Serde<V> value_serde_;
  Fn fn_;
  bool drop_absent_deletes_;
  bool send_old_values_;
  bool ks_materialized_;
  TimestampedStore<K, V> store_;
};

// KTable::to_stream: a table's changes as a stream of new values (std::nullopt: deleted).
template <typename K, typename V>
class TableToStreamNode final : public Node<K, Change<V>, K, std::optional<V>> {
 public:
  using Node<K, Change<V>, K, std::optional<V>>::Node;
  void process(const K& key, const Change<V>& change, Stamp stamp) override {
    this->out_.forward(key, change.new_value, stamp);
  }
};

}  // namespace eddy::detail
