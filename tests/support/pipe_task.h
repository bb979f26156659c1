// A minimal Task for testing the stream thread without a topology: it copies each input
// record to `<topic>.out` (same key and partition, value upper-cased) and keeps offsets.
#pragma once

#include <algorithm>
#include <atomic>
#include <cctype>
#include <deque>
#include <map>

#include "runtime/task_factory.h"

namespace eddy::testing_support {

class PipeTask final : public runtime::Task {
 public:
  PipeTask(runtime::TaskId id, std::vector<kafka::TopicPartition> partitions,
           kafka::Producer* producer)
      : id_(id), partitions_(std::move(partitions)), producer_(producer) {}

  const runtime::TaskId& id() const override { return id_; }
  const std::vector<kafka::TopicPartition>& input_partitions() const override {
    return partitions_;
  }
  void initialize() override {}
  void add_records(const kafka::TopicPartition& tp, std::span<kafka::Message> records) override {
    auto& queue = buffers_[tp];
    for (auto& m : records) queue.push_back(std::move(m));
  }
  size_t buffered(const kafka::TopicPartition& tp) const override {
    auto it = buffers_.find(tp);
    return it == buffers_.end() ? 0 : it->second.size();
  }
  size_t process(size_t max_records, std::chrono::steady_clock::time_point) override {
    size_t done = 0;
    for (auto& [tp, queue] : buffers_) {
      while (!queue.empty() && done < max_records) {
        const kafka::Message& m = queue.front();
        std::string value(m.value().value_or(""));
        std::transform(value.begin(), value.end(), value.begin(),
                       [](unsigned char c) { return std::toupper(c); });
        const std::string topic = tp.topic + ".out";
        producer_->send({.topic = topic,
                         .partition = tp.partition,
                         .key = m.key(),
                         .value = value,
                         .timestamp = m.timestamp()});
        next_offset_[tp] = m.offset() + 1;
        queue.pop_front();
        ++done;
      }
    }
    return done;
  }
  bool punctuate_wall_clock(int64_t) override { return false; }
  void prepare_commit() override {}
  std::vector<kafka::TopicPartitionOffset> committable_offsets() const override {
    std::vector<kafka::TopicPartitionOffset> out;
    for (const auto& [tp, offset] : next_offset_) out.push_back({tp.topic, tp.partition, offset});
    return out;
  }
  void post_commit() override {}
  void close(bool) override {}

 private:
  runtime::TaskId id_;
  std::vector<kafka::TopicPartition> partitions_;
  kafka::Producer* producer_;
  std::map<kafka::TopicPartition, std::deque<kafka::Message>> buffers_;
  std::map<kafka::TopicPartition, int64_t> next_offset_;
};

class PipeTaskFactory final : public runtime::TaskFactory {
 public:
  explicit PipeTaskFactory(std::string topic) : topic_(std::move(topic)) {}
  std::vector<std::string> source_topics() const override { return {topic_}; }
  std::optional<runtime::TaskId> task_for(const kafka::TopicPartition& tp) const override {
    if (tp.topic != topic_) return std::nullopt;
    return runtime::TaskId{0, tp.partition};
  }
  std::unique_ptr<runtime::Task> create(const runtime::TaskId& id,
                                        std::vector<kafka::TopicPartition> partitions,
                                        const runtime::TaskServices& services) override {
    ++created;
    return std::make_unique<PipeTask>(id, std::move(partitions), services.producer);
  }
  std::atomic<int> created{0};

 private:
  std::string topic_;
};

}  // namespace eddy::testing_support
