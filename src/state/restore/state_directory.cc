#include "state/restore/state_directory.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "eddy/errors.h"

namespace eddy::state {

void create_private_directories(const std::filesystem::path& dir) {
  std::filesystem::path current;
  for (const auto& part : dir) {
    current /= part;
    if (::mkdir(current.c_str(), 0700) != 0 && errno != EEXIST) {
      throw StateStoreError("state directory " + current.string() +
                            ": mkdir: " + std::strerror(errno));
    }
  }
}

TaskDirectoryLock TaskDirectoryLock::acquire(const std::filesystem::path& state_dir,
                                             const std::string& application_id,
                                             const std::string& task_id) {
  const std::filesystem::path path = state_dir / application_id / task_id;
  create_private_directories(path);
  const std::filesystem::path lock_file = path / ".lock";
  const int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    throw StateStoreError("state directory " + path.string() +
                          ": open lock: " + std::strerror(errno));
  // flock locks belong to the open file description, so even a second open in this process
  // conflicts: two tasks can never share a folder.
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int saved = errno;
    ::close(fd);
    if (saved == EWOULDBLOCK) {
      throw StateStoreError("state directory " + path.string() +
                            " is locked by another Eddy instance (same application.id and "
                            "state.dir?); give each instance its own state.dir");
    }
    throw StateStoreError("state directory " + path.string() + ": flock: " + std::strerror(saved));
  }
  return TaskDirectoryLock(path, fd);
}

TaskDirectoryLock::TaskDirectoryLock(TaskDirectoryLock&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

TaskDirectoryLock& TaskDirectoryLock::operator=(TaskDirectoryLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

TaskDirectoryLock::~TaskDirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}

}  // namespace eddy::state
