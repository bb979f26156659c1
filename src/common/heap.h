// Returning the heap's free memory to the operating system after a burst of allocations.
#pragma once

#include <chrono>

namespace eddy::common {

// Gives free pages of every malloc arena back to the OS (glibc's malloc_trim; nothing
// elsewhere). A restore allocates in proportion to the changelog it reads (librdkafka's fetch
// queues, bulk-load buffers) and frees it at the end, and glibc keeps freed memory in its
// arenas: a session-scoring instance restarted on 1.6 M changelog records stayed at 444 MiB
// RSS with 15 MiB of heap in use until this ran. Takes a few milliseconds per hundred MiB;
// called when a task's restore is done, not per record.
void return_free_heap_memory();

// The same at most once per `interval` in the whole process, whichever thread calls first
// (stream threads call it after their commits): what glibc keeps of the memory the clients
// and stores free in steady state otherwise only grows the RSS of a long-running instance.
void return_free_heap_memory_at_most_every(std::chrono::seconds interval);

}  // namespace eddy::common
