// The forwarding base of the layers that wrap every call of a store the same way (in the
// spirit of Kafka Streams' WrappedStateStore): metering (metered_stores.h: count and time each
// call) and locking (locked_stores.h: hold the store's mutex). A layer is a Guard, a class with
//
//   template <typename Call> decltype(auto) around(StoreOp op, Call&& call, uint64_t n = 1);
//
// that runs `call` (the same method on the layer below) inside whatever it adds; `n` is how
// many operations one call makes (put_all). Guarded{KeyValue,Window,Session}Store forward
// every method of their interface through it, so a new method is written once, here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "eddy/state/bytes_stores.h"
#include "state/layered_store.h"

namespace eddy::state {

// What a call does, for a guard that treats them differently (metering: which counter).
enum class StoreOp { kGet, kPut, kDelete, kRange, kFlush, kClose, kCount };

template <typename Guard>
class GuardedKeyValueStore final : public BytesKeyValueStore, public LayeredStore, public Guard {
 public:
  explicit GuardedKeyValueStore(std::unique_ptr<BytesKeyValueStore> inner)
      : inner_(std::move(inner)) {}

  const std::string& name() const override { return inner_->name(); }
  bool persistent() const override { return inner_->persistent(); }
  StateStore* wrapped() const override { return inner_.get(); }
  void flush() override {
    this->around(StoreOp::kFlush, [&] { inner_->flush(); });
  }
  void close() override {
    this->around(StoreOp::kClose, [&] { inner_->close(); });
  }

  std::optional<Bytes> get(std::string_view key) override {
    return this->around(StoreOp::kGet, [&] { return inner_->get(key); });
  }
  void put(std::string_view key, std::optional<std::string_view> value) override {
    this->around(value ? StoreOp::kPut : StoreOp::kDelete, [&] { inner_->put(key, value); });
  }
  void put_all(const std::vector<std::pair<Bytes, std::optional<Bytes>>>& entries) override {
    this->around(
        StoreOp::kPut, [&] { inner_->put_all(entries); }, entries.size());
  }
  std::unique_ptr<KeyValueIterator> range(std::optional<std::string_view> from,
                                          std::optional<std::string_view> to) override {
    return this->around(StoreOp::kRange, [&] { return inner_->range(from, to); });
  }
  uint64_t approximate_num_entries() override {
    return this->around(StoreOp::kCount, [&] { return inner_->approximate_num_entries(); });
  }

 private:
  std::unique_ptr<BytesKeyValueStore> inner_;
};

template <typename Guard>
class GuardedWindowStore final : public BytesWindowStore, public LayeredStore, public Guard {
 public:
  explicit GuardedWindowStore(std::unique_ptr<BytesWindowStore> inner) : inner_(std::move(inner)) {}

  const std::string& name() const override { return inner_->name(); }
  bool persistent() const override { return inner_->persistent(); }
  StateStore* wrapped() const override { return inner_.get(); }
  int64_t retention_period() const override { return inner_->retention_period(); }
  void flush() override {
    this->around(StoreOp::kFlush, [&] { inner_->flush(); });
  }
  void close() override {
    this->around(StoreOp::kClose, [&] { inner_->close(); });
  }

  void put(std::string_view key, std::optional<std::string_view> value,
           int64_t window_start) override {
    this->around(value ? StoreOp::kPut : StoreOp::kDelete,
                 [&] { inner_->put(key, value, window_start); });
  }
  std::optional<Bytes> fetch(std::string_view key, int64_t window_start) override {
    return this->around(StoreOp::kGet, [&] { return inner_->fetch(key, window_start); });
  }
  std::unique_ptr<WindowIterator> fetch(std::string_view key, int64_t time_from,
                                        int64_t time_to) override {
    return this->around(StoreOp::kRange, [&] { return inner_->fetch(key, time_from, time_to); });
  }
  std::unique_ptr<WindowIterator> fetch_range(std::optional<std::string_view> key_from,
                                              std::optional<std::string_view> key_to,
                                              int64_t time_from, int64_t time_to) override {
    return this->around(StoreOp::kRange,
                        [&] { return inner_->fetch_range(key_from, key_to, time_from, time_to); });
  }
  std::unique_ptr<WindowIterator> fetch_all(int64_t time_from, int64_t time_to) override {
    return this->around(StoreOp::kRange, [&] { return inner_->fetch_all(time_from, time_to); });
  }

 private:
  std::unique_ptr<BytesWindowStore> inner_;
};

template <typename Guard>
class GuardedSessionStore final : public BytesSessionStore, public LayeredStore, public Guard {
 public:
  explicit GuardedSessionStore(std::unique_ptr<BytesSessionStore> inner)
      : inner_(std::move(inner)) {}

  const std::string& name() const override { return inner_->name(); }
  bool persistent() const override { return inner_->persistent(); }
  StateStore* wrapped() const override { return inner_.get(); }
  int64_t retention_period() const override { return inner_->retention_period(); }
  void flush() override {
    this->around(StoreOp::kFlush, [&] { inner_->flush(); });
  }
  void close() override {
    this->around(StoreOp::kClose, [&] { inner_->close(); });
  }

  std::unique_ptr<SessionIterator> find_sessions(std::string_view key, int64_t earliest_session_end,
                                                 int64_t latest_session_start) override {
    return this->around(StoreOp::kRange, [&] {
      return inner_->find_sessions(key, earliest_session_end, latest_session_start);
    });
  }
  std::optional<Bytes> fetch_session(std::string_view key, SessionWindow window) override {
    return this->around(StoreOp::kGet, [&] { return inner_->fetch_session(key, window); });
  }
  void put(std::string_view key, SessionWindow window,
           std::optional<std::string_view> value) override {
    this->around(value ? StoreOp::kPut : StoreOp::kDelete,
                 [&] { inner_->put(key, window, value); });
  }
  std::unique_ptr<SessionIterator> fetch(std::string_view key) override {
    return this->around(StoreOp::kRange, [&] { return inner_->fetch(key); });
  }
  std::unique_ptr<SessionIterator> fetch_all(int64_t earliest_session_end,
                                             int64_t latest_session_end) override {
    return this->around(StoreOp::kRange, [&] {
      return inner_->fetch_all(earliest_session_end, latest_session_end);
    });
  }

 private:
  std::unique_ptr<BytesSessionStore> inner_;
};

}  // namespace eddy::state
