// eddy/processor/processor_context.h — what a custom Processor can do: forward records, use
// the stores it was connected to, read the current record's metadata, schedule punctuators.
//
//   context.forward(record.with_value(total));
//   auto store = context.get_key_value_store<std::string, int64_t>("totals");
//   auto recent = context.get_window_store<std::string, int64_t>("recent");     // window store
//   auto visits = context.get_session_store<std::string, int64_t>("visits");    // session store
//   if (auto m = context.record_metadata()) log(m->topic, m->partition, m->offset);
//   context.schedule(std::chrono::seconds(5), eddy::PunctuationType::kStreamTime, fn);
//   context.on_expiry<std::string, int64_t>("totals", on_expired);   // TTL expiries of "totals"
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "eddy/detail/nodes/node.h"
#include "eddy/errors.h"
#include "eddy/processor/punctuation.h"
#include "eddy/processor/record.h"
#include "eddy/serde/serdes.h"
#include "eddy/state/key_value_store.h"
#include "eddy/state/session_store.h"
#include "eddy/state/versioned_key_value_store.h"
#include "eddy/state/window_store.h"

namespace eddy {

template <typename KOut, typename VOut>
class ProcessorContext {
 public:
  ProcessorContext(detail::TaskContext& task, const detail::Output<KOut, VOut>& out,
                   std::string node, std::vector<std::string> stores)
      : task_(&task), out_(&out), node_(std::move(node)), stores_(std::move(stores)) {}

  // Sends `record` to every child of this processor. Its headers are what sinks write.
  void forward(const Record<KOut, VOut>& record) const {
    Headers& current = task_->headers();
    Headers saved = std::exchange(current, record.headers);
    out_->forward(record.key, record.value, detail::Stamp{record.timestamp, false});
    current = std::move(saved);
  }

  // The key-value store `name`, which must be connected to this processor (listed in
  // KStream::process(..., stores)). Serdes default to default_serde<K>() / <V>().
  template <typename K, typename V>
  KeyValueStore<K, V> get_key_value_store(const std::string& name,
                                          Serde<K> key_serde = default_serde<K>(),
                                          Serde<V> value_serde = default_serde<V>()) const {
    if (std::find(stores_.begin(), stores_.end(), name) == stores_.end()) {
      throw TopologyError("processor '" + node_ + "' is not connected to store '" + name +
                          "'; list it in KStream::process(supplier, {\"" + name + "\"})");
    }
    auto* store = dynamic_cast<BytesKeyValueStore*>(task_->store(name));
    if (store == nullptr) {
      throw TopologyError("processor '" + node_ + "': store '" + name +
                          "' is not a key-value store");
    }
    if (!key_serde || !value_serde) {
      throw TopologyError("processor '" + node_ + "': no serde for store '" + name +
                          "'; pass key and value serdes to get_key_value_store");
    }
    return KeyValueStore<K, V>(*store, std::move(key_serde), std::move(value_serde));
  }

  // The window store `name` (Stores::persistent_window / in_memory_window), connected like a
  // key-value store; values as put (no timestamp prefix).
  template <typename K, typename V>
  WindowStore<K, V> get_window_store(const std::string& name,
                                     Serde<K> key_serde = default_serde<K>(),
                                     Serde<V> value_serde = default_serde<V>()) const {
    auto* store = connected_store<BytesWindowStore>(name, "window", key_serde && value_serde);
    return WindowStore<K, V>(*store, std::move(key_serde), std::move(value_serde));
  }

  // The versioned key-value store `name` (Stores::persistent_versioned_key_value_store),
  // connected like a key-value store.
  template <typename K, typename V>
  VersionedKeyValueStore<K, V> get_versioned_key_value_store(
      const std::string& name, Serde<K> key_serde = default_serde<K>(),
      Serde<V> value_serde = default_serde<V>()) const {
    auto* store = connected_store<BytesVersionedKeyValueStore>(name, "versioned_key_value",
                                                               key_serde && value_serde);
    return VersionedKeyValueStore<K, V>(*store, std::move(key_serde), std::move(value_serde));
  }

  // The session store `name` (Stores::persistent_session / in_memory_session), connected like
  // a key-value store.
  template <typename K, typename V>
  SessionStore<K, V> get_session_store(const std::string& name,
                                       Serde<K> key_serde = default_serde<K>(),
                                       Serde<V> value_serde = default_serde<V>()) const {
    auto* store = connected_store<BytesSessionStore>(name, "session", key_serde && value_serde);
    return SessionStore<K, V>(*store, std::move(key_serde), std::move(value_serde));
  }

  // Calls `listener(key, old_value, expiry_time)` each time the TTL of key-value store `name`
  // (connected to this processor, built with StoreBuilder::with_ttl) expires a key. The
  // deletion is already in the store (and its changelog) when the listener runs, so a
  // processor that mirrors the store downstream forwards a tombstone here, stamped with
  // `expiry_time` (the event or wall-clock time the key became due). It runs inside the
  // write, commit or wall-clock sweep that found the key due, with no record metadata of its
  // own; forward() from it works as from a punctuator. Every expiry reaches every listener
  // once, whether the store is cached or not. Throws TopologyError when the store has no TTL.
  //
  //   context.on_expiry<std::string, int64_t>("last-seen", [&](auto& key, auto&, int64_t at) {
  //     context.forward(eddy::Record<std::string, std::optional<int64_t>>{key, {}, at});
  //   });
  template <typename K, typename V>
  void on_expiry(
      const std::string& name,
      std::function<void(const K& key, const V& old_value, int64_t expiry_time)> listener,
      Serde<K> key_serde = default_serde<K>(), Serde<V> value_serde = default_serde<V>()) const {
    get_key_value_store<K, V>(name, key_serde, value_serde);  // connected, KV, serdes
    const bool has_ttl = task_->add_expiry_listener(
        name,
        [listener = std::move(listener), ks = std::move(key_serde), vs = std::move(value_serde)](
            std::string_view key, std::string_view old_value, int64_t expiry_time) {
          listener(ks.deserialize(key), vs.deserialize(old_value), expiry_time);
        });
    if (!has_ttl) {
      throw TopologyError("processor '" + node_ + "' listens for expiries of store '" + name +
                          "', which has no TTL; build it with StoreBuilder::with_ttl(...)");
    }
  }

  // Topic, partition and offset of the record being processed; std::nullopt in a punctuator.
  std::optional<RecordMetadata> record_metadata() const {
    const RecordMetadata* m = task_->record_metadata();
    return m ? std::optional<RecordMetadata>(*m) : std::nullopt;
  }
  int64_t current_stream_time() const { return task_->stream_time(); }
  int64_t current_system_time() const { return task_->wall_clock_time(); }
  const std::string& application_id() const { return task_->application_id(); }
  const std::string& task_id() const { return task_->task_id(); }
  int32_t partition() const { return task_->partition(); }

  Cancellable schedule(std::chrono::milliseconds interval, PunctuationType type,
                       Punctuator punctuator) const {
    if (interval.count() <= 0) {
      throw TopologyError("processor '" + node_ + "': punctuation interval must be positive");
    }
    return task_->schedule(interval.count(), type, std::move(punctuator));
  }

 private:
  // Store `name` as a T, checked: connected to this processor, of that kind, serdes given.
  template <typename T>
  T* connected_store(const std::string& name, const char* kind, bool have_serdes) const {
    if (std::find(stores_.begin(), stores_.end(), name) == stores_.end()) {
      throw TopologyError("processor '" + node_ + "' is not connected to store '" + name +
                          "'; list it in KStream::process(supplier, {\"" + name + "\"})");
    }
    auto* store = dynamic_cast<T*>(task_->store(name));
    if (store == nullptr) {
      throw TopologyError("processor '" + node_ + "': store '" + name + "' is not a " + kind +
                          " store");
    }
    if (!have_serdes) {
      throw TopologyError("processor '" + node_ + "': no serde for store '" + name +
                          "'; pass key and value serdes to get_" + kind + "_store");
    }
    return store;
  }

  detail::TaskContext* task_;
  const detail::Output<KOut, VOut>* out_;
  std::string node_;
  std::vector<std::string> stores_;
};

}  // namespace eddy
