#include "common/heap.h"

// Any C library header defines __GLIBC__ (through <features.h>); without one the check below
// is false and malloc_trim is compiled out (it was, from 92b2d16 until this fix).
#include <atomic>
#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace eddy::common {

void return_free_heap_memory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

void return_free_heap_memory_at_most_every(std::chrono::seconds interval) {
  static std::atomic<int64_t> last_ms{0};
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now().time_since_epoch())
                             .count();
  int64_t last = last_ms.load(std::memory_order_relaxed);
  const int64_t interval_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(interval).count();
  if (now_ms - last < interval_ms) return;
  // One thread wins the interval; the others see the new time and skip.
  if (!last_ms.compare_exchange_strong(last, now_ms, std::memory_order_relaxed)) return;
  return_free_heap_memory();
}

}  // namespace eddy::common
