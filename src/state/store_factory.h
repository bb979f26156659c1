// Building one store instance from its StoreSpec: the inner store (RocksDB or memory) and
// the decorators the spec asks for, stacked as in Kafka Streams:
//
//   metered -> [TTL] -> [caching] -> [change-logging] -> inner (RocksDB or memory)
//
// Window and session stores put their facade (key layout, retention clamp) under the
// metered layer and the caching/change-logging layers on the segmented bytes below it.
#pragma once

#include <memory>

#include "eddy/state/bytes_stores.h"
#include "eddy/state/stores.h"
#include "state/changelog.h"
#include "state/store_context.h"
#include "state/store_metrics.h"

namespace eddy::state {

// A built store and the handles the runtime needs besides the outermost layer.
struct BuiltStore {
  std::unique_ptr<StateStore> store;  // the outermost layer: what processors use
  RestoreTarget* restore = nullptr;   // the inner store: restore writes here in bulk
  StoreMetrics* metrics = nullptr;    // the metered layer's counters
  std::string changelog_topic;        // empty when the store is not logged
};

// Throws TopologyError for a spec that cannot be built (e.g. TTL on a window store), and
// StateStoreError when a persistent store cannot be opened. A persistent store built with
// an empty StoreContext::task_dir runs in memory (for test drivers without a state folder).
BuiltStore build_store(const StoreSpec& spec, StoreContext& context);

// The outermost layer only (kept for callers that need no restore/metrics handles).
std::unique_ptr<StateStore> create_store(const StoreSpec& spec, StoreContext& context);

}  // namespace eddy::state
