// The private side of KafkaStreams: the state machine and the stream threads.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "eddy/kafka_streams.h"
#include "runtime/internal_topics.h"
#include "runtime/stream_thread.h"

namespace eddy::runtime {

class StreamsRuntime {
 public:
  // `plan_topics` runs at start(), with a connected admin client: it checks the source topics
  // and says which internal topics to create.
  using TopicPlanner = std::function<std::vector<InternalTopic>(kafka::Admin& admin)>;
  StreamsRuntime(std::shared_ptr<TaskFactory> factory, TopicPlanner plan_topics,
                 StreamsConfig config);
  ~StreamsRuntime();

  void set_state_listener(KafkaStreams::StateListener listener);
  void set_uncaught_error_handler(KafkaStreams::UncaughtErrorHandler handler);
  void start();
  bool close(std::chrono::milliseconds timeout);
  KafkaStreams::State state() const;
  int64_t records_processed() const;

 private:
  void transition(KafkaStreams::State to);
  void on_thread_error(int index, std::exception_ptr error);
  void on_thread_rebalance(int index, bool rebalancing);

  std::shared_ptr<TaskFactory> factory_;
  TopicPlanner plan_topics_;
  StreamsConfig config_;
  std::vector<std::unique_ptr<StreamThread>> threads_;
  std::vector<bool> thread_rebalancing_;
  mutable std::mutex mutex_;
  KafkaStreams::State state_ = KafkaStreams::State::kCreated;
  KafkaStreams::StateListener listener_;
  KafkaStreams::UncaughtErrorHandler error_handler_;
};

}  // namespace eddy::runtime
