// The metered layers: the outermost layer of every store, counting operations and summing
// their latency into a StoreMetrics the metrics layer reads. One per store kind.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "eddy/state/bytes_stores.h"
#include "state/layered_store.h"
#include "state/store_metrics.h"

namespace eddy::state {
namespace detail {

// Adds the elapsed time to `sum` and bumps `count` when it goes out of scope.
class ScopedTimer {
 public:
  ScopedTimer(std::atomic<uint64_t>& count, std::atomic<uint64_t>& sum)
      : count_(count), sum_(sum), start_(std::chrono::steady_clock::now()) {}
  ~ScopedTimer() {
    const auto elapsed = std::chrono::steady_clock::now() - start_;
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(static_cast<uint64_t>(
                       std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()),
                   std::memory_order_relaxed);
  }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  std::atomic<uint64_t>& count_;
  std::atomic<uint64_t>& sum_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace detail

class MeteredKeyValueStore final : public BytesKeyValueStore, public LayeredStore {
 public:
  explicit MeteredKeyValueStore(std::unique_ptr<BytesKeyValueStore> inner)
      : inner_(std::move(inner)) {}

  StoreMetrics& metrics() { return metrics_; }
  const std::string& name() const override { return inner_->name(); }
  bool persistent() const override { return inner_->persistent(); }
  void flush() override {
    detail::ScopedTimer t(metrics_.flushes, metrics_.flush_latency_ns);
    inner_->flush();
  }
  void close() override { inner_->close(); }
  StateStore* wrapped() const override { return inner_.get(); }

  std::optional<Bytes> get(std::string_view key) override {
    detail::ScopedTimer t(metrics_.gets, metrics_.get_latency_ns);
    return inner_->get(key);
  }
  void put(std::string_view key, std::optional<std::string_view> value) override {
    if (value) {
      detail::ScopedTimer t(metrics_.puts, metrics_.put_latency_ns);
      inner_->put(key, value);
    } else {
      detail::ScopedTimer t(metrics_.deletes, metrics_.delete_latency_ns);
      inner_->put(key, value);
    }
  }
  void put_all(const std::vector<std::pair<Bytes, std::optional<Bytes>>>& entries) override {
    detail::ScopedTimer t(metrics_.puts, metrics_.put_latency_ns);
    metrics_.puts.fetch_add(entries.empty() ? 0 : entries.size() - 1, std::memory_order_relaxed);
    inner_->put_all(entries);
  }
  std::unique_ptr<KeyValueIterator> range(std::optional<std::string_view> from,
                                          std::optional<std::string_view> to) override {
    detail::ScopedTimer t(metrics_.range_scans, metrics_.range_latency_ns);
    return inner_->range(from, to);
  }
  uint64_t approximate_num_entries() override { return inner_->approximate_num_entries(); }

 private:
  std::unique_ptr<BytesKeyValueStore> inner_;
  StoreMetrics metrics_;
};

class MeteredWindowStore final : public BytesWindowStore, public LayeredStore {
 public:
  explicit MeteredWindowStore(std::unique_ptr<BytesWindowStore> inner) : inner_(std::move(inner)) {}

  StoreMetrics& metrics() { return metrics_; }
  const std::string& name() const override { return inner_->name(); }
  bool persistent() const override { return inner_->persistent(); }
  void flush() override {
    detail::ScopedTimer t(metrics_.flushes, metrics_.flush_latency_ns);
    inner_->flush();
  }
  void close() override { inner_->close(); }
  StateStore* wrapped() const override { return inner_.get(); }

  void put(std::string_view key, std::optional<std::string_view> value,
           int64_t window_start) override {
    detail::ScopedTimer t(value ? metrics_.puts : metrics_.deletes,
                          value ? metrics_.put_latency_ns : metrics_.delete_latency_ns);
    inner_->put(key, value, window_start);
  }
  std::optional<Bytes> fetch(std::string_view key, int64_t window_start) override {
    detail::ScopedTimer t(metrics_.gets, metrics_.get_latency_ns);
    return inner_->fetch(key, window_start);
  }
  std::unique_ptr<WindowIterator> fetch(std::string_view key, int64_t time_from,
                                        int64_t time_to) override {
    detail::ScopedTimer t(metrics_.range_scans, metrics_.range_latency_ns);
    return inner_->fetch(key, time_from, time_to);
  }
  std::unique_ptr<WindowIterator> fetch_range(std::optional<std::string_view> key_from,
                                              std::optional<std::string_view> key_to,
                                              int64_t time_from, int64_t time_to) override {
    detail::ScopedTimer t(metrics_.range_scans, metrics_.range_latency_ns);
    return inner_->fetch_range(key_from, key_to, time_from, time_to);
  }
  std::unique_ptr<WindowIterator> fetch_all(int64_t time_from, int64_t time_to) override {
    detail::ScopedTimer t(metrics_.range_scans, metrics_.range_latency_ns);
    return inner_->fetch_all(time_from, time_to);
  }
  int64_t retention_period() const override { return inner_->retention_period(); }

 private:
  std::unique_ptr<BytesWindowStore> inner_;
  StoreMetrics metrics_;
};

class MeteredSessionStore final : public BytesSessionStore, public LayeredStore {
 public:
  explicit MeteredSessionStore(std::unique_ptr<BytesSessionStore> inner)
      : inner_(std::move(inner)) {}

  StoreMetrics& metrics() { return metrics_; }
  const std::string& name() const override { return inner_->name(); }
  bool persistent() const override { return inner_->persistent(); }
  void flush() override {
    detail::ScopedTimer t(metrics_.flushes, metrics_.flush_latency_ns);
    inner_->flush();
  }
  void close() override { inner_->close(); }
  StateStore* wrapped() const override { return inner_.get(); }

  std::unique_ptr<SessionIterator> find_sessions(std::string_view key, int64_t earliest_session_end,
                                                 int64_t latest_session_start) override {
    detail::ScopedTimer t(metrics_.range_scans, metrics_.range_latency_ns);
    return inner_->find_sessions(key, earliest_session_end, latest_session_start);
  }
  std::optional<Bytes> fetch_session(std::string_view key, SessionWindow window) override {
    detail::ScopedTimer t(metrics_.gets, metrics_.get_latency_ns);
    return inner_->fetch_session(key, window);
  }
  void put(std::string_view key, SessionWindow window,
           std::optional<std::string_view> value) override {
    detail::ScopedTimer t(value ? metrics_.puts : metrics_.deletes,
                          value ? metrics_.put_latency_ns : metrics_.delete_latency_ns);
    inner_->put(key, window, value);
  }
  std::unique_ptr<SessionIterator> fetch(std::string_view key) override {
    detail::ScopedTimer t(metrics_.range_scans, metrics_.range_latency_ns);
    return inner_->fetch(key);
  }
  std::unique_ptr<SessionIterator> fetch_all(int64_t earliest_session_end,
                                             int64_t latest_session_end) override {
    detail::ScopedTimer t(metrics_.range_scans, metrics_.range_latency_ns);
    return inner_->fetch_all(earliest_session_end, latest_session_end);
  }
  int64_t retention_period() const override { return inner_->retention_period(); }

 private:
  std::unique_ptr<BytesSessionStore> inner_;
  StoreMetrics metrics_;
};

}  // namespace eddy::state
