// The registry of this instance's local stores for interactive queries: tasks add their
// stores when they are ready (after restore) and remove them before closing them; query
// threads read through it. A shared_mutex guards the registry itself (many readers, rare
// changes on rebalance); each store's own LockedXxxStore layer (added by build_store when
// StoreContext::store_registry is set) serialises a query with the task thread's calls.
//
// The owner declares the topology's stores up front (name, kind, timestamped values), so a
// query can tell a name that does not exist (UnknownStateStoreError, listing the known ones)
// from a store that exists but has no local partition now (InvalidStateStoreError: retry),
// and strips the record timestamp tables keep beside their values. An optional gate runs
// before every read: the runtime refuses reads while the instance is not RUNNING.
#pragma once

#include <functional>
#include <map>
#include <shared_mutex>
#include <string>

#include "eddy/state/queryable_store.h"
#include "eddy/state/state_store.h"
#include "eddy/state/stores.h"

namespace eddy::state {

class StoreRegistry final : public QueryableStores {
 public:
  // Before any task runs. Undeclared stores may still be added (tests of the store layer);
  // they are looked up by name alone and their values returned as stored.
  void declare(const std::string& name, StoreKind kind, bool timestamped);
  // Runs before every read with the store's name; throws (InvalidStateStoreError) to refuse.
  void set_gate(std::function<void(const std::string& store)> gate) { gate_ = std::move(gate); }

  // `store` must be the outermost (locked) layer of a store built with this registry in its
  // context (or be used by the querying thread only), and must stay open until remove().
  void add(const std::string& name, int32_t partition, StateStore& store);
  void remove(const std::string& name, int32_t partition);

  void check_store(const std::string& store, StoreKind kind) override;
  std::optional<Bytes> get(const std::string& store, std::string_view key) override;
  std::vector<std::pair<Bytes, Bytes>> range(const std::string& store,
                                             std::optional<std::string_view> from,
                                             std::optional<std::string_view> to) override;
  std::vector<WindowRow> fetch_windows(const std::string& store,
                                       std::optional<std::string_view> key_from,
                                       std::optional<std::string_view> key_to, int64_t time_from,
                                       int64_t time_to) override;
  std::vector<SessionRow> find_sessions(const std::string& store, std::string_view key,
                                        int64_t earliest_session_end,
                                        int64_t latest_session_start) override;

 private:
  struct Declared {
    StoreKind kind = StoreKind::kKeyValue;
    bool timestamped = false;
  };
  // Throws UnknownStateStoreError for a name that is no store of `kind`. Caller holds mutex_.
  void check_locked(const std::string& name, StoreKind kind) const;
  // Runs the gate and the checks; returns the local partitions of `name` or throws
  // InvalidStateStoreError when there are none. Caller holds mutex_ (shared).
  const std::map<int32_t, StateStore*>& partitions(const std::string& name, StoreKind kind) const;
  bool timestamped(const std::string& name) const;

  std::shared_mutex mutex_;
  std::map<std::string, Declared> declared_;
  std::map<std::string, std::map<int32_t, StateStore*>> stores_;
  std::function<void(const std::string&)> gate_;
};

}  // namespace eddy::state
