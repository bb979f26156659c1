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

// Returns `read()` once it does not throw E, retrying every 10 ms for up to `timeout` (then E
// goes through): a store query while the instance rebalances throws InvalidStateStoreError,
// which callers retry.
template <typename E, typename Read>
auto retry_on(Read read, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    try {
      return read();
    } catch (const E&) {
      if (std::chrono::steady_clock::now() > deadline) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

}  // namespace eddy::testing_support
