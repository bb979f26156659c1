// One write of a batch, the one shape every store layer below a record cache takes: a
// key-value store's batch (through TimestampedBatchWriter) and a window or session store's
// put_all. The user-facing KeyValueStore::put_all keeps Kafka Streams' key-value pairs.
#pragma once

#include <cstdint>
#include <optional>

#include "eddy/serde/serde.h"

namespace eddy::state {

struct StoreWrite {
  Bytes key;
  std::optional<Bytes> value;  // nullopt deletes
  // A window or session store's segment timestamp (window start / session end); 0 for a
  // key-value store.
  int64_t timestamp = 0;
  // The timestamp of the record that made the change, for the changelog; unset: `timestamp`.
  std::optional<int64_t> record_timestamp;

  int64_t changelog_timestamp() const { return record_timestamp.value_or(timestamp); }
};

}  // namespace eddy::state
