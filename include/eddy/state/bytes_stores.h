// eddy/state/bytes_stores.h — the byte-level store interfaces every store layer implements.
//
// Keys and values are raw bytes; a missing value (std::nullopt) in put() deletes. Range
// bounds are inclusive, as in Kafka Streams; std::nullopt means unbounded. Users rarely
// touch these: processors use the typed stores, which wrap them with serdes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eddy/state/state_store.h"

namespace eddy {

class BytesKeyValueStore : public StateStore {
 public:
  virtual std::optional<Bytes> get(std::string_view key) = 0;
  // nullopt value deletes the key.
  virtual void put(std::string_view key, std::optional<std::string_view> value) = 0;
  virtual void put_all(const std::vector<std::pair<Bytes, std::optional<Bytes>>>& entries) {
    for (const auto& [key, value] : entries) {
      put(key, value ? std::optional<std::string_view>(*value) : std::nullopt);
    }
  }
  // Keys in [from, to], ascending; nullopt bounds are open.
  virtual std::unique_ptr<KeyValueIterator> range(std::optional<std::string_view> from,
                                                  std::optional<std::string_view> to) = 0;
  std::unique_ptr<KeyValueIterator> all() { return range(std::nullopt, std::nullopt); }
  virtual uint64_t approximate_num_entries() = 0;
};

class BytesWindowStore : public StateStore {
 public:
  // nullopt value deletes the entry (key, window_start).
  virtual void put(std::string_view key, std::optional<std::string_view> value,
                   int64_t window_start) = 0;
  virtual std::optional<Bytes> fetch(std::string_view key, int64_t window_start) = 0;
  // Windows of `key` whose start is in [time_from, time_to], ascending by start.
  virtual std::unique_ptr<WindowIterator> fetch(std::string_view key, int64_t time_from,
                                                int64_t time_to) = 0;
  // Windows of keys in [key_from, key_to] (nullopt: open) with start in [time_from, time_to].
  virtual std::unique_ptr<WindowIterator> fetch_range(std::optional<std::string_view> key_from,
                                                      std::optional<std::string_view> key_to,
                                                      int64_t time_from, int64_t time_to) = 0;
  virtual std::unique_ptr<WindowIterator> fetch_all(int64_t time_from, int64_t time_to) = 0;
  // How long windows are kept, counted back from the store's observed stream time.
  virtual int64_t retention_period() const = 0;
};

class BytesSessionStore : public StateStore {
 public:
  // Sessions of `key` with end >= earliest_session_end and start <= latest_session_start,
  // ascending by (end, start) — the candidates a new record at time t may merge with are
  // find_sessions(key, t - gap, t + gap).
  virtual std::unique_ptr<SessionIterator> find_sessions(std::string_view key,
                                                         int64_t earliest_session_end,
                                                         int64_t latest_session_start) = 0;
  virtual std::optional<Bytes> fetch_session(std::string_view key, SessionWindow window) = 0;
  // nullopt value removes the session.
  virtual void put(std::string_view key, SessionWindow window,
                   std::optional<std::string_view> value) = 0;
  void remove(std::string_view key, SessionWindow window) { put(key, window, std::nullopt); }
  // Every session of `key`, ascending.
  virtual std::unique_ptr<SessionIterator> fetch(std::string_view key) = 0;
  // Sessions of every key with end in [earliest_session_end, latest_session_end], ascending by
  // (end, start, key bytes): the order of Kafka Streams' time-ordered session store. Unlike
  // find_sessions() it is not clamped to the retention period, only to the segments not yet
  // dropped: it serves the emit strategy on_window_close, whose sessions are exactly the ones
  // that just left the retention period (closed: end < stream time - gap - grace).
  virtual std::unique_ptr<SessionIterator> fetch_all(int64_t earliest_session_end,
                                                     int64_t latest_session_end) = 0;
  virtual int64_t retention_period() const = 0;
};

}  // namespace eddy
