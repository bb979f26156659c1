// The state layer's view of Kafka: it writes changes through ChangelogWriter and rebuilds
// from a ChangelogReader. The runtime implements both with its Kafka clients; tests use the
// in-memory versions in memory_changelog.h. Nothing here includes librdkafka.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace eddy::state {

// Where change-logging stores send every change. The runtime implements it with the task's
// producer (partition = the task's partition) and remembers the offsets it gets back, for
// the checkpoint; tests implement it in memory.
class ChangelogWriter {
 public:
  virtual ~ChangelogWriter() = default;
  // `value` nullopt is a tombstone. `timestamp` is the record timestamp of the change.
  virtual void log(const std::string& topic, int32_t partition, std::string_view key,
                   std::optional<std::string_view> value, int64_t timestamp) = 0;
  // An erasure marker: a tombstone for `key` carrying the header kErasureHeader (value "1").
  // A versioned store logs it when a key is erased: its changelog holds every version of a
  // key, and a plain tombstone there is only a delete version from `timestamp` on (older
  // versions stay readable as of earlier times), while the marker makes its restore drop
  // every version. Every other reader (other stores' restores, Kafka Streams, compaction)
  // sees a tombstone, which compaction uses to remove all earlier records of the key.
  virtual void log_erasure(const std::string& topic, int32_t partition, std::string_view key,
                           int64_t timestamp) = 0;
};

// The header that marks a changelog tombstone as an erasure (ChangelogWriter::log_erasure).
inline constexpr std::string_view kErasureHeader = "eddy.erasure";
inline constexpr std::string_view kErasureHeaderValue = "1";

// One changelog record as read back; the views live until the reader's next poll().
struct ChangelogRecord {
  std::string_view key;
  std::optional<std::string_view> value;  // nullopt: tombstone
  int64_t timestamp = 0;
  int64_t offset = 0;
  // A tombstone with the kErasureHeader header (ChangelogWriter::log_erasure). Only a
  // versioned store's restore reads it; to every other store it is the tombstone it is.
  bool erasure = false;
};

// Reads one changelog partition from a given offset (the runtime: a kafka::Consumer with
// assign(); tests: MemoryChangelog).
class ChangelogReader {
 public:
  virtual ~ChangelogReader() = default;
  // Starts reading `topic`/`partition` at `offset` (0 = from the beginning).
  virtual void seek(const std::string& topic, int32_t partition, int64_t offset) = 0;
  // The partition's end offset (one past the last record) at the time of the call.
  virtual int64_t end_offset(const std::string& topic, int32_t partition) = 0;
  // The next records, at most `max`, waiting at most `timeout` for the first. Empty when
  // nothing arrived. The views stay valid until the next call.
  virtual std::span<const ChangelogRecord> poll(size_t max, std::chrono::milliseconds timeout) = 0;
  // The next offset the reader will return, or -1 when it cannot tell. Restore uses it to see
  // that it reached the end when the partition ends in records it never returns (transaction
  // markers, aborted records).
  virtual int64_t position(const std::string& /*topic*/, int32_t /*partition*/) { return -1; }
  // True when end_offset() is the last stable offset (a read_committed reader under
  // exactly-once): it trails the last committed records until the broker has written the
  // transaction's markers, a few milliseconds after the commit returned.
  virtual bool reads_committed() const { return false; }
};

// The part of an inner store that restore writes to: in bulk, bypassing caches and logging.
class RestoreTarget {
 public:
  virtual ~RestoreTarget() = default;
  virtual void restore_batch(std::span<const ChangelogRecord> records) = 0;
  // Called once when a restore has applied every record (e.g. to flush memtables).
  virtual void restore_done() {}
  // True when the store opened local data from an earlier run (a persistent store whose
  // files were present and readable), so a checkpoint may let restore skip to the tail.
  virtual bool local_state_valid() const { return false; }
  // Throws away all local data (the checkpoint did not vouch for it): restore starts empty.
  virtual void wipe_local_state() = 0;
  // Makes everything written so far durable in the local files (RocksDB: flush memtables;
  // there is no WAL). Called before a checkpoint that vouches for it is written.
  virtual void persist() {}
  // The same without waiting, so a commit does not stall processing for the flush (RocksDB:
  // the memtables are switched now and flushed by its background threads): persisted()
  // turns true once everything written before the call is durable.
  virtual void begin_persist() { persist(); }
  virtual bool persisted() const { return true; }
};

}  // namespace eddy::state
