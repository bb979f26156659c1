// Shared set-up for the state-store benchmarks: a temp folder per benchmark and a store
// built through the factory exactly as a task builds it.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <string>

#include "eddy/state/stores.h"
#include "state/store_factory.h"

namespace eddy::state::bench {

class BenchDir {
 public:
  BenchDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("eddy-state-bench-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~BenchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string bench_key(uint64_t i) {
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "key-%012llu", static_cast<unsigned long long>(i));
  return std::string(buf, static_cast<size_t>(n));
}

// Memory = 0, RocksDB = 1, RocksDB with the record cache = 2.
inline StoreSpec flavored(StoreBuilder builder, int64_t flavor) {
  StoreSpec spec = builder.with_logging_disabled().spec();
  spec.persistent = flavor >= 1;
  spec.caching = flavor == 2;
  return spec;
}

inline const char* flavor_label(int64_t flavor) {
  return flavor == 0 ? "memory" : flavor == 1 ? "rocksdb" : "rocksdb+cache";
}

}  // namespace eddy::state::bench
