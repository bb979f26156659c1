// A batch of key-value writes that remembers each write's record timestamp, so a cache flush
// can hand the change-logging layer one batch (one RocksDB WriteBatch below it) while every
// changelog record still carries the timestamp of the record that produced it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "state/store_write.h"

namespace eddy::state {

// Implemented by layers that care about per-write timestamps (change-logging).
class TimestampedBatchWriter {
 public:
  virtual ~TimestampedBatchWriter() = default;
  virtual void write_batch(std::span<const StoreWrite> writes) = 0;
};

}  // namespace eddy::state
