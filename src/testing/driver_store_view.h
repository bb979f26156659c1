// A byte-level key-value store over every task's instance of one store, for the test driver:
// reads see all partitions, writes go to the partition of the key. For timestamped stores
// (tables, aggregations) it strips / adds the 8-byte timestamp prefix.
#pragma once

#include <vector>

#include "eddy/state/bytes_stores.h"

namespace eddy::testing {

class DriverStoreView final : public BytesKeyValueStore {
 public:
  DriverStoreView(std::string name, std::vector<BytesKeyValueStore*> partitions, bool timestamped)
      : name_(std::move(name)), partitions_(std::move(partitions)), timestamped_(timestamped) {}

  const std::string& name() const override { return name_; }
  bool persistent() const override { return false; }
  void flush() override {}
  void close() override {}
  std::optional<Bytes> get(std::string_view key) override;
  void put(std::string_view key, std::optional<std::string_view> value) override;
  std::unique_ptr<KeyValueIterator> range(std::optional<std::string_view> from,
                                          std::optional<std::string_view> to) override;
  uint64_t approximate_num_entries() override;

 private:
  std::string name_;
  std::vector<BytesKeyValueStore*> partitions_;
  bool timestamped_;
};

}  // namespace eddy::testing
