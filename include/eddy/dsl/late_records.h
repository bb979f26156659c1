// eddy/dsl/late_records.h — what happens to a record that arrives for a closed window.
//
// A windowed aggregation drops such a record (Kafka Streams' rule) and always counts it: the
// task's TaskMetrics::late_dropped and a per-operator count. Optionally it also hands the
// record to a callback and/or writes it to a topic:
//
//   clicks.group_by_key()
//       .windowed_by(eddy::TimeWindows::of_size_with_no_grace(std::chrono::minutes(1)))
//       .with_late_records({.handler = [](const eddy::LateRecord& r) { log(r.reason); },
//                           .topic = "clicks-late"})
//       .count();
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "eddy/serde/serde.h"

namespace eddy {

struct LateRecord {
  std::string node;          // the windowed operator that dropped it
  std::string reason;        // e.g. "window [0,100) closed: stream time 150 >= end 100 + grace 50"
  std::optional<Bytes> key;  // serialized with the grouped stream's serdes
  std::optional<Bytes> value;
  int64_t timestamp = 0;    // the record's timestamp
  int64_t stream_time = 0;  // the operator's stream time when it dropped the record
  std::string topic;        // where the record came from (empty inside a punctuator)
  int32_t partition = -1;
  int64_t offset = -1;
};

struct LateRecords {
  // Called on the task's thread for every dropped record; must not throw. Default: none.
  std::function<void(const LateRecord&)> handler;
  // Topic the dropped record is written to (same key and value bytes and timestamp, plus a
  // header "eddy.late.reason"). The runtime creates it at start when it is missing (as many
  // partitions as the operator has tasks; an existing topic is used as it is). Default: none.
  std::string topic;
};

}  // namespace eddy
