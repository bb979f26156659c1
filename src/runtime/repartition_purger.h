// Deletes repartition records once they are committed, as Kafka Streams does
// (TaskManager.maybePurgeCommittedRecords): repartition topics keep records forever
// (retention.ms=-1, so a backfill of old events never loses unread records to the broker's
// retention), and this is what keeps them from growing without end.
//
//   RepartitionPurger purger(config, [&](const std::string& t) { return plan.is_repartition(t); });
//   ... after every successful commit:
//   purger.committed(offsets);   // never blocks; one DeleteRecords in flight at a time
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "eddy/config.h"
#include "kafka/admin.h"
#include "kafka/types.h"

namespace eddy::runtime {

class RepartitionPurger {
 public:
  using IsRepartition = std::function<bool(const std::string& topic)>;
  RepartitionPurger(const StreamsConfig& config, IsRepartition is_repartition);

  // After a commit succeeded: the committed offsets of the thread's input partitions. Those of
  // repartition topics are remembered; once repartition.purge.interval.ms has passed since the
  // last request and no request is in flight, one DeleteRecords request asks to delete the
  // records before them. A failed request is logged and the next one covers its partitions.
  void committed(const std::vector<kafka::TopicPartitionOffset>& offsets);

  // Requests sent and partitions purged so far (for tests and logs).
  int64_t requests() const { return requests_; }

 private:
  void collect_answer();

  StreamsConfig config_;
  IsRepartition is_repartition_;
  std::unique_ptr<kafka::Admin> admin_;  // created at the first purge
  std::map<kafka::TopicPartition, int64_t> due_;
  std::chrono::steady_clock::time_point last_request_{};
  int64_t requests_ = 0;
  bool disabled_ = false;
};

}  // namespace eddy::runtime
