// The window store facade: BytesWindowStore over a SegmentedBytesStore stack (caching ->
// change-logging -> memory or RocksDB segments), with Kafka Streams' key layout and reads
// clamped to the retention period behind the observed stream time.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "eddy/state/bytes_stores.h"
#include "state/layered_store.h"
#include "state/segmented_store.h"
#include "state/store_metrics.h"

namespace eddy::state {

class SegmentedWindowStore final : public BytesWindowStore, public LayeredStore {
 public:
  // `time_ordered_reads`: StoreSpec::time_ordered_reads.
  SegmentedWindowStore(std::unique_ptr<SegmentedBytesStore> segments, bool retain_duplicates,
                       bool time_ordered_reads = false)
      : inner_(std::move(segments)),
        retain_duplicates_(retain_duplicates),
        time_ordered_reads_(time_ordered_reads) {}

  const std::string& name() const override { return inner_->name(); }
  bool persistent() const override { return inner_->persistent(); }
  void flush() override { inner_->flush(); }
  void close() override { inner_->close(); }
  StateStore* wrapped() const override { return inner_.get(); }
  // Erasing: reads are not clamped to the retention period (an erasure also removes the
  // windows past it that a live segment still holds), and a store that retains duplicates
  // deletes every duplicate of a window.
  void set_erasing(bool on) override {
    erasing_ = on;
    LayeredStore::set_erasing(on);
  }

  void put(std::string_view key, std::optional<std::string_view> value,
           int64_t window_start) override;
  std::optional<Bytes> fetch(std::string_view key, int64_t window_start) override;
  std::unique_ptr<WindowIterator> fetch(std::string_view key, int64_t time_from,
                                        int64_t time_to) override;
  std::unique_ptr<WindowIterator> fetch_range(std::optional<std::string_view> key_from,
                                              std::optional<std::string_view> key_to,
                                              int64_t time_from, int64_t time_to) override;
  std::unique_ptr<WindowIterator> fetch_all(int64_t time_from, int64_t time_to) override;
  int64_t retention_period() const override { return inner_->segments().retention_ms; }

  // Counts each put older than the retention behind the store's stream time (reads never
  // return it) in metrics->expired_records, and reports to `dropped` (with the store's name)
  // each put Kafka Streams' window store counts in the task's dropped records: one into a
  // segment already dropped (RocksDB, AbstractRocksDBSegmentedBytesStore), one older than the
  // retention (in memory, InMemoryWindowStore).
  void count_expired_in(StoreMetrics* metrics,
                        std::function<void(const std::string& store)> dropped = {}) {
    metrics_ = metrics;
    dropped_ = std::move(dropped);
  }

 private:
  int64_t stream_time() const;
  void seed_seqnum();
  // The oldest window start reads see.
  int64_t min_visible_start() const;
  std::unique_ptr<WindowIterator> scan(std::optional<std::string_view> key_from,
                                       std::optional<std::string_view> key_to, int64_t time_from,
                                       int64_t time_to);

  std::unique_ptr<SegmentedBytesStore> inner_;
  bool retain_duplicates_;
  bool time_ordered_reads_;
  uint32_t seqnum_ = 0;
  bool seqnum_seeded_ = false;
  bool erasing_ = false;
  StoreMetrics* metrics_ = nullptr;
  std::function<void(const std::string& store)> dropped_;
  int64_t put_stream_time_ = kNoStreamTime;
};

}  // namespace eddy::state
