// eddy/state/rocksdb_config_setter.h — tuning RocksDB per store (opt-in, like Kafka Streams'
// rocksdb.config.setter).
//
// Eddy builds every RocksDB store's options from the process memory budget (shared block
// cache and write-buffer manager) and then calls this hook, so a user may change anything
// else. This header does not include RocksDB; the hook receives a `rocksdb::Options*` as an
// opaque pointer, which the user casts after including <rocksdb/options.h> themselves.
//
//   eddy::StreamsConfig config;   // the runtime and the TopologyTestDriver pass it to every task
//   config.rocksdb_config_setter = [](const std::string& store, void* opaque) {
//     auto* options = static_cast<rocksdb::Options*>(opaque);
//     options->compression = rocksdb::kZSTD;
//   };
//
// Do not replace the block cache or write_buffer_manager: that would take the store out of
// the memory budget.
#pragma once

#include <functional>
#include <string>

namespace eddy {

using RocksDbConfigSetter =
    std::function<void(const std::string& store_name, void* rocksdb_options)>;

}  // namespace eddy
