#include "common/heap.h"

// Any C library header defines __GLIBC__ (through <features.h>); without one the check below
// is false and malloc_trim is compiled out (it was, from 92b2d16 until this fix).
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

}  // namespace eddy::common
