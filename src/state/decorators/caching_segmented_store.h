// The record cache in front of a window or session store's segmented bytes: the same
// contract as CachingKeyValueStore (latest value per binary key, flushed on commit or when
// the record caches are over budget, a flush listener per flushed entry), reads overlaying
// the dirty entries on the layer below. Only writes are cached here.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "state/layered_store.h"
#include "state/memory_budget.h"
#include "state/segmented_store.h"

namespace eddy::state {

class CachingSegmentedStore final : public SegmentedBytesStore, public LayeredStore {
 public:
  CachingSegmentedStore(std::unique_ptr<SegmentedBytesStore> inner, MemoryBudget& budget,
                        std::function<int64_t()> record_timestamp);
  ~CachingSegmentedStore() override;

  const std::string& name() const override { return inner_->name(); }
  bool persistent() const override { return inner_->persistent(); }
  void flush() override;
  void close() override;
  StateStore* wrapped() const override { return inner_.get(); }
  bool set_cache_flush_listener(CacheFlushListener listener, bool send_old_values) override;

  void put(std::string_view key, std::optional<std::string_view> value, int64_t timestamp) override;
  std::optional<Bytes> get(std::string_view key, int64_t timestamp) override;
  std::vector<KeyValueBytes> range(std::string_view from, std::optional<std::string_view> to,
                                   int64_t time_from, int64_t time_to) override;
  int64_t observed_stream_time() const override {
    return std::max(stream_time_, inner_->observed_stream_time());
  }
  const Segments& segments() const override { return inner_->segments(); }

  void flush_cache();

 private:
  struct Entry {
    std::optional<Bytes> value;
    int64_t timestamp = 0;         // segment timestamp (window start / session end)
    int64_t record_timestamp = 0;  // for the changelog and the listener
  };
  void account(int64_t delta);
  void evict_if_full();

  std::unique_ptr<SegmentedBytesStore> inner_;
  MemoryBudget& budget_;
  std::function<int64_t()> record_timestamp_;
  std::map<Bytes, Entry, std::less<>> dirty_;
  int64_t bytes_ = 0;
  int64_t stream_time_ = kNoStreamTime;
  CacheFlushListener listener_;
  bool send_old_values_ = false;
  bool flushing_ = false;
};

}  // namespace eddy::state
