// eddy/detail/nodes/store_change_forwarding.h — how an aggregation over a timestamped
// key-value store sends its changes downstream when the store has a record cache or a TTL
// (internal; stream and table aggregations share it).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "eddy/detail/nodes/change.h"
#include "eddy/detail/nodes/node.h"
#include "eddy/detail/nodes/timestamped_store.h"

namespace eddy::detail {

// With a record cache on `store_name`, updates go downstream when the cache flushes (commit
// or full): the latest value per key only, as Kafka Streams with caching on, and with
// `send_old_values` the value the store held before the flush. Without a cache, a TTL
// expiry is forwarded when it happens (with a cache it waits in the cache and the flush
// forwards it, stamped with the expiry time): one path or the other, never both, so each
// expiry reaches downstream exactly once. Returns true when the store caches, so the
// caller forwards nothing itself on put. `store` and `out` must outlive the task (a node's
// members).
template <typename K, typename VA>
bool forward_store_changes(TaskContext& context, const std::string& store_name,
                           const TimestampedStore<K, VA>& store, bool send_old_values,
                           Output<K, Change<VA>>& out) {
  auto on_flush = [&store, &out](std::string_view key, std::optional<std::string_view> value,
                                 std::optional<std::string_view> old, int64_t ts) {
    Change<VA> change;
    if (old) change.old_value = store.decode(*old).value;
    if (value) {
      auto decoded = store.decode(*value);
      change.new_value = std::move(decoded.value);
      ts = decoded.timestamp;
    }
    out.forward(store.decode_key(key), change, Stamp{ts, false});
  };
  const bool caching =
      send_old_values
          ? context.set_cache_flush_listener_with_old_values(store_name, on_flush)
          : context.set_cache_flush_listener(
                store_name, [on_flush](std::string_view key, std::optional<std::string_view> value,
                                       int64_t ts) { on_flush(key, value, {}, ts); });
  if (!caching) {
    context.add_expiry_listener(
        store_name, [&store, &out, send_old_values](std::string_view key, std::string_view value,
                                                    int64_t expiry_time) {
          Change<VA> change;
          if (send_old_values) change.old_value = store.decode(value).value;
          out.forward(store.decode_key(key), change, Stamp{expiry_time, false});
        });
  }
  return caching;
}

}  // namespace eddy::detail
