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

#include "eddy/detail/fixed_windowed_kstream.h"

namespace eddy {

// with_late_records, emit_strategy, count, reduce, aggregate, windows():
// eddy/detail/fixed_windowed_kstream.h.
template <typename K, typename V>
class TimeWindowedKStream
    : public detail::FixedWindowedKStream<TimeWindowedKStream<K, V>, K, V, TimeWindows> {
 public:
  using detail::FixedWindowedKStream<TimeWindowedKStream<K, V>, K, V,
                                     TimeWindows>::FixedWindowedKStream;
};

}  // namespace eddy
