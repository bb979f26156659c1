// The persistent inner stores, opened through functions so that RocksDB stays in
// state/rocksdb/ (the only folder that includes it): the store factory asks for "a persistent
// key-value store in this folder" and gets the byte-level interface and its restore target.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "eddy/state/bytes_stores.h"
#include "eddy/state/rocksdb_config_setter.h"
#include "state/changelog.h"
#include "state/memory/in_memory_segmented_store.h"
#include "state/memory_budget.h"
#include "state/segmented_store.h"

namespace eddy::state {

template <typename Store>
struct OpenedStore {
  std::unique_ptr<Store> store;
  RestoreTarget* restore = nullptr;  // the same object: restore writes here in bulk
};

// Opens (creating) a RocksDB key-value store in `dir`; see rocksdb/rocksdb_key_value_store.h.
OpenedStore<BytesKeyValueStore> open_persistent_key_value_store(std::string name,
                                                                std::filesystem::path dir,
                                                                MemoryBudget& budget,
                                                                RocksDbConfigSetter config_setter);

// Opens (creating) a RocksDB segmented store in `dir`; see rocksdb/rocksdb_segmented_store.h.
OpenedStore<SegmentedBytesStore> open_persistent_segmented_store(
    std::string name, std::filesystem::path dir, Segments segments, SegmentTimeFn segment_time_of,
    MemoryBudget& budget, ReadPattern reads, RocksDbConfigSetter config_setter);

}  // namespace eddy::state
