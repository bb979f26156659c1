// One memory budget: 2 million distinct keys (16-byte keys, 100-byte values, ~230 MB of
// data) go through a cached RocksDB store under a 64 MB budget, and the process's resident
// memory stays within the budget plus a fixed overhead.
//
// Stated overhead: kFixedOverheadBytes = 40 MiB (measured peak, VmHWM: 9-28 MiB) on top of the RSS
// the test binary has before it builds the store (gtest, librdkafka and RocksDB code and static
// data, ~10-20 MiB). The overhead covers what the budget does not charge: RocksDB's per-file
// table-reader metadata and background-thread stacks, flush and compaction buffers, and malloc
// arena slack (this test opts in to fixing glibc's mmap threshold so freed memtables go back to
// the OS; see MemoryBudgetOptions::return_freed_memory_to_os). Integration-labelled: it writes ~250
// MB to disk and takes tens of seconds.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <string>

#include "eddy/state/stores.h"
#include "state/memory_budget.h"
#include "state/store_factory.h"
#include "support/real_kafka.h"

namespace eddy::state {
namespace {

constexpr int64_t kBudgetBytes = 64LL << 20;
constexpr int64_t kFixedOverheadBytes = 40LL << 20;
constexpr uint64_t kKeys = 2'000'000;

int64_t status_kib(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  }
  return -1;
}
int64_t rss_bytes() {
  return status_kib("VmRSS") * 1024;
}

// A bijection on 64-bit integers, so the keys are distinct and arrive in random order
// without holding a 2-million-entry permutation in memory.
uint64_t mix(uint64_t x) {
  x ^= x >> 31;
  x *= 0x7fb5d329728ea185ULL;
  x ^= x >> 27;
  x *= 0x81dadef4bc2dd44dULL;
  x ^= x >> 33;
  return x;
}

std::string key_of(uint64_t i) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(mix(i)));
  return std::string(buf, 16);
}

TEST(StateMemoryBudget, TwoMillionKeysStayWithinA64MiBBudget) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / testing_support::unique_name("eddy-state-memory");
  const int64_t baseline = rss_bytes();
  int64_t peak = baseline;
  {
    MemoryBudget budget({.total_bytes = kBudgetBytes,
                         .record_cache_bytes = 8LL << 20,
                         .return_freed_memory_to_os = true});
    StoreContext context;
    context.task_dir = dir;
    context.memory_budget = &budget;
    StoreSpec spec =
        Stores::persistent_key_value("big").with_caching().with_logging_disabled().spec();
    BuiltStore built = build_store(spec, context);
    auto& store = dynamic_cast<BytesKeyValueStore&>(*built.store);

    const std::string value(100, 'v');
    for (uint64_t i = 0; i < kKeys; ++i) {
      store.put(key_of(i), value);
      if (i % 100'000 == 99'999) store.flush();  // a commit every 100 000 records
      if (i % 100'000 == 99'999) {
        peak = std::max(peak, rss_bytes());
        std::cout << "keys " << (i + 1) << " rss " << (rss_bytes() >> 20) << " MiB, rocksdb cache "
                  << (budget.rocksdb_usage() >> 20) << " MiB, record caches "
                  << (budget.record_cache_usage() >> 20) << " MiB\n";
      }
    }
    store.flush();
    for (uint64_t i = 0; i < 200'000; ++i) {
      ASSERT_EQ(store.get(key_of((i * 7919) % kKeys)), value);
      if (i % 50'000 == 0) {
        peak = std::max(peak, rss_bytes());
        std::cout << "gets " << i << " rss " << (rss_bytes() >> 20) << " MiB, rocksdb cache "
                  << (budget.rocksdb_usage() >> 20) << " MiB, record caches "
                  << (budget.record_cache_usage() >> 20) << " MiB\n";
      }
    }
    // VmHWM: the true peak of resident memory, not only the samples above.
    peak = std::max(peak, status_kib("VmHWM") * 1024);
    EXPECT_GE(store.approximate_num_entries(), kKeys * 9 / 10);
    built.store->close();
  }
  std::filesystem::remove_all(dir);
  std::cout << "baseline rss " << (baseline >> 20) << " MiB, peak rss " << (peak >> 20)
            << " MiB, limit " << ((baseline + kBudgetBytes + kFixedOverheadBytes) >> 20)
            << " MiB\n";
  EXPECT_LE(peak, baseline + kBudgetBytes + kFixedOverheadBytes);
}

}  // namespace
}  // namespace eddy::state
