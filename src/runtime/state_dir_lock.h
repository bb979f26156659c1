// The instance lock on an application's state folder: one KafkaStreams instance at a time
// may use <state.dir>/<application.id>.
//
//   StateDirLock lock(config.state_dir + "/" + config.application_id);  // throws if taken
//   ... run; the lock is released when `lock` is destroyed (or the process dies) ...
//
// Two instances on one folder would share its process-id file, so a transactional.id, and
// fence each other (and would write the same RocksDB stores and checkpoints). The lock is an
// flock(2) on <folder>/.lock, which the kernel releases when the holder exits, even by
// SIGKILL, so a crash never leaves a stale lock behind. The file also holds the holder's pid,
// which the refusal names.
#pragma once

#include <string>

namespace eddy::runtime {

class StateDirLock {
 public:
  // Takes the lock on `folder` (which must exist), or throws StateStoreError naming the
  // folder and the pid of the instance holding it.
  explicit StateDirLock(std::string folder);
  ~StateDirLock();
  StateDirLock(const StateDirLock&) = delete;
  StateDirLock& operator=(const StateDirLock&) = delete;

  const std::string& folder() const { return folder_; }

 private:
  std::string folder_;
  int fd_ = -1;
};

}  // namespace eddy::runtime
