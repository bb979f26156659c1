// The registry of this instance's local stores for interactive queries: tasks add their
// stores when they are ready (after restore) and remove them before closing them; query
// threads read through it. A shared_mutex guards the registry itself (many readers, rare
// changes on rebalance); each store's own LockedXxxStore layer (added by build_store when
// StoreContext::store_registry is set) serialises a query with the task thread's calls.
#pragma once

#include <map>
#include <shared_mutex>
#include <string>

#include "eddy/state/queryable_store.h"
#include "eddy/state/state_store.h"

namespace eddy::state {

class StoreRegistry final : public QueryableStores {
 public:
  // `store` must be the outermost (locked) layer of a store built with this registry in its
  // context, and must stay open until remove().
  void add(const std::string& name, int32_t partition, StateStore& store);
  void remove(const std::string& name, int32_t partition);

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
  // Partitions of `name`; throws StateStoreError when there are none. Caller holds mutex_.
  const std::map<int32_t, StateStore*>& partitions(const std::string& name) const;

  std::shared_mutex mutex_;
  std::map<std::string, std::map<int32_t, StateStore*>> stores_;
};

}  // namespace eddy::state
