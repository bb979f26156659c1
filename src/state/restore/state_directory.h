// The state directory: <state.dir>/<application.id>/<task_id>, created 0700, and locked with
// flock() so a second instance on the same folder fails fast instead of corrupting it.
//
//   auto lock = TaskDirectoryLock::acquire("/var/lib/eddy", "retail-app", "0_3");
//   context.task_dir = lock.path();
#pragma once

#include <filesystem>
#include <string>

namespace eddy::state {

class TaskDirectoryLock {
 public:
  // Creates the folders (0700) and takes an exclusive lock on <task dir>/.lock. Throws
  // StateStoreError naming the folder when another process (or another lock object in this
  // process) holds it.
  static TaskDirectoryLock acquire(const std::filesystem::path& state_dir,
                                   const std::string& application_id, const std::string& task_id);

  TaskDirectoryLock(TaskDirectoryLock&& other) noexcept;
  TaskDirectoryLock& operator=(TaskDirectoryLock&& other) noexcept;
  TaskDirectoryLock(const TaskDirectoryLock&) = delete;
  TaskDirectoryLock& operator=(const TaskDirectoryLock&) = delete;
  ~TaskDirectoryLock();  // releases the lock

  const std::filesystem::path& path() const { return path_; }

 private:
  TaskDirectoryLock(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::filesystem::path path_;
  int fd_ = -1;
};

// Creates `dir` and any missing parents with mode 0700 (existing folders are left alone).
void create_private_directories(const std::filesystem::path& dir);

}  // namespace eddy::state
