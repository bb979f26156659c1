#include "common/heap.h"

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
