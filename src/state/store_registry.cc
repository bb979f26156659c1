#include "state/store_registry.h"

#include <algorithm>
#include <mutex>
#include <tuple>

#include "eddy/errors.h"
#include "eddy/state/bytes_stores.h"
#include "state/decorators/locked_stores.h"

namespace eddy::state {
namespace {

const char* kind_name(StoreKind kind) {
  switch (kind) {
    case StoreKind::kKeyValue:
      return "key-value";
    case StoreKind::kWindow:
      return "window";
    case StoreKind::kSession:
      return "session";
  }
  return "?";
}

template <typename T>
T& as(StateStore* store, const std::string& name, StoreKind kind) {
  auto* typed = dynamic_cast<T*>(store);
  if (typed == nullptr) {
    throw UnknownStateStoreError("store '" + name + "' is not a " + kind_name(kind) + " store");
  }
  return *typed;
}

// The store's own lock, held while a query reads it (iterations included).
template <typename Locked>
std::unique_lock<std::recursive_mutex> lock_store(StateStore* store) {
  auto* locked = dynamic_cast<Locked*>(store);
  return locked != nullptr ? locked->lock() : std::unique_lock<std::recursive_mutex>();
}

// Tables and aggregations store [8-byte timestamp][value]; queries answer the value.
Bytes strip_timestamp(std::string_view value, const std::string& store) {
  if (value.size() < 8) throw StateStoreError("store '" + store + "': value too short");
  return Bytes(value.substr(8));
}

}  // namespace

void StoreRegistry::declare(const std::string& name, StoreKind kind, bool timestamped) {
  std::unique_lock lock(mutex_);
  declared_[name] = Declared{kind, timestamped};
}

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

void StoreRegistry::check_store(const std::string& store, StoreKind kind) {
  std::shared_lock lock(mutex_);
  check_locked(store, kind);
}

void StoreRegistry::check_locked(const std::string& name, StoreKind kind) const {
  if (auto it = declared_.find(name); it != declared_.end()) {
    if (it->second.kind != kind) {
      throw UnknownStateStoreError("cannot query store '" + name + "' as a " + kind_name(kind) +
                                   " store: it is a " + kind_name(it->second.kind) + " store");
    }
    return;
  }
  if (stores_.count(name) != 0) return;  // undeclared but local: its layers say its kind
  std::string known;
  for (const auto& [n, d] : declared_) known += (known.empty() ? "" : ", ") + n;
  for (const auto& [n, s] : stores_) {
    if (declared_.count(n) == 0) known += (known.empty() ? "" : ", ") + n;
  }
  throw UnknownStateStoreError("cannot query store '" + name +
                               "': the topology has no store of that name (its stores: " +
                               (known.empty() ? "none" : known) + ")");
}

const std::map<int32_t, StateStore*>& StoreRegistry::partitions(const std::string& name,
                                                                StoreKind kind) const {
  check_locked(name, kind);
  if (gate_) gate_(name);
  auto it = stores_.find(name);
  if (it == stores_.end()) {
    throw InvalidStateStoreError("cannot query store '" + name +
                                 "': none of its partitions is local now (they may have moved "
                                 "to another instance, or are still restoring); retry later");
  }
  return it->second;
}

bool StoreRegistry::timestamped(const std::string& name) const {
  auto it = declared_.find(name);
  return it != declared_.end() && it->second.timestamped;
}

std::optional<Bytes> StoreRegistry::get(const std::string& store, std::string_view key) {
  std::shared_lock lock(mutex_);
  const bool ts = timestamped(store);
  for (const auto& [partition, s] : partitions(store, StoreKind::kKeyValue)) {
    auto guard = lock_store<LockedKeyValueStore>(s);
    if (auto value = as<BytesKeyValueStore>(s, store, StoreKind::kKeyValue).get(key)) {
      return ts ? strip_timestamp(*value, store) : std::move(*value);
    }
  }
  return std::nullopt;
}

std::vector<std::pair<Bytes, Bytes>> StoreRegistry::range(const std::string& store,
                                                          std::optional<std::string_view> from,
                                                          std::optional<std::string_view> to) {
  std::shared_lock lock(mutex_);
  const bool ts = timestamped(store);
  std::vector<std::pair<Bytes, Bytes>> out;
  for (const auto& [partition, s] : partitions(store, StoreKind::kKeyValue)) {
    auto guard = lock_store<LockedKeyValueStore>(s);
    for (auto it = as<BytesKeyValueStore>(s, store, StoreKind::kKeyValue).range(from, to);
         it->valid(); it->next()) {
      out.emplace_back(it->key(), ts ? strip_timestamp(it->value(), store) : Bytes(it->value()));
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
  const bool ts = timestamped(store);
  std::vector<WindowRow> out;
  for (const auto& [partition, s] : partitions(store, StoreKind::kWindow)) {
    auto guard = lock_store<LockedWindowStore>(s);
    auto& windows = as<BytesWindowStore>(s, store, StoreKind::kWindow);
    for (auto it = windows.fetch_range(key_from, key_to, time_from, time_to); it->valid();
         it->next()) {
      out.push_back({Bytes(it->key()), it->window_start(),
                     ts ? strip_timestamp(it->value(), store) : Bytes(it->value())});
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
  const bool ts = timestamped(store);
  std::vector<SessionRow> out;
  for (const auto& [partition, s] : partitions(store, StoreKind::kSession)) {
    auto guard = lock_store<LockedSessionStore>(s);
    auto& sessions = as<BytesSessionStore>(s, store, StoreKind::kSession);
    for (auto it = sessions.find_sessions(key, earliest_session_end, latest_session_start);
         it->valid(); it->next()) {
      out.push_back({Bytes(it->key()), it->window(),
                     ts ? strip_timestamp(it->value(), store) : Bytes(it->value())});
    }
  }
  return out;
}

}  // namespace eddy::state
