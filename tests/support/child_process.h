// Running a test application as a child process that a test can SIGKILL and restart.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace eddy::testing_support {

class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path) {
    pid_ = fork();
    if (pid_ == 0) {
      FILE* log = std::fopen(log_path.c_str(), "a");
      if (log != nullptr) {
        dup2(fileno(log), STDOUT_FILENO);
        dup2(fileno(log), STDERR_FILENO);
      }
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
  }
  ~ChildProcess() {
    if (running()) kill_hard();
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool running() const { return pid_ > 0 && !exited_; }
  void kill_hard() { signal_and_wait(SIGKILL); }
  // SIGTERM and wait; the exit status (or -1 when killed by a signal).
  int terminate() { return signal_and_wait(SIGTERM); }
  // SIGTERM and wait at most `timeout`: the exit status, or kTimedOut (the process is then
  // SIGKILLed) when it did not end in time.
  static constexpr int kTimedOut = -2;
  int terminate_within(std::chrono::milliseconds timeout) {
    if (!running()) return status_;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        kill_hard();
        status_ = kTimedOut;
        return status_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    exited_ = true;
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return status_;
  }
  // SIGSTOP / SIGCONT: a process that stops answering (a long GC pause, a frozen VM).
  void pause() { ::kill(pid_, SIGSTOP); }
  void resume() { ::kill(pid_, SIGCONT); }

 private:
  int signal_and_wait(int sig) {
    if (!running()) return status_;
    ::kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    exited_ = true;
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return status_;
  }
  pid_t pid_ = -1;
  bool exited_ = false;
  int status_ = -1;
};

}  // namespace eddy::testing_support
