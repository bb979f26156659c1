// An in-memory key-value store: an ordered map of byte strings. For tests and small state.
#pragma once

#include <map>
#include <string>

#include "eddy/state/bytes_stores.h"

namespace eddy::state {

class InMemoryKeyValueStore final : public BytesKeyValueStore {
 public:
  explicit InMemoryKeyValueStore(std::string name) : name_(std::move(name)) {}

  const std::string& name() const override { return name_; }
  bool persistent() const override { return false; }
  void flush() override {}
  void close() override {}

  std::optional<Bytes> get(std::string_view key) override;
  void put(std::string_view key, std::optional<std::string_view> value) override;
  std::unique_ptr<KeyValueIterator> range(std::optional<std::string_view> from,
                                          std::optional<std::string_view> to) override;
  uint64_t approximate_num_entries() override { return map_.size(); }

 private:
  std::string name_;
  std::map<Bytes, Bytes, std::less<>> map_;
};

}  // namespace eddy::state
