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
#include <string_view>

#include "eddy/state/state_store.h"

namespace eddy::state {

// Called for each dirty entry a record cache flushes, after the write reached the layer
// below. Key and values are the store's bytes (window and session stores: the binary keys of
// key_schema.h). `old_value` is the value before the flushed writes (only when asked for).
using CacheFlushListener =
    std::function<void(std::string_view key, std::optional<std::string_view> new_value,
                       std::optional<std::string_view> old_value, int64_t timestamp)>;

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
