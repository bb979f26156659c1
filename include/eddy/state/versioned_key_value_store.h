// eddy/state/versioned_key_value_store.h — versioned key-value stores (Kafka Streams'
// KIP-889/914): every value a key had, with the time it became valid, kept for a history
// retention, so a read can ask what the key held at a given time.
//
// A write says when its value became valid; it may arrive out of order. The store keeps each
// key's versions as a timeline: a version is valid from its timestamp until the next
// version's (a delete is a version without a value). A write older than
// stream time - history retention (stream time: the largest timestamp written so far) is
// refused: put() answers kPutNotPut. Reads as of a time older than that see only the latest
// version (if it is not newer than that time).
//
//   auto prices = eddy::Stores::persistent_versioned_key_value_store("prices", 24h);
//   builder.add_state_store(prices);
//   // in a processor connected to it (KStream::process(supplier, {"prices"})):
//   auto store = context.get_versioned_key_value_store<std::string, double>("prices");
//   store.put("sku-1", 9.99, /*timestamp=*/1000);
//   store.put("sku-1", 8.49, 5000);
//   store.get("sku-1", /*as_of=*/3000)->value;   // 9.99, valid from 1000 to 5000
//   store.get("sku-1")->value;                   // 8.49, the latest
//
// Tables: StreamsBuilder::table(topic, consumed, Materialized::as_versioned(name, retention))
// keeps a table in one; a stream-table join then looks each record up as of its timestamp
// (docs/dsl.md, "Versioned tables").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "eddy/state/bytes_stores.h"

namespace eddy {

// One version of a key: its value, when it became valid, and until when (std::nullopt: it
// is the latest version).
template <typename V>
struct VersionedRecord {
  V value;
  int64_t timestamp = 0;
  std::optional<int64_t> valid_to;
  bool operator==(const VersionedRecord&) const = default;
};

// The byte-level interface. As a BytesKeyValueStore it shows the latest versions, each value
// as [8-byte big-endian timestamp][value bytes] (the layout of every table store), and
// put(key, [timestamp][value]) writes a version at that timestamp (a delete: at the timestamp
// of the record being processed).
class BytesVersionedKeyValueStore : public BytesKeyValueStore {
 public:
  // put_versioned's answers besides a valid-to timestamp (Kafka Streams' codes).
  static constexpr int64_t kPutNotPut = INT64_MIN;  // older than the history retention
  static constexpr int64_t kPutIsLatest = -1;       // the version is the key's latest

  // Writes `value` (std::nullopt: a delete) as the key's version from `timestamp`. Returns
  // kPutIsLatest, kPutNotPut, or the valid-to time of the version written (the timestamp of
  // the next version) when it is not the latest.
  virtual int64_t put_versioned(std::string_view key, std::optional<std::string_view> value,
                                int64_t timestamp) = 0;
  // The version valid at `as_of` (its value bytes, without timestamp), if it has a value.
  virtual std::optional<VersionedRecord<Bytes>> get_as_of(std::string_view key, int64_t as_of) = 0;
  // The latest version, if it has a value.
  virtual std::optional<VersionedRecord<Bytes>> get_latest(std::string_view key) = 0;
  virtual int64_t history_retention_ms() const = 0;
  // The largest timestamp written so far (-1 before any write).
  virtual int64_t observed_stream_time() const = 0;
};

// The typed view over a byte-level versioned store.
template <typename K, typename V>
class VersionedKeyValueStore {
 public:
  VersionedKeyValueStore(BytesVersionedKeyValueStore& store, Serde<K> key_serde,
                         Serde<V> value_serde)
      : store_(&store), key_serde_(std::move(key_serde)), value_serde_(std::move(value_serde)) {}

  // See BytesVersionedKeyValueStore::put_versioned.
  int64_t put(const K& key, const V& value, int64_t timestamp) {
    key_buf_.clear();
    key_serde_.serialize(key, key_buf_);
    value_buf_.clear();
    value_serde_.serialize(value, value_buf_);
    return store_->put_versioned(key_buf_, std::string_view(value_buf_), timestamp);
  }
  // Deletes the key from `timestamp` on; returns the version that was valid then.
  std::optional<VersionedRecord<V>> remove(const K& key, int64_t timestamp) {
    auto before = get(key, timestamp);
    key_buf_.clear();
    key_serde_.serialize(key, key_buf_);
    if (store_->put_versioned(key_buf_, std::nullopt, timestamp) ==
        BytesVersionedKeyValueStore::kPutNotPut) {
      return std::nullopt;
    }
    return before;
  }
  std::optional<VersionedRecord<V>> get(const K& key) {
    key_buf_.clear();
    key_serde_.serialize(key, key_buf_);
    return decode(store_->get_latest(key_buf_));
  }
  std::optional<VersionedRecord<V>> get(const K& key, int64_t as_of) {
    key_buf_.clear();
    key_serde_.serialize(key, key_buf_);
    return decode(store_->get_as_of(key_buf_, as_of));
  }
  const std::string& name() const { return store_->name(); }
  BytesVersionedKeyValueStore& bytes_store() const { return *store_; }

 private:
  std::optional<VersionedRecord<V>> decode(std::optional<VersionedRecord<Bytes>> r) const {
    if (!r) return std::nullopt;
    return VersionedRecord<V>{value_serde_.deserialize(r->value), r->timestamp, r->valid_to};
  }

  BytesVersionedKeyValueStore* store_;
  Serde<K> key_serde_;
  Serde<V> value_serde_;
  std::string key_buf_;
  std::string value_buf_;
};

}  // namespace eddy
