// What a store instance needs from the task that owns it.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "eddy/state/rocksdb_config_setter.h"
#include "state/changelog.h"
#include "state/layered_store.h"
#include "state/memory_budget.h"

namespace eddy::state {

class StoreRegistry;

struct StoreContext {
  std::string application_id;
  std::string task_id;    // "<subtopology>_<partition>", e.g. "0_3"
  int32_t partition = 0;  // the changelog partition this task writes
  std::filesystem::path
      task_dir;  // <state.dir>/<application.id>/<task_id>; persistent stores live here
  ChangelogWriter* changelog = nullptr;  // null: logging disabled for this instance
  // Timestamp of the record being processed (for changelog records and event-time TTL).
  // Unset: changes carry their window start / session end, or 0 for key-value stores.
  std::function<int64_t()> record_timestamp;
  // Fills in the context of the record being processed (its headers and coordinates), for a
  // record cache to keep beside a write. Unset: cached writes keep an empty context.
  std::function<void(RecordContext& into)> record_context;
  // The process memory budget (RocksDB cache + memtables + record caches). Null: each store
  // gets a private default budget (tests and tools only — production shares one).
  MemoryBudget* memory_budget = nullptr;
  // Optional per-store RocksDB tuning (see eddy/state/rocksdb_config_setter.h).
  RocksDbConfigSetter rocksdb_config_setter;
  // Set: stores get a locking outermost layer so interactive queries may read them from
  // other threads (TaskStateManager registers them here after restore).
  StoreRegistry* store_registry = nullptr;
  // Wall clock for wall-clock TTL, milliseconds since the epoch. Unset: the system clock.
  std::function<int64_t()> wall_clock_ms;
  // Called with the store's name when a window store drops a put as expired where Kafka
  // Streams' store counts it in the task's dropped records (a stream-stream join's late
  // record). Unset: not reported.
  std::function<void(const std::string& store)> expired_put;
  // metrics.recording.level DEBUG: the metered layer also times each call (the latency sums
  // are exported only at that level, as Kafka Streams' store latency sensors). Off, it only
  // counts: two clock reads per store call were ~9 % of a hot-key windowed count's CPU.
  bool time_operations = false;

  std::string changelog_topic(const std::string& store_name) const {
    return application_id + "-" + store_name + "-changelog";
  }
  int64_t now_record_timestamp() const { return record_timestamp ? record_timestamp() : 0; }
  int64_t now_wall_clock_ms() const {
    if (wall_clock_ms) return wall_clock_ms();
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace eddy::state
