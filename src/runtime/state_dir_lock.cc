#include "runtime/state_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "eddy/errors.h"

namespace eddy::runtime {
namespace {

// The pid written in the lock file by its holder, or "unknown" when unreadable.
std::string holder_pid(int fd) {
  char buffer[32] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  std::string text(buffer, n > 0 ? static_cast<size_t>(n) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return "unknown";
  return text;
}

}  // namespace

StateDirLock::StateDirLock(std::string folder) : folder_(std::move(folder)) {
  const std::string path = folder_ + "/.lock";
  // O_CLOEXEC: a program the host execs does not inherit (and so keep) the lock.
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    throw StateStoreError("cannot open the state directory's lock file " + path + ": " +
                          std::strerror(errno));
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    const std::string pid = holder_pid(fd_);
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK) {
      const std::string owner = pid == std::to_string(::getpid())
                                    ? "another KafkaStreams in this process (pid " + pid + ")"
                                    : "another instance (pid " + pid + ")";
      throw StateStoreError("state directory " + folder_ + " is in use by " + owner +
                            "; each instance of an application needs its own state.dir (two on "
                            "one folder would share a transactional.id and fence each other)");
    }
    throw StateStoreError("cannot lock the state directory " + folder_ + ": " +
                          std::strerror(error));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 ||
      ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    // The lock holds anyway; only a refused instance's message would lack the pid.
  }
}

StateDirLock::~StateDirLock() {
  // Closing the descriptor releases the flock. The file stays: removing it would let a third
  // instance lock a new file while a second still waits on the old one.
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace eddy::runtime
