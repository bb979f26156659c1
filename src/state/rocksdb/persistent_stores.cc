#include "state/persistent_stores.h"

#include "state/rocksdb/rocksdb_key_value_store.h"
#include "state/rocksdb/rocksdb_segmented_store.h"

namespace eddy::state {

OpenedStore<BytesKeyValueStore> open_persistent_key_value_store(std::string name,
                                                                std::filesystem::path dir,
                                                                MemoryBudget& budget,
                                                                RocksDbConfigSetter config_setter) {
  auto store = std::make_unique<RocksDbKeyValueStore>(std::move(name), std::move(dir), budget,
                                                      std::move(config_setter));
  RestoreTarget* restore = store.get();
  return {std::move(store), restore};
}

OpenedStore<SegmentedBytesStore> open_persistent_segmented_store(
    std::string name, std::filesystem::path dir, Segments segments, SegmentTimeFn segment_time_of,
    MemoryBudget& budget, ReadPattern reads, RocksDbConfigSetter config_setter) {
  auto store = std::make_unique<RocksDbSegmentedStore>(std::move(name), std::move(dir), segments,
                                                       std::move(segment_time_of), budget, reads,
                                                       std::move(config_setter));
  RestoreTarget* restore = store.get();
  return {std::move(store), restore};
}

}  // namespace eddy::state
