// eddy/detail/nodes/foreign_key_join_nodes.h — the foreign-key table-table join (KIP-213)
// (internal).
//
// The left (primary) table's rows each name a row of the right (foreign) table by a key
// extracted from their value. The two tables are partitioned by different keys, so:
//   1. each change of a primary row sends a subscription, keyed by its foreign key, through
//      the subscription topic (partitioned like the foreign table): "primary key P now wants
//      foreign key F" (and "no longer wants F'" when the foreign key changed), with a hash of
//      the primary row's new value and the partition P lives on;
//   2. the foreign side keeps the subscriptions in a store keyed [foreign key][primary key],
//      answers each subscription with the foreign row it names, and answers every subscriber
//      again when a foreign row changes; answers go through the response topic to P's
//      partition;
//   3. the primary side joins an answer with P's current row, but only if the row still
//      hashes to the value the subscription was sent for: an answer to an older version of
//      the row is out of date (a newer subscription is on its way) and is dropped.
// The result is a table keyed by the primary key, updated by every answer that passes.
// Kafka Streams' SubscriptionSendProcessorSupplier, SubscriptionReceiveProcessorSupplier,
// SubscriptionJoinProcessorSupplier, ForeignTableJoinProcessorSupplier and
// ResponseJoinProcessorSupplier, whose rules these nodes follow; the topics carry Eddy's own
// byte formats (below), not Kafka Streams'.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "eddy/detail/nodes/change.h"
#include "eddy/detail/nodes/node.h"
#include "eddy/detail/nodes/timestamped_store.h"
#include "eddy/dsl/stream_partitioner.h"
#include "eddy/errors.h"
#include "eddy/serde/serdes.h"

namespace eddy::detail {

// MurmurHash3 x64 128 (Austin Appleby's public-domain algorithm) with Kafka Streams' seed,
// of a primary row's serialized value.
using ValueHash = std::array<uint64_t, 2>;

inline ValueHash murmur3_128(std::string_view data, uint32_t seed = 104729) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  const size_t len = data.size();
  const size_t nblocks = len / 16;
  uint64_t h1 = seed;
  uint64_t h2 = seed;
  constexpr uint64_t c1 = 0x87c37b91114253d5ULL;
  constexpr uint64_t c2 = 0x4cf5ad432745937fULL;
  auto rotl = [](uint64_t x, int r) { return (x << r) | (x >> (64 - r)); };
  auto load = [&](size_t at) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | bytes[at + static_cast<size_t>(i)];
    return v;
  };
  auto fmix = [](uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
  };
  for (size_t i = 0; i < nblocks; ++i) {
    uint64_t k1 = load(i * 16);
    uint64_t k2 = load(i * 16 + 8);
    k1 *= c1;
    k1 = rotl(k1, 31);
    k1 *= c2;
    h1 ^= k1;
    h1 = rotl(h1, 27);
    h1 += h2;
    h1 = h1 * 5 + 0x52dce729;
    k2 *= c2;
    k2 = rotl(k2, 33);
    k2 *= c1;
    h2 ^= k2;
    h2 = rotl(h2, 31);
    h2 += h1;
    h2 = h2 * 5 + 0x38495ab5;
  }
  const uint8_t* tail = bytes + nblocks * 16;
  uint64_t k1 = 0;
  uint64_t k2 = 0;
  const size_t rest = len & 15;
  for (size_t i = rest; i > 8; --i) k2 ^= static_cast<uint64_t>(tail[i - 1]) << ((i - 9) * 8);
  if (rest > 8) {
    k2 *= c2;
    k2 = rotl(k2, 33);
    k2 *= c1;
    h2 ^= k2;
  }
  for (size_t i = std::min<size_t>(rest, 8); i > 0; --i) {
    k1 ^= static_cast<uint64_t>(tail[i - 1]) << ((i - 1) * 8);
  }
  if (rest > 0) {
    k1 *= c1;
    k1 = rotl(k1, 31);
    k1 *= c2;
    h1 ^= k1;
  }
  h1 ^= len;
  h2 ^= len;
  h1 += h2;
  h2 += h1;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 += h2;
  h2 += h1;
  return {h1, h2};
}

// What a subscription asks the foreign side (Kafka Streams' SubscriptionWrapper.Instruction).
enum class FkInstruction : uint8_t {
  kDeleteKeyAndPropagate = 0,            // the primary row is gone: forget it, answer "no row"
  kDeleteKeyNoPropagate = 1,             // the row moved to another foreign key: forget, no answer
  kPropagateNullIfNoFkValue = 2,         // answer with the foreign row, or "none" (left join)
  kPropagateOnlyIfFkValueAvailable = 3,  // answer only when the foreign row exists
};

template <typename K>
struct FkSubscription {
  std::optional<ValueHash> hash;  // of the primary row's new value; none for a delete
  FkInstruction instruction = FkInstruction::kPropagateOnlyIfFkValueAvailable;
  K primary_key{};
  int32_t primary_partition = 0;
  bool null_foreign_key = false;  // not serialized: the sink sends it to primary_partition
};

template <typename VO>
struct FkResponse {
  std::optional<ValueHash> hash;
  std::optional<VO> foreign_value;
  int32_t primary_partition = 0;
};

namespace fk {

inline void append_u32(uint32_t v, std::string& out) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}
inline uint32_t read_u32(std::string_view& bytes) {
  if (bytes.size() < 4) throw SerdeError("foreign-key join: truncated record");
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(bytes[static_cast<size_t>(i)]);
  bytes.remove_prefix(4);
  return v;
}
inline void append_hash(const std::optional<ValueHash>& hash, std::string& out) {
  out.push_back(hash ? 1 : 0);
  if (hash) {
    append_big_endian_u64((*hash)[0], out);
    append_big_endian_u64((*hash)[1], out);
  }
}
inline std::optional<ValueHash> read_hash(std::string_view& bytes) {
  if (bytes.empty()) throw SerdeError("foreign-key join: truncated record");
  const bool has = bytes[0] != 0;
  bytes.remove_prefix(1);
  if (!has) return std::nullopt;
  if (bytes.size() < 16) throw SerdeError("foreign-key join: truncated hash");
  ValueHash h{read_big_endian_u64(bytes.substr(0, 8), "hash"),
              read_big_endian_u64(bytes.substr(8, 8), "hash")};
  bytes.remove_prefix(16);
  return h;
}

// The store key of a subscription: [4 foreign key length][foreign key][primary key], so one
// prefix scan finds every subscriber of a foreign key.
inline void combined_prefix(std::string_view foreign_key, std::string& out) {
  append_u32(static_cast<uint32_t>(foreign_key.size()), out);
  out.append(foreign_key);
}

}  // namespace fk

// Subscription on the topic: [1 version 0][1 instruction][hash][4 primary partition][primary key].
template <typename K>
Serde<FkSubscription<K>> fk_subscription_serde(Serde<K> primary_key_serde) {
  if (!primary_key_serde) return {};
  return Serde<FkSubscription<K>>(
      [primary_key_serde](const FkSubscription<K>& s, std::string& out) {
        out.push_back(0);
        out.push_back(static_cast<char>(s.instruction));
        fk::append_hash(s.hash, out);
        fk::append_u32(static_cast<uint32_t>(s.primary_partition), out);
        primary_key_serde.serialize(s.primary_key, out);
      },
      [primary_key_serde](std::string_view bytes) {
        if (bytes.size() < 2 || bytes[0] != 0) {
          throw SerdeError("foreign-key subscription: unknown version");
        }
        FkSubscription<K> s;
        const auto instruction = static_cast<uint8_t>(bytes[1]);
        if (instruction > 3) throw SerdeError("foreign-key subscription: unknown instruction");
        s.instruction = static_cast<FkInstruction>(instruction);
        bytes.remove_prefix(2);
        s.hash = fk::read_hash(bytes);
        s.primary_partition = static_cast<int32_t>(fk::read_u32(bytes));
        s.primary_key = primary_key_serde.deserialize(bytes);
        return s;
      },
      "fk-subscription");
}

// Response on the topic: [1 version 0][hash][4 primary partition][1 has value][value].
template <typename VO>
Serde<FkResponse<VO>> fk_response_serde(Serde<VO> foreign_value_serde) {
  if (!foreign_value_serde) return {};
  return Serde<FkResponse<VO>>(
      [foreign_value_serde](const FkResponse<VO>& r, std::string& out) {
        out.push_back(0);
        fk::append_hash(r.hash, out);
        fk::append_u32(static_cast<uint32_t>(r.primary_partition), out);
        out.push_back(r.foreign_value ? 1 : 0);
        if (r.foreign_value) foreign_value_serde.serialize(*r.foreign_value, out);
      },
      [foreign_value_serde](std::string_view bytes) {
        if (bytes.empty() || bytes[0] != 0) {
          throw SerdeError("foreign-key response: unknown version");
        }
        bytes.remove_prefix(1);
        FkResponse<VO> r;
        r.hash = fk::read_hash(bytes);
        r.primary_partition = static_cast<int32_t>(fk::read_u32(bytes));
        if (bytes.empty()) throw SerdeError("foreign-key response: truncated");
        const bool has = bytes[0] != 0;
        bytes.remove_prefix(1);
        if (has) r.foreign_value = foreign_value_serde.deserialize(bytes);
        return r;
      },
      "fk-response");
}

// The sink partitioner of subscriptions: by foreign key, except a null foreign key (left
// join), which goes back to the primary row's own partition (it needs no foreign row).
template <typename KO, typename K>
StreamPartitioner<KO, FkSubscription<K>> fk_subscription_partitioner() {
  return [](const std::string&, const KO&, const FkSubscription<K>& s,
            int32_t n) -> std::optional<int32_t> {
    if (s.null_foreign_key) return s.primary_partition % n;
    return std::nullopt;
  };
}

// The sink partitioner of responses: the partition of the primary row that subscribed.
template <typename K, typename VO>
StreamPartitioner<K, FkResponse<VO>> fk_response_partitioner() {
  return [](const std::string&, const K&, const FkResponse<VO>& r,
            int32_t n) -> std::optional<int32_t> { return r.primary_partition % n; };
}

// The foreign key of a primary row: fn(value) or fn(key, value), returning KO or
// std::optional<KO> (std::nullopt: no foreign key).
template <typename Fn, typename K, typename V>
struct ForeignKeyResult {
  static auto pick() {
    if constexpr (std::is_invocable_v<Fn&, const K&, const V&>) {
      return std::type_identity<std::decay_t<std::invoke_result_t<Fn&, const K&, const V&>>>{};
    } else {
      return std::type_identity<std::decay_t<std::invoke_result_t<Fn&, const V&>>>{};
    }
  }
  using type = typename decltype(pick())::type;
};
template <typename T>
struct ForeignKeyType {
  using type = T;
};
template <typename T>
struct ForeignKeyType<std::optional<T>> {
  using type = T;
};

// 1. Primary table changes -> subscriptions keyed by foreign key.
template <typename K, typename V, typename KO, typename FkFn>
class FkSubscriptionSendNode final : public Node<K, Change<V>, KO, FkSubscription<K>> {
 public:
  FkSubscriptionSendNode(std::string name, FkFn fk, Serde<KO> foreign_key_serde,
                         Serde<V> value_serde, bool left, bool versioned)
      : Node<K, Change<V>, KO, FkSubscription<K>>(std::move(name)),
        fk_(std::move(fk)),
        foreign_key_serde_(std::move(foreign_key_serde)),
        value_serde_(std::move(value_serde)),
        left_(left),
        versioned_(versioned) {}

  void process(const K& key, const Change<V>& change, Stamp stamp) override {
    if (versioned_ && !change.is_latest) {
      this->context_->record_dropped(this->name(), "out-of-order update of a versioned table");
      return;
    }
    hash_.reset();
    const std::optional<KO> old_fk =
        change.old_value ? extract(key, *change.old_value) : std::nullopt;
    if (left_) {
      if (!change.old_value && !change.new_value) return;
      const std::optional<KO> new_fk =
          change.new_value ? extract(key, *change.new_value) : std::nullopt;
      if (old_fk && changed(new_fk, *old_fk)) {
        send(key, change, old_fk, FkInstruction::kDeleteKeyNoPropagate, stamp);
      }
      send(key, change, new_fk, FkInstruction::kPropagateNullIfNoFkValue, stamp);
      return;
    }
    if (change.new_value) {
      const std::optional<KO> new_fk = extract(key, *change.new_value);
      if (!new_fk) {
        this->context_->record_dropped(this->name(), "null foreign key");
        if (old_fk) send(key, change, old_fk, FkInstruction::kDeleteKeyAndPropagate, stamp);
      } else if (old_fk && changed(new_fk, *old_fk)) {
        send(key, change, old_fk, FkInstruction::kDeleteKeyNoPropagate, stamp);
        send(key, change, new_fk, FkInstruction::kPropagateNullIfNoFkValue, stamp);
      } else {
        send(key, change, new_fk, FkInstruction::kPropagateOnlyIfFkValueAvailable, stamp);
      }
    } else if (old_fk) {
      send(key, change, old_fk, FkInstruction::kDeleteKeyAndPropagate, stamp);
    }
  }

 private:
  std::optional<KO> extract(const K& key, const V& value) {
    if constexpr (std::is_invocable_v<FkFn&, const K&, const V&>) {
      return std::optional<KO>(fk_(key, value));
    } else {
      (void)key;
      return std::optional<KO>(fk_(value));
    }
  }
  // Foreign keys compare by their bytes, as Kafka Streams does.
  bool changed(const std::optional<KO>& now, const KO& before) {
    if (!now) return true;
    a_.clear();
    b_.clear();
    foreign_key_serde_.serialize(*now, a_);
    foreign_key_serde_.serialize(before, b_);
    return a_ != b_;
  }
  void send(const K& key, const Change<V>& change, const std::optional<KO>& fk,
            FkInstruction instruction, Stamp stamp) {
    if (!hash_ && change.new_value) {
      value_buf_.clear();
      value_serde_.serialize(*change.new_value, value_buf_);
      hash_ = murmur3_128(value_buf_);
    }
    FkSubscription<K> s;
    s.hash = change.new_value ? hash_ : std::nullopt;
    s.instruction = instruction;
    s.primary_key = key;
    s.primary_partition = this->context_->partition();
    s.null_foreign_key = !fk;
    this->out_.forward(fk ? *fk : KO{}, s, Stamp{stamp.timestamp, !fk});
  }

  FkFn fk_;
  Serde<KO> foreign_key_serde_;
  Serde<V> value_serde_;
  bool left_;
  bool versioned_;
  std::optional<ValueHash> hash_;
  std::string a_, b_, value_buf_;
};

// The subscription store's value: [8 timestamp][subscription bytes].
template <typename K>
class FkSubscriptionStore {
 public:
  FkSubscriptionStore() = default;
  FkSubscriptionStore(BytesKeyValueStore* store, Serde<FkSubscription<K>> serde,
                      Serde<K> primary_key_serde)
      : store_(store), codec_(std::move(serde)), primary_key_serde_(std::move(primary_key_serde)) {}

  void put(std::string_view combined_key, const FkSubscription<K>& s, int64_t timestamp) {
    store_->put(combined_key, codec_.encode(s, timestamp));
  }
  void remove(std::string_view combined_key) { store_->put(combined_key, std::nullopt); }
  // Calls fn(primary key, subscription) for each subscriber of the foreign key whose bytes
  // `prefix` holds (fk::combined_prefix).
  template <typename Fn>
  void for_each_subscriber(const std::string& prefix, Fn fn) {
    for (auto it = store_->range(prefix, std::nullopt); it->valid(); it->next()) {
      const std::string_view k = it->key();
      if (k.substr(0, prefix.size()) != prefix) break;
      fn(primary_key_serde_.deserialize(k.substr(prefix.size())),
         codec_.decode(it->value(), store_->name()).value);
    }
  }

 private:
  BytesKeyValueStore* store_ = nullptr;
  StampedValueCodec<FkSubscription<K>> codec_;
  Serde<K> primary_key_serde_;
};

// 2a. Subscriptions on the foreign side: kept (or forgotten) in the subscription store, and
// answered with the foreign row they name (Kafka Streams' SubscriptionReceive + Join).
// Timestamp of an answer: the max of the subscription's and the foreign row's.
template <typename KO, typename K, typename VO>
class FkSubscriptionReceiveNode final : public Node<KO, FkSubscription<K>, K, FkResponse<VO>> {
 public:
  FkSubscriptionReceiveNode(std::string name, std::string subscription_store,
                            std::string foreign_store, Serde<KO> foreign_key_serde,
                            Serde<VO> foreign_value_serde, Serde<K> primary_key_serde)
      : Node<KO, FkSubscription<K>, K, FkResponse<VO>>(std::move(name)),
        subscription_store_name_(std::move(subscription_store)),
        foreign_store_name_(std::move(foreign_store)),
        foreign_key_serde_(std::move(foreign_key_serde)),
        foreign_value_serde_(std::move(foreign_value_serde)),
        primary_key_serde_(std::move(primary_key_serde)) {}

  void init(TaskContext& context) override {
    NodeInstance::init(context);
    subscriptions_ =
        FkSubscriptionStore<K>(lookup_kv_store(context, subscription_store_name_, this->name()),
                               fk_subscription_serde(primary_key_serde_), primary_key_serde_);
    foreign_ = TimestampedStore<KO, VO>(lookup_kv_store(context, foreign_store_name_, this->name()),
                                        foreign_key_serde_, foreign_value_serde_);
  }

  void process(const KO& fk, const FkSubscription<K>& s, Stamp stamp) override {
    if (stamp.null_key && s.instruction != FkInstruction::kPropagateNullIfNoFkValue) {
      this->context_->record_dropped(this->name(), "null foreign key");
      return;
    }
    std::optional<ValueAndTimestamp<VO>> foreign;
    if (!stamp.null_key) {
      key_buf_.clear();
      fk::combined_prefix(foreign_key_serde_.to_bytes(fk), key_buf_);
      primary_key_serde_.serialize(s.primary_key, key_buf_);
      if (s.instruction == FkInstruction::kDeleteKeyAndPropagate ||
          s.instruction == FkInstruction::kDeleteKeyNoPropagate) {
        subscriptions_.remove(key_buf_);
      } else {
        subscriptions_.put(key_buf_, s, stamp.timestamp);
      }
      foreign = foreign_.get(fk);
    }
    const int64_t ts = foreign ? std::max(stamp.timestamp, foreign->timestamp) : stamp.timestamp;
    FkResponse<VO> r;
    r.hash = s.hash;
    r.primary_partition = s.primary_partition;
    switch (s.instruction) {
      case FkInstruction::kDeleteKeyAndPropagate:
        break;
      case FkInstruction::kPropagateNullIfNoFkValue:
        if (foreign) r.foreign_value = std::move(foreign->value);
        break;
      case FkInstruction::kPropagateOnlyIfFkValueAvailable:
        if (!foreign) return;
        r.foreign_value = std::move(foreign->value);
        break;
      case FkInstruction::kDeleteKeyNoPropagate:
        return;
    }
    this->out_.forward(s.primary_key, r, Stamp{ts, false});
  }

 private:
  std::string subscription_store_name_;
  std::string foreign_store_name_;
  Serde<KO> foreign_key_serde_;
  Serde<VO> foreign_value_serde_;
  Serde<K> primary_key_serde_;
  FkSubscriptionStore<K> subscriptions_;
  TimestampedStore<KO, VO> foreign_;
  std::string key_buf_;
};

// 2b. Foreign table changes: every subscriber of the foreign key gets the new foreign row
// (std::nullopt: deleted), with the hash it subscribed with, stamped with the change's time.
template <typename KO, typename VO, typename K>
class FkForeignTableJoinNode final : public Node<KO, Change<VO>, K, FkResponse<VO>> {
 public:
  FkForeignTableJoinNode(std::string name, std::string subscription_store,
                         Serde<KO> foreign_key_serde, Serde<K> primary_key_serde, bool versioned)
      : Node<KO, Change<VO>, K, FkResponse<VO>>(std::move(name)),
        subscription_store_name_(std::move(subscription_store)),
        foreign_key_serde_(std::move(foreign_key_serde)),
        primary_key_serde_(std::move(primary_key_serde)),
        versioned_(versioned) {}

  void init(TaskContext& context) override {
    NodeInstance::init(context);
    subscriptions_ =
        FkSubscriptionStore<K>(lookup_kv_store(context, subscription_store_name_, this->name()),
                               fk_subscription_serde(primary_key_serde_), primary_key_serde_);
  }

  void process(const KO& fk, const Change<VO>& change, Stamp stamp) override {
    if (stamp.null_key) {
      this->context_->record_dropped(this->name(), "null key");
      return;
    }
    if (versioned_ && !change.is_latest) {
      this->context_->record_dropped(this->name(), "out-of-order update of a versioned table");
      return;
    }
    prefix_.clear();
    fk::combined_prefix(foreign_key_serde_.to_bytes(fk), prefix_);
    subscriptions_.for_each_subscriber(prefix_, [&](const K& pk, const FkSubscription<K>& s) {
      FkResponse<VO> r;
      r.hash = s.hash;
      r.foreign_value = change.new_value;
      r.primary_partition = s.primary_partition;
      this->out_.forward(pk, r, stamp);
    });
  }

 private:
  std::string subscription_store_name_;
  Serde<KO> foreign_key_serde_;
  Serde<K> primary_key_serde_;
  bool versioned_;
  FkSubscriptionStore<K> subscriptions_;
  std::string prefix_;
};

// 3. Answers back on the primary side: joined with the primary row when the row still hashes
// to the subscription's hash (else dropped and counted: out of date). The result: the joined
// value, or std::nullopt (a delete) when there is no foreign row (inner) or no primary row.
template <typename K, typename V, typename VO, typename VR>
class FkResponseJoinNode final : public Node<K, FkResponse<VO>, K, std::optional<VR>> {
 public:
  // `joiner(value, foreign or std::nullopt)`; called for an inner join only with a foreign row.
  using Joiner = std::function<VR(const V&, const std::optional<VO>&)>;
  FkResponseJoinNode(std::string name, std::string primary_store, Serde<K> key_serde,
                     Serde<V> value_serde, Joiner joiner, bool left)
      : Node<K, FkResponse<VO>, K, std::optional<VR>>(std::move(name)),
        primary_store_name_(std::move(primary_store)),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)),
        joiner_(std::move(joiner)),
        left_(left) {}

  void init(TaskContext& context) override {
    NodeInstance::init(context);
    primary_ = TimestampedStore<K, V>(lookup_kv_store(context, primary_store_name_, this->name()),
                                      key_serde_, value_serde_);
  }

  void process(const K& key, const FkResponse<VO>& r, Stamp stamp) override {
    auto current = primary_.get(key);
    std::optional<ValueHash> current_hash;
    if (current) {
      value_buf_.clear();
      value_serde_.serialize(current->value, value_buf_);
      current_hash = murmur3_128(value_buf_);
    }
    if (current_hash != r.hash) {
      this->context_->record_dropped(this->name(), "out-of-date foreign-key join response");
      return;
    }
    std::optional<VR> result;
    if (current && (r.foreign_value || left_)) result = joiner_(current->value, r.foreign_value);
    this->out_.forward(key, result, stamp);
  }

 private:
  std::string primary_store_name_;
  Serde<K> key_serde_;
  Serde<V> value_serde_;
  Joiner joiner_;
  bool left_;
  TimestampedStore<K, V> primary_;
  std::string value_buf_;
};

}  // namespace eddy::detail
