// StreamsProducer: a stream thread's producer and, under exactly-once, its open transaction
// (Kafka Streams' StreamsProducer). The transaction begins before the first record of a
// commit interval, commits together with the consumed offsets, and is aborted when it cannot
// commit; a fenced or broken producer is recreated, and the new one's init_transactions()
// fences the old one and aborts what it left open.
//
//   StreamsProducer producer(config, transactional_id);  // empty id: at-least-once
//   producer.create(timeout);               // client (and init_transactions under EOS)
//   producer.begin_if_needed();             // before records are sent
//   producer.commit(offsets, group, timeout);
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "eddy/config.h"
#include "kafka/producer.h"

namespace eddy::runtime {

class StreamsProducer {
 public:
  using Clock = std::chrono::steady_clock;

  // `transactional_id` empty: at-least-once, no transactions. `config` outlives this.
  StreamsProducer(const StreamsConfig& config, std::string transactional_id);

  // Creates the client, dropping the old one; under exactly-once it also runs
  // init_transactions(`init_timeout`). Records sent with an acknowledged slot (an int64_t*)
  // as opaque advance it to their offset + 1 when Kafka acknowledges them.
  void create(std::chrono::milliseconds init_timeout);
  void reset();  // drops the client (and forgets its transaction)
  kafka::Producer* get() const { return producer_.get(); }
  kafka::Producer* operator->() const { return producer_.get(); }

  bool transactional() const { return !transactional_id_.empty(); }
  bool in_transaction() const { return in_transaction_; }
  // Exactly-once: begins a transaction unless one is open.
  void begin_if_needed();
  // True once the open transaction has lived half of transaction.timeout.ms, the point at
  // which the thread aborts it rather than let the broker do so.
  bool transaction_half_expired() const;
  // Exactly-once: sends `offsets` (none: only the records) into the transaction and commits it.
  void commit(const std::vector<kafka::TopicPartitionOffset>& offsets,
              const void* consumer_group_metadata, std::chrono::milliseconds timeout);
  // Aborts the open transaction, if any; throws what the client throws. The transaction is
  // over either way: a producer whose abort failed must be recreated (create()) before the
  // next one, since it may still be aborting.
  void abort(std::chrono::milliseconds timeout);
  // Forgets the open transaction without aborting it: the producer is broken and will be
  // recreated, and the new one's init_transactions() aborts it.
  void forget_transaction() { in_transaction_ = false; }

 private:
  const StreamsConfig& config_;
  const std::string transactional_id_;
  std::unique_ptr<kafka::Producer> producer_;
  bool in_transaction_ = false;
  Clock::time_point transaction_started_{};
  std::chrono::milliseconds transaction_timeout_{10'000};  // the producer's transaction.timeout.ms
};

}  // namespace eddy::runtime
