// The checkpoint file of a task (<task_dir>/.checkpoint): for each logged store, the
// changelog offset its local state is complete up to (the next offset to read). Written
// atomically (temp file, fsync, rename) after each commit; a missing or unreadable file
// means "no local state can be trusted" and every store restores from the beginning.
//
// Format (text, one line each): "eddy-checkpoint 1", then "<topic> <partition> <offset>"
// per store, then "end <count>" so a truncated file is detected.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace eddy::state {

using ChangelogOffsets = std::map<std::pair<std::string, int32_t>, int64_t>;

class CheckpointFile {
 public:
  explicit CheckpointFile(std::filesystem::path path) : path_(std::move(path)) {}

  // nullopt when the file is missing or corrupt (corruption is logged).
  std::optional<ChangelogOffsets> read() const;
  // Replaces the file atomically. Throws StateStoreError on I/O failure.
  void write(const ChangelogOffsets& offsets) const;
  void remove() const;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace eddy::state
