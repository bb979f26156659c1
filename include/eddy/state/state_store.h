// eddy/state/state_store.h — what every state store is, and the byte-level iterators.
//
// Stores are layered like Kafka Streams' (metered -> caching -> change-logging -> inner
// RocksDB or in-memory store). Every layer implements the same byte-level interface, so a
// decorator wraps any inner store. Processors see typed wrappers (key_value_store.h,
// window_store.h, session_store.h) that add serdes on top.
//
// Thread-safety: a store belongs to one task and is used by that task's thread only;
// queries from other threads go through read-only views that the runtime makes safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "eddy/serde/serde.h"

namespace eddy {

class StateStore {
 public:
  virtual ~StateStore() = default;
  virtual const std::string& name() const = 0;
  // True when the store keeps its data on disk (RocksDB) and can skip a full restore.
  virtual bool persistent() const = 0;
  // Pushes buffered writes down (cache -> inner store and changelog). Called at commit.
  virtual void flush() = 0;
  virtual void close() = 0;
};

// Iterates key/value pairs in ascending byte order of the serialized key.
class KeyValueIterator {
 public:
  virtual ~KeyValueIterator() = default;
  virtual bool valid() const = 0;
  virtual void next() = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
};

// Iterates windowed entries: ascending by (key bytes, window start) unless stated otherwise.
class WindowIterator {
 public:
  virtual ~WindowIterator() = default;
  virtual bool valid() const = 0;
  virtual void next() = 0;
  virtual std::string_view key() const = 0;
  virtual int64_t window_start() const = 0;
  virtual std::string_view value() const = 0;
};

// A session's bounds: the timestamps of its first and last record (inclusive).
struct SessionWindow {
  int64_t start = 0;
  int64_t end = 0;
  auto operator<=>(const SessionWindow&) const = default;
};

class SessionIterator {
 public:
  virtual ~SessionIterator() = default;
  virtual bool valid() const = 0;
  virtual void next() = 0;
  virtual std::string_view key() const = 0;
  virtual SessionWindow window() const = 0;
  virtual std::string_view value() const = 0;
};

}  // namespace eddy
