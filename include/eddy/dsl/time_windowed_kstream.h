// eddy/dsl/time_windowed_kstream.h — TimeWindowedKStream<K,V>: a grouped stream cut into
// tumbling or hopping time windows, to count, reduce or aggregate per key and window.
//
// Results are a KTable<Windowed<K>, V>: one update per input record and window (caching is
// off), timestamped with the max timestamp of the window's records. Records for closed
// windows (stream time >= end + grace) are dropped and counted (see late_records.h).
//
//   auto per_minute = clicks.group_by_key()
//       .windowed_by(eddy::TimeWindows::of_size_and_grace(std::chrono::minutes(1),
//                                                         std::chrono::seconds(10)))
//       .count(eddy::Materialized<std::string, int64_t>::as("clicks-per-minute"));
//   per_minute.to_stream().to("clicks-per-minute", eddy::Produced<...>::with(
//       eddy::serdes::time_windowed(eddy::serdes::string(), 60'000), ...));
#pragma once

// First, and alone: kstream.h includes the windowed headers back at its end, after KStream.
#include "eddy/dsl/kstream.h"

#include "eddy/dsl/fixed_windowed_kstream.h"

namespace eddy {

template <typename Self, typename K, typename V, typename Windows>
class FixedWindowedKStream;  // fixed_windowed_kstream.h (declared here for include cycles)

// with_late_records, emit_strategy, count, reduce, aggregate and windows() are declared and
// documented in fixed_windowed_kstream.h, beside this file.
template <typename K, typename V>
class TimeWindowedKStream
    : public FixedWindowedKStream<TimeWindowedKStream<K, V>, K, V, TimeWindows> {
 public:
  using FixedWindowedKStream<TimeWindowedKStream<K, V>, K, V, TimeWindows>::FixedWindowedKStream;
};

}  // namespace eddy
