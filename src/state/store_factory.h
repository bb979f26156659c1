// Building one store instance from its StoreSpec: the inner store (RocksDB or memory) and
// the decorators the spec asks for.
#pragma once

#include <memory>

#include "eddy/state/bytes_stores.h"
#include "eddy/state/stores.h"
#include "state/store_context.h"

namespace eddy::state {

// Throws TopologyError for a spec that cannot be built (e.g. TTL on a window store).
std::unique_ptr<StateStore> create_store(const StoreSpec& spec, StoreContext& context);

}  // namespace eddy::state
