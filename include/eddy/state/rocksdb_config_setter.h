// eddy/state/rocksdb_config_setter.h — tuning RocksDB per store (opt-in, like Kafka Streams'
// rocksdb.config.setter).
//
// Eddy builds every RocksDB store's options from the process memory budget (shared block
// cache and write-buffer manager) and then calls this hook, so a user may change anything
// else. This header only declares `rocksdb::Options`; a setter that changes options includes
// <rocksdb/options.h> itself:
//
//   #include <rocksdb/options.h>
//   eddy::StreamsConfig config;   // the runtime and the TopologyTestDriver pass it to every task
//   config.rocksdb_config_setter = [](const std::string& store, rocksdb::Options& options) {
//     if (store == "page-counts") options.compression = rocksdb::kZSTD;
//   };
//
// Do not replace the block cache or write_buffer_manager: that would take the store out of
// the memory budget.
#pragma once

#include <functional>
#include <string>

namespace rocksdb {
struct Options;  // <rocksdb/options.h>; declared here so Eddy's headers need no RocksDB
}  // namespace rocksdb

namespace eddy {

using RocksDbConfigSetter =
    std::function<void(const std::string& store_name, rocksdb::Options& options)>;

}  // namespace eddy
