// The outermost layer of a store that interactive queries may read: one mutex per store,
// recursive because a cache flush listener may read the store it is flushed from,
// taken by every call, from the task thread and from query threads alike. A plain mutex
// (not shared): even "reads" change the record cache (a miss is cached), so two readers
// must not overlap either. Uncontended it costs a few tens of nanoseconds per call.
// The task thread's iterators are created under the lock and used after it (only that
// thread writes, so nothing changes under them); queries hold lock() while they iterate.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "eddy/state/bytes_stores.h"
#include "state/layered_store.h"

namespace eddy::state {

class LockedKeyValueStore final : public BytesKeyValueStore, public LayeredStore {
 public:
  explicit LockedKeyValueStore(std::unique_ptr<BytesKeyValueStore> inner)
      : inner_(std::move(inner)) {}
  const std::string& name() const override { return inner_->name(); }
  bool persistent() const override { return inner_->persistent(); }
  void flush() override {
    std::lock_guard lock(mutex_);
    inner_->flush();
  }
  void close() override {
    std::lock_guard lock(mutex_);
    inner_->close();
  }
  StateStore* wrapped() const override { return inner_.get(); }
  // Held by a query for the whole of its iteration, so it never reads concurrently with the
  // task thread's writes (not even inside RocksDB's memtable).
  std::unique_lock<std::recursive_mutex> lock() { return std::unique_lock(mutex_); }
  std::optional<Bytes> get(std::string_view key) override {
    std::lock_guard lock(mutex_);
    return inner_->get(key);
  }
  void put(std::string_view key, std::optional<std::string_view> value) override {
    std::lock_guard lock(mutex_);
    inner_->put(key, value);
  }
  void put_all(const std::vector<std::pair<Bytes, std::optional<Bytes>>>& entries) override {
    std::lock_guard lock(mutex_);
    inner_->put_all(entries);
  }
  std::unique_ptr<KeyValueIterator> range(std::optional<std::string_view> from,
                                          std::optional<std::string_view> to) override {
    std::lock_guard lock(mutex_);
    return inner_->range(from, to);
  }
  uint64_t approximate_num_entries() override {
    std::lock_guard lock(mutex_);
    return inner_->approximate_num_entries();
  }

 private:
  std::recursive_mutex mutex_;
  std::unique_ptr<BytesKeyValueStore> inner_;
};

class LockedWindowStore final : public BytesWindowStore, public LayeredStore {
 public:
  explicit LockedWindowStore(std::unique_ptr<BytesWindowStore> inner) : inner_(std::move(inner)) {}
  const std::string& name() const override { return inner_->name(); }
  bool persistent() const override { return inner_->persistent(); }
  void flush() override {
    std::lock_guard lock(mutex_);
    inner_->flush();
  }
  void close() override {
    std::lock_guard lock(mutex_);
    inner_->close();
  }
  StateStore* wrapped() const override { return inner_.get(); }
  // Held by a query for the whole of its iteration, so it never reads concurrently with the
  // task thread's writes (not even inside RocksDB's memtable).
  std::unique_lock<std::recursive_mutex> lock() { return std::unique_lock(mutex_); }
  void put(std::string_view key, std::optional<std::string_view> value,
           int64_t window_start) override {
    std::lock_guard lock(mutex_);
    inner_->put(key, value, window_start);
  }
  std::optional<Bytes> fetch(std::string_view key, int64_t window_start) override {
    std::lock_guard lock(mutex_);
    return inner_->fetch(key, window_start);
  }
  std::unique_ptr<WindowIterator> fetch(std::string_view key, int64_t time_from,
                                        int64_t time_to) override {
    std::lock_guard lock(mutex_);
    return inner_->fetch(key, time_from, time_to);
  }
  std::unique_ptr<WindowIterator> fetch_range(std::optional<std::string_view> key_from,
                                              std::optional<std::string_view> key_to,
                                              int64_t time_from, int64_t time_to) override {
    std::lock_guard lock(mutex_);
    return inner_->fetch_range(key_from, key_to, time_from, time_to);
  }
  std::unique_ptr<WindowIterator> fetch_all(int64_t time_from, int64_t time_to) override {
    std::lock_guard lock(mutex_);
    return inner_->fetch_all(time_from, time_to);
  }
  int64_t retention_period() const override { return inner_->retention_period(); }

 private:
  std::recursive_mutex mutex_;
  std::unique_ptr<BytesWindowStore> inner_;
};

class LockedSessionStore final : public BytesSessionStore, public LayeredStore {
 public:
  explicit LockedSessionStore(std::unique_ptr<BytesSessionStore> inner)
      : inner_(std::move(inner)) {}
  const std::string& name() const override { return inner_->name(); }
  bool persistent() const override { return inner_->persistent(); }
  void flush() override {
    std::lock_guard lock(mutex_);
    inner_->flush();
  }
  void close() override {
    std::lock_guard lock(mutex_);
    inner_->close();
  }
  StateStore* wrapped() const override { return inner_.get(); }
  // Held by a query for the whole of its iteration, so it never reads concurrently with the
  // task thread's writes (not even inside RocksDB's memtable).
  std::unique_lock<std::recursive_mutex> lock() { return std::unique_lock(mutex_); }
  std::unique_ptr<SessionIterator> find_sessions(std::string_view key, int64_t earliest_session_end,
                                                 int64_t latest_session_start) override {
    std::lock_guard lock(mutex_);
    return inner_->find_sessions(key, earliest_session_end, latest_session_start);
  }
  std::optional<Bytes> fetch_session(std::string_view key, SessionWindow window) override {
    std::lock_guard lock(mutex_);
    return inner_->fetch_session(key, window);
  }
  void put(std::string_view key, SessionWindow window,
           std::optional<std::string_view> value) override {
    std::lock_guard lock(mutex_);
    inner_->put(key, window, value);
  }
  std::unique_ptr<SessionIterator> fetch(std::string_view key) override {
    std::lock_guard lock(mutex_);
    return inner_->fetch(key);
  }
  std::unique_ptr<SessionIterator> fetch_all(int64_t earliest_session_end,
                                             int64_t latest_session_end) override {
    std::lock_guard lock(mutex_);
    return inner_->fetch_all(earliest_session_end, latest_session_end);
  }
  int64_t retention_period() const override { return inner_->retention_period(); }

 private:
  std::recursive_mutex mutex_;
  std::unique_ptr<BytesSessionStore> inner_;
};

}  // namespace eddy::state
