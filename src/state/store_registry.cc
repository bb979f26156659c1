#include "state/store_registry.h"

#include <algorithm>
#include <mutex>
#include <tuple>

#include "eddy/errors.h"
#include "eddy/state/bytes_stores.h"
#include "state/decorators/locked_stores.h"

namespace eddy::state {
namespace {

template <typename T>
T& as(StateStore* store, const std::string& name, const char* kind) {
  auto* typed = dynamic_cast<T*>(store);
  if (typed == nullptr) throw StateStoreError("store '" + name + "' is not a " + kind + " store");
  return *typed;
}

// The store's own lock, held while a query reads it (iterations included).
template <typename Locked>
std::unique_lock<std::recursive_mutex> lock_store(StateStore* store) {
  auto* locked = dynamic_cast<Locked*>(store);
  return locked != nullptr ? locked->lock() : std::unique_lock<std::recursive_mutex>();
}

}  // namespace

void StoreRegistry::add(const std::string& name, int32_t partition, StateStore& store) {
  std::unique_lock lock(mutex_);
  stores_[name][partition] = &store;
}

void StoreRegistry::remove(const std::string& name, int32_t partition) {
  std::unique_lock lock(mutex_);
  auto it = stores_.find(name);
  if (it == stores_.end()) return;
  it->second.erase(partition);
  if (it->second.empty()) stores_.erase(it);
}

const std::map<int32_t, StateStore*>& StoreRegistry::partitions(const std::string& name) const {
  auto it = stores_.find(name);
  if (it == stores_.end()) {
    throw StateStoreError("no local store named '" + name +
                          "' (not in the topology, or no task of it runs on this instance now)");
  }
  return it->second;
}

std::optional<Bytes> StoreRegistry::get(const std::string& store, std::string_view key) {
  std::shared_lock lock(mutex_);
  for (const auto& [partition, s] : partitions(store)) {
    auto guard = lock_store<LockedKeyValueStore>(s);
    if (auto value = as<BytesKeyValueStore>(s, store, "key-value").get(key)) return value;
  }
  return std::nullopt;
}

std::vector<std::pair<Bytes, Bytes>> StoreRegistry::range(const std::string& store,
                                                          std::optional<std::string_view> from,
                                                          std::optional<std::string_view> to) {
  std::shared_lock lock(mutex_);
  std::vector<std::pair<Bytes, Bytes>> out;
  for (const auto& [partition, s] : partitions(store)) {
    auto guard = lock_store<LockedKeyValueStore>(s);
    for (auto it = as<BytesKeyValueStore>(s, store, "key-value").range(from, to); it->valid();
         it->next()) {
      out.emplace_back(it->key(), it->value());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<WindowRow> StoreRegistry::fetch_windows(const std::string& store,
                                                    std::optional<std::string_view> key_from,
                                                    std::optional<std::string_view> key_to,
                                                    int64_t time_from, int64_t time_to) {
  std::shared_lock lock(mutex_);
  std::vector<WindowRow> out;
  for (const auto& [partition, s] : partitions(store)) {
    auto guard = lock_store<LockedWindowStore>(s);
    auto& windows = as<BytesWindowStore>(s, store, "window");
    for (auto it = windows.fetch_range(key_from, key_to, time_from, time_to); it->valid();
         it->next()) {
      out.push_back({Bytes(it->key()), it->window_start(), Bytes(it->value())});
    }
  }
  std::sort(out.begin(), out.end(), [](const WindowRow& a, const WindowRow& b) {
    return std::tie(a.key, a.window_start) < std::tie(b.key, b.window_start);
  });
  return out;
}

std::vector<SessionRow> StoreRegistry::find_sessions(const std::string& store, std::string_view key,
                                                     int64_t earliest_session_end,
                                                     int64_t latest_session_start) {
  std::shared_lock lock(mutex_);
  std::vector<SessionRow> out;
  for (const auto& [partition, s] : partitions(store)) {
    auto guard = lock_store<LockedSessionStore>(s);
    auto& sessions = as<BytesSessionStore>(s, store, "session");
    for (auto it = sessions.find_sessions(key, earliest_session_end, latest_session_start);
         it->valid(); it->next()) {
      out.push_back({Bytes(it->key()), it->window(), Bytes(it->value())});
    }
  }
  return out;
}

}  // namespace eddy::state
