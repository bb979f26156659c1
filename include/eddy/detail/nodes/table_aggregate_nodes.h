// eddy/detail/nodes/table_aggregate_nodes.h — KTable::group_by and the aggregations of a grouped
// table (internal).
//
// group_by re-keys each change of a table: the row's old value leaves the group its old
// (key, value) maps to and its new value joins the group its new one maps to. The change
// crosses a repartition topic with both values (change_serde), and the aggregation subtracts
// the old value and adds the new one in one step (Kafka Streams' KTableRepartitionMap,
// KTableAggregate and KTableReduce).
#pragma once

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "eddy/detail/nodes/change.h"
#include "eddy/detail/nodes/node.h"
#include "eddy/detail/nodes/store_change_forwarding.h"
#include "eddy/detail/nodes/timestamped_store.h"
#include "eddy/errors.h"
#include "eddy/serde/serdes.h"

namespace eddy::detail {

// Kafka's zig-zag varint (ByteUtils.writeVarint), used by change_serde.
inline void append_varint(int32_t value, std::string& out) {
  auto v = (static_cast<uint32_t>(value) << 1) ^ static_cast<uint32_t>(value >> 31);
  while ((v & ~0x7Fu) != 0) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
// Reads a zig-zag varint at the front of `bytes` and drops it from `bytes`.
inline int32_t read_varint(std::string_view& bytes) {
  uint32_t v = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (bytes.empty()) throw SerdeError("varint: truncated");
    const auto b = static_cast<uint8_t>(bytes.front());
    bytes.remove_prefix(1);
    v |= static_cast<uint32_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1));
    }
  }
  throw SerdeError("varint: too long");
}

// A table change on a repartition topic (group_by): the bytes of Kafka Streams'
// ChangedSerializer — new only: [new][1]; old only: [old][0]; both: [varint len(new)][new]
// [old][2]. A change with neither value is never written.
template <typename V>
Serde<Change<V>> change_serde(Serde<V> inner) {
  if (!inner) return {};
  return Serde<Change<V>>(
      [inner](const Change<V>& c, std::string& out) {
        if (c.new_value && c.old_value) {
          std::string new_bytes;
          inner.serialize(*c.new_value, new_bytes);
          append_varint(static_cast<int32_t>(new_bytes.size()), out);
          out += new_bytes;
          inner.serialize(*c.old_value, out);
          out.push_back(2);
        } else if (c.new_value) {
          inner.serialize(*c.new_value, out);
          out.push_back(1);
        } else if (c.old_value) {
          inner.serialize(*c.old_value, out);
          out.push_back(0);
        } else {
          throw SerdeError("a table change with neither a new nor an old value");
        }
      },
      [inner](std::string_view bytes) {
        if (bytes.empty()) throw SerdeError("table change: empty");
        const char flag = bytes.back();
        bytes.remove_suffix(1);
        Change<V> c;
        switch (flag) {
          case 0:
            c.old_value = inner.deserialize(bytes);
            break;
          case 1:
            c.new_value = inner.deserialize(bytes);
            break;
          case 2: {
            const int32_t n = read_varint(bytes);
            if (n < 0 || static_cast<size_t>(n) > bytes.size()) {
              throw SerdeError("table change: bad length");
            }
            c.new_value = inner.deserialize(bytes.substr(0, static_cast<size_t>(n)));
            c.old_value = inner.deserialize(bytes.substr(static_cast<size_t>(n)));
            break;
          }
          default:
            throw SerdeError("table change: unknown flag " + std::to_string(flag));
        }
        return c;
      },
      "change(" + inner.name() + ")");
}

// The mapper of group_by returns std::pair<KR, VR>, or std::optional of it (std::nullopt: the
// row belongs to no group, as a null KeyValue, key or value in Kafka Streams).
template <typename T>
struct GroupByPair {
  using type = T;
  static const T* get(const T& p) { return &p; }
};
template <typename T>
struct GroupByPair<std::optional<T>> {
  using type = T;
  static const T* get(const std::optional<T>& p) { return p ? &*p : nullptr; }
};

// KTableRepartitionMap: a table change re-keyed by mapper(key, value). When the old and the
// new value map to the same group, one change (new, old) goes to it; otherwise the old value
// leaves its group first (change (none, old)), then the new one joins its group. The input
// must carry old values (group_by asks for them). `versioned`: skip out-of-order updates of
// a versioned table (Kafka Streams' versioned semantics).
template <typename K, typename V, typename KR, typename VR, typename Mapper>
class TableRepartitionMapNode final : public Node<K, Change<V>, KR, Change<VR>> {
 public:
  TableRepartitionMapNode(std::string name, Mapper mapper, Serde<KR> key_serde, bool versioned)
      : Node<K, Change<V>, KR, Change<VR>>(std::move(name)),
        mapper_(std::move(mapper)),
        key_serde_(std::move(key_serde)),
        versioned_(versioned) {}

  void process(const K& key, const Change<V>& change, Stamp stamp) override {
    if (versioned_ && !change.is_latest) return;
    using Result = std::decay_t<std::invoke_result_t<Mapper&, const K&, const V&>>;
    std::optional<Result> new_result, old_result;
    if (change.new_value) new_result.emplace(mapper_(key, *change.new_value));
    if (change.old_value) old_result.emplace(mapper_(key, *change.old_value));
    const auto* new_pair = new_result ? GroupByPair<Result>::get(*new_result) : nullptr;
    const auto* old_pair = old_result ? GroupByPair<Result>::get(*old_result) : nullptr;
    if (new_pair != nullptr && old_pair != nullptr && same_key(new_pair->first, old_pair->first)) {
      this->out_.forward(new_pair->first,
                         Change<VR>{new_pair->second, old_pair->second, change.is_latest}, stamp);
      return;
    }
    if (old_pair != nullptr) {
      this->out_.forward(old_pair->first,
                         Change<VR>{std::nullopt, old_pair->second, change.is_latest}, stamp);
    }
    if (new_pair != nullptr) {
      this->out_.forward(new_pair->first,
                         Change<VR>{new_pair->second, std::nullopt, change.is_latest}, stamp);
    }
  }

 private:
  bool same_key(const KR& a, const KR& b) {
    if constexpr (std::equality_comparable<KR>) {
      return a == b;
    } else {
      a_buf_.clear();
      b_buf_.clear();
      key_serde_.serialize(a, a_buf_);
      key_serde_.serialize(b, b_buf_);
      return a_buf_ == b_buf_;
    }
  }

  Mapper mapper_;
  Serde<KR> key_serde_;
  bool versioned_;
  std::string a_buf_, b_buf_;
};

// KTableAggregate (count, aggregate) and KTableReduce (reduce) of a grouped table. For each
// change of a group: the old value is subtracted from the group's aggregate (when both
// exist), then the new value is added (to initializer() when the group has none; reduce
// starts from the value itself). A subtractor may return std::nullopt to delete the group. A
// count that falls to 0 stays 0. Timestamp: the change's, or the max of it and the
// aggregate's when the aggregate was used. Every change goes downstream (caching off), with
// the aggregate before it as old value when asked for.
template <typename K, typename V, typename VA>
class TableAggregateNode final : public Node<K, Change<V>, K, Change<VA>> {
 public:
  using Init = std::function<VA()>;  // empty: reduce
  using Adder = std::function<VA(const K&, const V&, const VA&)>;
  using Subtractor = std::function<std::optional<VA>(const K&, const V&, const VA&)>;
  TableAggregateNode(std::string name, std::string store, Serde<K> ks, Serde<VA> vs, Init init,
                     Adder add, Subtractor subtract, bool send_old_values)
      : Node<K, Change<V>, K, Change<VA>>(std::move(name)),
        store_name_(std::move(store)),
        key_serde_(std::move(ks)),
        value_serde_(std::move(vs)),
        init_(std::move(init)),
        add_(std::move(add)),
        subtract_(std::move(subtract)),
        send_old_values_(send_old_values) {}

  void init(TaskContext& context) override {
    NodeInstance::init(context);
    store_ = TimestampedStore<K, VA>(lookup_kv_store(context, store_name_, this->name()),
                                     key_serde_, value_serde_);
    caching_ = forward_store_changes(context, store_name_, store_, send_old_values_, this->out_);
  }

  void process(const K& key, const Change<V>& change, Stamp stamp) override {
    if (stamp.null_key) {
      this->context_->record_dropped(this->name(), "null key");
      return;
    }
    auto old = store_.get(key);
    int64_t ts = stamp.timestamp;
    std::optional<VA> aggregate;
    if (change.old_value && old) {
      aggregate = subtract_(key, *change.old_value, old->value);
      ts = std::max(stamp.timestamp, old->timestamp);
    } else if (old) {
      aggregate = old->value;
    }
    if (change.new_value) {
      if (init_) {
        aggregate = add_(key, *change.new_value, aggregate ? *aggregate : init_());
        if (old) ts = std::max(stamp.timestamp, old->timestamp);
      } else if (!aggregate) {
        if constexpr (std::is_convertible_v<const V&, VA>) aggregate = VA(*change.new_value);
      } else {
        aggregate = add_(key, *change.new_value, *aggregate);
        ts = std::max(stamp.timestamp, old->timestamp);
      }
    }
    if (aggregate) {
      store_.put(key, *aggregate, ts);
    } else {
      store_.remove(key);
    }
    if (caching_) return;
    Change<VA> out{std::move(aggregate), std::nullopt, true};
    if (send_old_values_ && old) out.old_value = std::move(old->value);
    this->out_.forward(key, out, Stamp{ts, false});
  }

 private:
  std::string store_name_;
  Serde<K> key_serde_;
  Serde<VA> value_serde_;
  Init init_;
  Adder add_;
  Subtractor subtract_;
  bool send_old_values_;
  TimestampedStore<K, VA> store_;
  bool caching_ = false;
};

}  // namespace eddy::detail
