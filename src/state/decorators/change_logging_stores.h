// The change-logging layers: every change that reaches the inner store is also sent to the
// store's changelog topic (<application.id>-<store>-changelog) on the task's partition, with
// the timestamp of the record that made it. Reads pass through. The key-value layer accepts
// timestamped batches from the cache (one inner write batch, per-record timestamps).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "eddy/state/bytes_stores.h"
#include "state/changelog.h"
#include "state/decorators/timestamped_batch.h"
#include "state/layered_store.h"
#include "state/segmented_store.h"

namespace eddy::state {

struct ChangelogTarget {
  ChangelogWriter* writer = nullptr;
  std::string topic;
  int32_t partition = 0;
  std::function<int64_t()> record_timestamp;  // unset: 0 (key-value) / segment time

  void log(std::string_view key, std::optional<std::string_view> value, int64_t timestamp) const {
    writer->log(topic, partition, key, value, timestamp);
  }
  void log_erasure(std::string_view key, int64_t timestamp) const {
    writer->log_erasure(topic, partition, key, timestamp);
  }
};

class ChangeLoggingKeyValueStore final : public BytesKeyValueStore,
                                         public TimestampedBatchWriter,
                                         public LayeredStore {
 public:
  ChangeLoggingKeyValueStore(std::unique_ptr<BytesKeyValueStore> inner, ChangelogTarget target)
      : inner_(std::move(inner)), target_(std::move(target)) {}

  const std::string& name() const override { return inner_->name(); }
  bool persistent() const override { return inner_->persistent(); }
  void flush() override { inner_->flush(); }
  void close() override { inner_->close(); }
  StateStore* wrapped() const override { return inner_.get(); }

  std::optional<Bytes> get(std::string_view key) override { return inner_->get(key); }
  void put(std::string_view key, std::optional<std::string_view> value) override {
    inner_->put(key, value);
    target_.log(key, value, target_.record_timestamp ? target_.record_timestamp() : 0);
  }
  void put_all(const std::vector<std::pair<Bytes, std::optional<Bytes>>>& entries) override {
    inner_->put_all(entries);
    const int64_t timestamp = target_.record_timestamp ? target_.record_timestamp() : 0;
    for (const auto& [key, value] : entries) {
      target_.log(key, value ? std::optional<std::string_view>(*value) : std::nullopt, timestamp);
    }
  }
  void write_batch(std::span<const StoreWrite> writes) override {
    std::vector<std::pair<Bytes, std::optional<Bytes>>> batch;
    batch.reserve(writes.size());
    for (const auto& w : writes) batch.emplace_back(w.key, w.value);
    inner_->put_all(batch);
    for (const auto& w : writes) {
      target_.log(w.key, w.value ? std::optional<std::string_view>(*w.value) : std::nullopt,
                  w.changelog_timestamp());
    }
  }
  std::unique_ptr<KeyValueIterator> range(std::optional<std::string_view> from,
                                          std::optional<std::string_view> to) override {
    return inner_->range(from, to);
  }
  uint64_t approximate_num_entries() override { return inner_->approximate_num_entries(); }

 private:
  std::unique_ptr<BytesKeyValueStore> inner_;
  ChangelogTarget target_;
};

class ChangeLoggingSegmentedStore final : public SegmentedBytesStore, public LayeredStore {
 public:
  ChangeLoggingSegmentedStore(std::unique_ptr<SegmentedBytesStore> inner, ChangelogTarget target)
      : inner_(std::move(inner)), target_(std::move(target)) {}

  const std::string& name() const override { return inner_->name(); }
  bool persistent() const override { return inner_->persistent(); }
  void flush() override { inner_->flush(); }
  void close() override { inner_->close(); }
  StateStore* wrapped() const override { return inner_.get(); }

  void put(std::string_view key, std::optional<std::string_view> value,
           int64_t timestamp) override {
    inner_->put(key, value, timestamp);
    target_.log(key, value, target_.record_timestamp ? target_.record_timestamp() : timestamp);
  }
  void put_all(std::span<const StoreWrite> writes) override {
    inner_->put_all(writes);
    for (const auto& w : writes) {
      target_.log(w.key, w.value ? std::optional<std::string_view>(*w.value) : std::nullopt,
                  w.changelog_timestamp());
    }
  }
  std::optional<Bytes> get(std::string_view key, int64_t timestamp) override {
    return inner_->get(key, timestamp);
  }
  std::vector<KeyValueBytes> range(std::string_view from, std::optional<std::string_view> to,
                                   int64_t time_from, int64_t time_to) override {
    return inner_->range(from, to, time_from, time_to);
  }
  int64_t observed_stream_time() const override { return inner_->observed_stream_time(); }
  const Segments& segments() const override { return inner_->segments(); }

 private:
  std::unique_ptr<SegmentedBytesStore> inner_;
  ChangelogTarget target_;
};

}  // namespace eddy::state
