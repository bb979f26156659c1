// An in-memory key-value store: an ordered map of byte strings. For tests and small state.
#pragma once

#include <map>
#include <string>

#include "eddy/state/bytes_stores.h"
#include "state/changelog.h"
#include "state/layered_store.h"

namespace eddy::state {

class InMemoryKeyValueStore final : public BytesKeyValueStore,
                                    public RestoreTarget,
                                    public LayeredStore {
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
  StateStore* wrapped() const override { return nullptr; }
  void restore_batch(std::span<const ChangelogRecord> records) override {
    for (const auto& record : records) put(record.key, record.value);
  }
  void wipe_local_state() override { map_.clear(); }

 private:
  std::string name_;
  std::map<Bytes, Bytes, std::less<>> map_;
};

}  // namespace eddy::state
