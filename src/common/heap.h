// Returning the heap's free memory to the operating system after a burst of allocations.
#pragma once

namespace eddy::common {

// Gives free pages of every malloc arena back to the OS (glibc's malloc_trim; nothing
// elsewhere). A restore allocates in proportion to the changelog it reads and frees it all at
// the end, but glibc keeps freed memory in its arenas: without this an instance that restored
// a grown changelog kept the peak as its RSS for good (the soak: 47 MiB after a restart at
// 2 minutes, 272 MiB after one at 28 minutes, with 12 MiB of it in use). Takes a few
// milliseconds per hundred MiB; called when a thread's restores are done, not per record.
void return_free_heap_memory();

}  // namespace eddy::common
