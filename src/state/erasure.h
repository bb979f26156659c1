// Erasure ("forget this customer"): removes every entry of one key from a store stack.
//
//   const int64_t erased = state::erase_key(*task.local_store("counts"), "customer-42");
//
// What goes, through the store's own layers (so locking, metering, TTL bookkeeping, the
// record cache and change-logging all see it):
// - key-value stores: the key;
// - window stores: every window of the key that reads can still see (a store that retains
//   duplicates, as a stream-stream join's: every duplicate of each window);
// - session stores: every session of the key;
// - versioned key-value stores: every version of the key (latest and history), logged as one
//   erasure marker (a tombstone with the header "eddy.erasure", ChangelogWriter::log_erasure)
//   that makes a restore drop every version; the count is the versions removed.
// Each deletion is a changelog tombstone (stamped with the timestamp of the record being
// processed: the erasure request), so a restore does not bring the key back. A record cache
// takes the deletions as erasures: they reach the store below and the changelog at its next
// flush (the commit) but are handed to no flush listener, so no processor forwards anything
// for them. Called on the thread of the task owning the store.
#pragma once

#include <cstdint>
#include <string_view>

#include "eddy/state/state_store.h"

namespace eddy::state {

// Returns how many entries (keys, windows, sessions, versions) were removed. Throws
// StateStoreError for a store kind that cannot be erased.
int64_t erase_key(StateStore& store, std::string_view key);

}  // namespace eddy::state
