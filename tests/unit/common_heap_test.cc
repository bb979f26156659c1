// return_free_heap_memory() gives freed heap pages back to the OS. It was once compiled out
// (its glibc check ran before any libc header was included) and nothing noticed: the soak's
// restarted instances kept every byte their restore had freed.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "common/heap.h"

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitizerAllocator = true;  // its own allocator: malloc_trim does nothing there
#else
constexpr bool kSanitizerAllocator = false;
#endif

int64_t resident_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

TEST(CommonHeap, ReturnsFreedHeapPagesToTheOperatingSystem) {
#if !defined(__GLIBC__)
  GTEST_SKIP() << "malloc_trim is glibc's";
#endif
  if (kSanitizerAllocator) GTEST_SKIP() << "the sanitizer's allocator does not trim";
  if (resident_kib() < 0) GTEST_SKIP() << "no /proc/self/status";
  // 64 MiB in 64 KiB blocks (below the mmap threshold: they come from the heap), touched, each
  // followed by a small block that stays allocated, so freed blocks neither merge into the
  // heap's top nor with each other: their pages stay resident until they are handed back.
  constexpr size_t kBlock = 64 * 1024;
  constexpr size_t kBlocks = (64u << 20) / kBlock;
  std::vector<std::unique_ptr<char[]>> blocks;
  std::vector<std::unique_ptr<char[]>> pins;
  blocks.reserve(kBlocks);
  pins.reserve(kBlocks);
  for (size_t i = 0; i < kBlocks; ++i) {
    blocks.emplace_back(new char[kBlock]);
    for (size_t b = 0; b < kBlock; b += 512) blocks.back()[b] = static_cast<char>(i);
    pins.emplace_back(new char[32]);
  }
  blocks.clear();
  const int64_t before = resident_kib();
  eddy::common::return_free_heap_memory();
  const int64_t after = resident_kib();
  EXPECT_GT(before - after, 32 * 1024) << "RSS " << before << " KiB -> " << after << " KiB";
  EXPECT_EQ(pins.size(), kBlocks);
}

}  // namespace
