// What a store instance needs from the task that owns it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace eddy::state {

// Where change-logging stores send every change. The runtime implements it with the task's
// producer (partition = the task's partition); tests implement it in memory.
class ChangelogWriter {
 public:
  virtual ~ChangelogWriter() = default;
  // `value` nullopt is a tombstone. `timestamp` is the record timestamp of the change.
  virtual void log(const std::string& topic, int32_t partition, std::string_view key,
                   std::optional<std::string_view> value, int64_t timestamp) = 0;
};

struct StoreContext {
  std::string application_id;
  std::string task_id;    // "<subtopology>_<partition>", e.g. "0_3"
  int32_t partition = 0;  // the changelog partition this task writes
  std::filesystem::path
      task_dir;  // <state.dir>/<application.id>/<task_id>; persistent stores live here
  ChangelogWriter* changelog = nullptr;  // null: logging disabled for this instance
  // Timestamp of the record being processed (for changelog records and event-time TTL).
  std::function<int64_t()> record_timestamp;

  std::string changelog_topic(const std::string& store_name) const {
    return application_id + "-" + store_name + "-changelog";
  }
};

}  // namespace eddy::state
