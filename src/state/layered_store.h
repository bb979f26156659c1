// What every layer of a store stack (metered -> TTL -> caching -> change-logging -> inner)
// shares beyond the byte-level interface: a link to the layer below, and the listener hooks
// that a processor sets on the outermost layer and that travel down to the layer owning them.
//
//   if (!state::set_cache_flush_listener(store, on_flush, /*send_old_values=*/true)) {
//     // no cache in this stack: forward every update immediately
//   }
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "eddy/headers.h"
#include "eddy/state/state_store.h"

namespace eddy::state {

// What a record cache keeps of the record whose write made an entry (Kafka Streams'
// LRUCacheEntry keeps its ProcessorRecordContext), so that what the entry's flush forwards
// carries that record's headers and coordinates, not those of whatever runs the flush.
struct RecordContext {
  bool from_record = false;  // false: written outside an input record (a punctuator, a flush)
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t append_time_ms = -1;
  Headers headers;

  // Heap bytes beyond sizeof (what a cache counts against its memory budget).
  int64_t heap_bytes() const {
    int64_t n = topic.size() > 15 ? static_cast<int64_t>(topic.capacity()) : 0;
    for (const auto& h : headers) {
      n += static_cast<int64_t>(64 + h.key.size() + (h.value ? h.value->size() : 0));
    }
    return n;
  }
};

// Called for each dirty entry a record cache flushes, after the write reached the layer
// below. Key and values are the store's bytes (window and session stores: the binary keys of
// key_schema.h). `old_value` is the value before the flushed writes (only when asked for).
// `timestamp` and `context` are those of the record whose write the entry holds (its last).
using CacheFlushListener = std::function<void(
    std::string_view key, std::optional<std::string_view> new_value,
    std::optional<std::string_view> old_value, int64_t timestamp, const RecordContext& context)>;

// Called when TTL expires a key, after its deletion went through the store (and so to the
// changelog). `expiry_time` is when it became due (event or wall-clock time, per the TTL).
using ExpiryListener =
    std::function<void(std::string_view key, std::string_view old_value, int64_t expiry_time)>;

class LayeredStore {
 public:
  virtual ~LayeredStore() = default;
  // The next layer down; null for an inner store.
  virtual StateStore* wrapped() const = 0;

  virtual bool set_cache_flush_listener(CacheFlushListener listener, bool send_old_values) {
    auto* below = dynamic_cast<LayeredStore*>(wrapped());
    return below != nullptr &&
           below->set_cache_flush_listener(std::move(listener), send_old_values);
  }
  virtual bool set_expiry_listener(ExpiryListener listener) {
    auto* below = dynamic_cast<LayeredStore*>(wrapped());
    return below != nullptr && below->set_expiry_listener(std::move(listener));
  }
  // Erasure (state/erasure.h): while on, the deletions written through the stack are
  // erasures. A record cache writes them down (store and changelog) at its next flush like
  // any deletion but hands them to no flush listener, so nothing is forwarded downstream; a
  // window store that retains duplicates deletes every duplicate of the window.
  virtual void set_erasing(bool on) {
    if (auto* below = dynamic_cast<LayeredStore*>(wrapped())) below->set_erasing(on);
  }
};

// The first layer of `store`'s stack (itself included) that is a T, or null.
template <typename T>
T* find_layer(StateStore& store) {
  StateStore* current = &store;
  while (current != nullptr) {
    if (auto* found = dynamic_cast<T*>(current)) return found;
    auto* layered = dynamic_cast<LayeredStore*>(current);
    current = layered != nullptr ? layered->wrapped() : nullptr;
  }
  return nullptr;
}

// False when the stack has no record cache (the caller then forwards every update itself).
inline bool set_cache_flush_listener(StateStore& store, CacheFlushListener listener,
                                     bool send_old_values) {
  auto* layered = dynamic_cast<LayeredStore*>(&store);
  return layered != nullptr &&
         layered->set_cache_flush_listener(std::move(listener), send_old_values);
}

// False when the stack has no TTL layer.
inline bool set_expiry_listener(StateStore& store, ExpiryListener listener) {
  auto* layered = dynamic_cast<LayeredStore*>(&store);
  return layered != nullptr && layered->set_expiry_listener(std::move(listener));
}

}  // namespace eddy::state
