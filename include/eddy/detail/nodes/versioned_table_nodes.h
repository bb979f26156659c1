// eddy/detail/nodes/versioned_table_nodes.h — a table kept in a versioned store, and the buffer of
// a stream-table join with a grace period (internal).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include "eddy/detail/nodes/change.h"
#include "eddy/detail/nodes/node.h"
#include "eddy/detail/nodes/timestamped_store.h"
#include "eddy/state/versioned_key_value_store.h"

namespace eddy::detail {

// The versioned store named `name`, or a TopologyError naming the node.
inline BytesVersionedKeyValueStore* lookup_versioned_store(TaskContext& context,
                                                           const std::string& name,
                                                           const std::string& node) {
  auto* store = dynamic_cast<BytesVersionedKeyValueStore*>(context.store(name));
  if (store == nullptr) {
    throw TopologyError("node '" + node + "' needs versioned store '" + name +
                        "', which this task does not have");
  }
  return store;
}

// KTableSource over a versioned store: each record is a version of its key at the record's
// timestamp, also one that arrives out of order. A version older than stream time - history
// retention is refused by the store: dropped and counted, nothing forwarded. Every other one
// goes downstream; one that is not the key's latest carries Change::is_latest = false (an
// operator with versioned semantics skips it; to_stream() forwards it). The old value, when
// asked for, is the key's latest value before the write. With a TTL, an expired key's delete
// goes downstream like a tombstone, stamped with its time.
template <typename K, typename V>
class VersionedTableSourceNode final : public Node<K, std::optional<V>, K, Change<V>> {
 public:
  VersionedTableSourceNode(std::string name, std::string store, Serde<K> ks, Serde<V> vs,
                           bool send_old_values)
      : Node<K, std::optional<V>, K, Change<V>>(std::move(name)),
        store_name_(std::move(store)),
        key_serde_(std::move(ks)),
        value_serde_(std::move(vs)),
        send_old_values_(send_old_values) {}

  void init(TaskContext& context) override {
    NodeInstance::init(context);
    store_ = lookup_versioned_store(context, store_name_, this->name());
    // A TTL expiry is a delete version written by the store: forwarded as a delete of the
    // key's latest value, stamped with the delete's time.
    context.add_expiry_listener(
        store_name_, [this](std::string_view key, std::string_view value, int64_t expiry_time) {
          Change<V> change;
          if (send_old_values_) {
            if (value.size() < 8) throw SerdeError("store '" + store_name_ + "': value too short");
            change.old_value = value_serde_.deserialize(value.substr(8));
          }
          this->out_.forward(key_serde_.deserialize(key), change, Stamp{expiry_time, false});
        });
  }
  void process(const K& key, const std::optional<V>& value, Stamp stamp) override {
    if (stamp.null_key) {
      this->context_->record_dropped(this->name(), "null key");
      return;
    }
    key_buf_.clear();
    key_serde_.serialize(key, key_buf_);
    Change<V> change{value, std::nullopt, true};
    if (send_old_values_) {
      if (auto old = store_->get_latest(key_buf_)) {
        change.old_value = value_serde_.deserialize(old->value);
      }
    }
    std::optional<std::string_view> bytes;
    if (value) {
      value_buf_.clear();
      value_serde_.serialize(*value, value_buf_);
      bytes = value_buf_;
    }
    const int64_t code = store_->put_versioned(key_buf_, bytes, stamp.timestamp);
    if (code == BytesVersionedKeyValueStore::kPutNotPut) {
      this->context_->record_dropped(this->name(),
                                     "older than the versioned store's history retention");
      return;
    }
    change.is_latest = code == BytesVersionedKeyValueStore::kPutIsLatest;
    this->out_.forward(key, change, stamp);
  }

 private:
  std::string store_name_;
  Serde<K> key_serde_;
  Serde<V> value_serde_;
  bool send_old_values_;
  BytesVersionedKeyValueStore* store_ = nullptr;
  std::string key_buf_;
  std::string value_buf_;
};

}  // namespace eddy::detail
