// eddy/detail/stateful_nodes.h — aggregation and table nodes (internal).
//
// Tables travel as changes: key plus std::optional<V> (std::nullopt = the key was deleted).
// With caching off every input record produces one update downstream, whose timestamp is the
// max of the timestamps that built the value (Kafka Streams' semantics).
#pragma once

#include <algorithm>
#include <functional>
#include <optional>

#include "eddy/detail/node.h"
#include "eddy/detail/timestamped_store.h"

namespace eddy::detail {

// count / reduce / aggregate of a grouped stream. `Init` makes the initial aggregate;
// `Agg(key, value, aggregate) -> aggregate`. reduce passes has_init = false: the first value
// is the aggregate.
template <typename K, typename V, typename VA>
class StreamAggregateNode final : public Node<K, V, K, std::optional<VA>> {
 public:
  using Init = std::function<VA()>;
  using Agg = std::function<VA(const K&, const V&, const VA&)>;
  StreamAggregateNode(std::string name, std::string store, Serde<K> ks, Serde<VA> vs, Init init,
                      Agg agg)
      : Node<K, V, K, std::optional<VA>>(std::move(name)),
        store_name_(std::move(store)),
        key_serde_(std::move(ks)),
        value_serde_(std::move(vs)),
        init_(std::move(init)),
        agg_(std::move(agg)) {}

  void init(TaskContext& context) override {
    NodeInstance::init(context);
    store_ = TimestampedStore<K, VA>(lookup_kv_store(context, store_name_, this->name()),
                                     key_serde_, value_serde_);
    // With a record cache, updates go downstream when it flushes (commit or full): the
    // latest value per key only, as Kafka Streams with caching on.
    caching_ = context.set_cache_flush_listener(
        store_name_,
        [this](std::string_view key, std::optional<std::string_view> value, int64_t ts) {
          if (!value) {
            this->out_.forward(store_.decode_key(key), std::nullopt, Stamp{ts, false});
            return;
          }
          auto decoded = store_.decode(*value);
          this->out_.forward(store_.decode_key(key), std::optional<VA>(std::move(decoded.value)),
                             Stamp{decoded.timestamp, false});
        });
    // A TTL expiry is a deletion like any other: with a cache it waits in the cache and the
    // flush above forwards it (stamped with the expiry time); without one it goes now. One
    // path or the other, never both, so each expiry reaches downstream exactly once.
    if (!caching_) {
      context.add_expiry_listener(
          store_name_, [this](std::string_view key, std::string_view, int64_t expiry_time) {
            this->out_.forward(store_.decode_key(key), std::nullopt, Stamp{expiry_time, false});
          });
    }
  }
  void process(const K& key, const V& value, Stamp stamp) override {
    if (stamp.null_key) {
      this->context_->record_dropped(this->name(), "null key");
      return;
    }
    auto old = store_.get(key);
    std::optional<VA> next;
    int64_t ts = stamp.timestamp;
    if (old) {
      next = agg_(key, value, old->value);
      ts = std::max(ts, old->timestamp);
    } else if (init_) {
      next = agg_(key, value, init_());
    } else if constexpr (std::is_convertible_v<const V&, VA>) {
      next = VA(value);  // reduce: the first value is the aggregate
    }
    store_.put(key, *next, ts);
    if (!caching_) this->out_.forward(key, next, Stamp{ts, false});
  }

 private:
  std::string store_name_;
  Serde<K> key_serde_;
  Serde<VA> value_serde_;
  Init init_;
  Agg agg_;
  TimestampedStore<K, VA> store_;
  bool caching_ = false;
};

// Materializes a table: writes every change to its store, then forwards it. `Fn` maps the
// incoming change to the table's new value (identity for a source table, the predicate for
// filter, the mapper for map_values); a delete of a key the store does not have is dropped.
template <typename K, typename VIn, typename V>
class TableMaterializeNode final : public Node<K, std::optional<VIn>, K, std::optional<V>> {
 public:
  using Fn = std::function<std::optional<V>(const K&, const std::optional<VIn>&)>;
  TableMaterializeNode(std::string name, std::string store, Serde<K> ks, Serde<V> vs, Fn fn)
      : Node<K, std::optional<VIn>, K, std::optional<V>>(std::move(name)),
        store_name_(std::move(store)),
        key_serde_(std::move(ks)),
        value_serde_(std::move(vs)),
        fn_(std::move(fn)) {}

  void init(TaskContext& context) override {
    NodeInstance::init(context);
    store_ = TimestampedStore<K, V>(lookup_kv_store(context, store_name_, this->name()), key_serde_,
                                    value_serde_);
    // This node forwards every change itself (a cache in front of its store never forwards),
    // so it forwards TTL expiries itself too: a deletion stamped with the expiry time.
    context.add_expiry_listener(
        store_name_, [this](std::string_view key, std::string_view, int64_t expiry_time) {
          this->out_.forward(store_.decode_key(key), std::nullopt, Stamp{expiry_time, false});
        });
  }
  void process(const K& key, const std::optional<VIn>& change, Stamp stamp) override {
    if (stamp.null_key) {
      this->context_->record_dropped(this->name(), "null key");
      return;
    }
    std::optional<V> next = fn_(key, change);
    if (next) {
      store_.put(key, *next, stamp.timestamp);
    } else {
      if (!store_.get(key)) return;  // deleting what is not there changes nothing
      store_.remove(key);
    }
    this->out_.forward(key, next, stamp);
  }

 private:
  std::string store_name_;
  Serde<K> key_serde_;
  Serde<V> value_serde_;
  Fn fn_;
  TimestampedStore<K, V> store_;
};

}  // namespace eddy::detail
