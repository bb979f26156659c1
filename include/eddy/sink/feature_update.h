// eddy/sink/feature_update.h — what a stream hands to a FeatureSink: one key's features
// (or its deletion), the event time, and the source record's position, which together
// version the write.
//
//   eddy::FeatureUpdate u{.key = "customer-42",
//                         .fields = eddy::FeatureFields{{"views_5m", "17"}, {"cart", "3"}},
//                         .event_time_ms = record.timestamp,
//                         .append_time_ms = -1,                   // unknown
//                         .source = {"clicks", 3, 1'234'567}};
//   sink.submit(std::move(u));
//   sink.submit(eddy::FeatureUpdate::erase("customer-42", ts, {"clicks", 3, 1'234'600}));
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "eddy/errors.h"
#include "eddy/headers.h"

namespace eddy {

// Feature name -> value, in the order they are written.
using FeatureFields = std::vector<std::pair<std::string, std::string>>;

// Where the update came from: source topic, partition and offset (RecordPosition).
using SourcePosition = RecordPosition;

// The version of a write, ordered lexicographically by (event time, partition, offset).
//
// Event time comes first so a replay of older events (after a crash, a restore or a
// rebalance, or a lagging zombie instance) can never win over a feature computed from newer
// events, whichever arrives last. Within one partition the offset breaks ties between
// records with the same timestamp (the later record wins, as the log order says). Between
// partitions with equal event times the partition number decides: arbitrary but
// deterministic, so every replica and every replay agrees on the winner.
struct FeatureVersion {
  int64_t event_time_ms = 0;
  int32_t partition = -1;
  int64_t offset = -1;
  auto operator<=>(const FeatureVersion&) const = default;
  bool operator==(const FeatureVersion&) const = default;
};

struct FeatureUpdate {
  std::string key;
  // The features to write; nullopt is a delete (a tombstone, a TTL expiry, a forget-customer
  // erase). A write replaces every field the key had.
  std::optional<FeatureFields> fields;
  // Event time of the source record (ms since epoch); freshness is measured from it.
  int64_t event_time_ms = 0;
  // When Kafka appended the source record (LogAppendTime, ms since epoch), -1 when unknown.
  int64_t append_time_ms = -1;
  SourcePosition source;
  // The source record's headers as they reached the sink (trace ids, consent flags, ...).
  // Built-in sinks: the Kafka topic sink writes them with the record; Redis ignores them.
  Headers headers;

  bool is_delete() const { return !fields.has_value(); }
  FeatureVersion version() const { return {event_time_ms, source.partition, source.offset}; }

  static FeatureUpdate upsert(std::string key, FeatureFields fields, int64_t event_time_ms,
                              SourcePosition source, int64_t append_time_ms = -1) {
    return {std::move(key), std::move(fields), event_time_ms,
            append_time_ms, std::move(source), {}};
  }
  static FeatureUpdate erase(std::string key, int64_t event_time_ms, SourcePosition source,
                             int64_t append_time_ms = -1) {
    return {std::move(key), std::nullopt, event_time_ms, append_time_ms, std::move(source), {}};
  }
};

// What a to_sink() mapper returns for one record: the serving key and its features, or
// nullopt fields to delete the key.
struct FeatureRow {
  std::string key;
  std::optional<FeatureFields> fields;
};

}  // namespace eddy
