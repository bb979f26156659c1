// The instance lock on an application's state folder (runtime/state_dir_lock.h).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "eddy/errors.h"
#include "runtime/state_dir_lock.h"

namespace eddy::runtime {
namespace {

std::filesystem::path fresh_folder(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("eddy-lock-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string refusal(const std::filesystem::path& dir) {
  try {
    StateDirLock second(dir.string());
  } catch (const StateStoreError& e) {
    return e.what();
  }
  return "";
}

TEST(StateDirLock, SecondHolderInOneProcessIsRefusedNamingTheFolder) {
  const auto dir = fresh_folder("same-process");
  {
    StateDirLock first(dir.string());
    const std::string message = refusal(dir);
    ASSERT_FALSE(message.empty()) << "a second lock on one folder was granted";
    EXPECT_NE(message.find(dir.string()), std::string::npos) << message;
    EXPECT_NE(message.find("pid " + std::to_string(::getpid())), std::string::npos) << message;
    EXPECT_NE(message.find("in this process"), std::string::npos) << message;
  }
  // Released with its holder: the folder can be locked again.
  EXPECT_EQ(refusal(dir), "");
  std::filesystem::remove_all(dir);
}

TEST(StateDirLock, HeldByAnotherProcessUntilItIsKilled) {
  const auto dir = fresh_folder("other-process");
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const std::string lock_file = (dir / ".lock").string();
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Only async-signal-safe calls after fork(): lock as the runtime does, then wait.
    const int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT, 0600);
    if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) ::_exit(2);
    char pid[16];
    int n = 0;
    for (pid_t p = ::getpid(); p > 0; p /= 10) pid[n++] = static_cast<char>('0' + p % 10);
    for (int i = 0; i < n / 2; ++i) std::swap(pid[i], pid[n - 1 - i]);
    if (::write(fd, pid, static_cast<size_t>(n)) != n) ::_exit(3);
    if (::write(ready[1], "x", 1) != 1) ::_exit(4);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1) << "the child could not take the lock";
  ::close(ready[0]);

  const std::string message = refusal(dir);
  EXPECT_NE(message.find(dir.string()), std::string::npos) << message;
  EXPECT_NE(message.find("another instance (pid " + std::to_string(child) + ")"), std::string::npos)
      << message;

  // SIGKILL leaves no stale lock: the kernel drops it with the process.
  ::kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_EQ(refusal(dir), "");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace eddy::runtime
