// The outermost layer of a store that interactive queries may read: one mutex per store,
// recursive because a cache flush listener may read the store it is flushed from,
// taken by every call, from the task thread and from query threads alike. A plain mutex
// (not shared): even "reads" change the record cache (a miss is cached), so two readers
// must not overlap either. Uncontended it costs a few tens of nanoseconds per call.
// The task thread's iterators are created under the lock and used after it (only that
// thread writes, so nothing changes under them); queries hold lock() while they iterate.
#pragma once

#include <cstdint>
#include <mutex>

#include "state/decorators/guarded_stores.h"

namespace eddy::state {

class Locking {
 public:
  // Held by a query for the whole of its iteration, so it never reads concurrently with the
  // task thread's writes (not even inside RocksDB's memtable).
  std::unique_lock<std::recursive_mutex> lock() { return std::unique_lock(mutex_); }

  template <typename Call>
  decltype(auto) around(StoreOp /*op*/, Call&& call, uint64_t /*n*/ = 1) {
    std::lock_guard guard(mutex_);
    return call();
  }

 private:
  std::recursive_mutex mutex_;
};

using LockedKeyValueStore = GuardedKeyValueStore<Locking>;
using LockedWindowStore = GuardedWindowStore<Locking>;
using LockedSessionStore = GuardedSessionStore<Locking>;

}  // namespace eddy::state
