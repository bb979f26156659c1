#include "state/store_factory.h"

#include "eddy/errors.h"
#include "state/memory/in_memory_key_value_store.h"

namespace eddy::state {

std::unique_ptr<StateStore> create_store(const StoreSpec& spec, StoreContext& /*context*/) {
  switch (spec.kind) {
    case StoreKind::kKeyValue:
      // The persistent (RocksDB) store and the decorators come with the state-store work;
      // until then every key-value store is the in-memory one.
      return std::make_unique<InMemoryKeyValueStore>(spec.name);
    case StoreKind::kWindow:
    case StoreKind::kSession:
      break;
  }
  throw TopologyError("store '" + spec.name + "': this store kind is not available yet");
}

}  // namespace eddy::state
