// Shared helpers for the state-store unit tests: a temporary task folder and readers that
// turn the byte-level iterators into vectors to compare.
#pragma once

#include <unistd.h>
#include <atomic>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "eddy/state/bytes_stores.h"
#include "state/memory_budget.h"
#include "state/memory_changelog.h"
#include "state/store_context.h"

namespace eddy::state::testing {

// A fresh folder under the system temp dir, removed when the object goes away.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("eddy-state-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The task whose stores a restore-style test builds and rebuilds: task 1_0 of "app", logging
// to a changelog in memory, its record time set by the test, a 32 MiB budget with a 1 MiB
// record cache, and a folder for the persistent stores.
class LoggedTaskFixture {
 protected:
  StoreContext context() {
    StoreContext c;
    c.application_id = "app";
    c.task_id = "1_0";
    c.partition = 0;
    c.changelog = &changelog_;
    c.record_timestamp = [this] { return record_time_; };
    c.memory_budget = &budget_;
    return c;
  }

  TempDir dir_;
  MemoryBudget budget_{{.total_bytes = 32 << 20, .record_cache_bytes = 1 << 20}};
  MemoryChangelog changelog_;
  int64_t record_time_ = 0;
};

using KeyValues = std::vector<std::pair<std::string, std::string>>;
using Windows = std::vector<std::tuple<std::string, int64_t, std::string>>;
using Sessions = std::vector<std::tuple<std::string, int64_t, int64_t, std::string>>;

inline KeyValues drain(std::unique_ptr<KeyValueIterator> it) {
  KeyValues out;
  for (; it->valid(); it->next()) out.emplace_back(it->key(), it->value());
  return out;
}
inline Windows drain(std::unique_ptr<WindowIterator> it) {
  Windows out;
  for (; it->valid(); it->next()) out.emplace_back(it->key(), it->window_start(), it->value());
  return out;
}
inline Sessions drain(std::unique_ptr<SessionIterator> it) {
  Sessions out;
  for (; it->valid(); it->next()) {
    out.emplace_back(it->key(), it->window().start, it->window().end, it->value());
  }
  return out;
}

}  // namespace eddy::state::testing
