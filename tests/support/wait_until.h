// Polls a condition every 10 ms until it holds or the timeout passes (tests of threads and
// brokers, where a result arrives "soon" rather than at a known moment).
#pragma once

#include <chrono>
#include <thread>

namespace eddy::testing_support {

// True once `pred()` holds; false when it still does not after `timeout`.
template <typename Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace eddy::testing_support
