// Returning the heap's free memory to the operating system after a burst of allocations.
#pragma once

namespace eddy::common {

// Gives free pages of every malloc arena back to the OS (glibc's malloc_trim; nothing
// elsewhere). A restore allocates in proportion to the changelog it reads and frees it at the
// end, and glibc keeps freed memory in its arenas (a restarted soak instance: 82 MiB taken
// by malloc, 18 MiB in use). In the soak it lowered restarted instances' RSS somewhat, not to
// flat (docs/operations.md, "Soak"). Takes a few milliseconds per hundred MiB; called when a
// thread's restores are done, not per record.
void return_free_heap_memory();

}  // namespace eddy::common
