// eddy/dsl/sliding_windowed_kstream.h — SlidingWindowedKStream<K,V>: a grouped stream
// aggregated over sliding windows (Kafka Streams' KIP-450): every window [t - diff, t] that
// ends on a record, plus the right windows that start just after one.
//
// Results are a KTable<Windowed<K>, V> whose window end is start + time difference (both
// inclusive); updates carry the max timestamp of the window's records. Write them with
// serdes::time_windowed(key_serde, time_difference_ms).
//
//   auto last_10s = clicks.group_by_key()
//       .windowed_by(eddy::SlidingWindows::of_time_difference_and_grace(
//           std::chrono::seconds(10), std::chrono::seconds(2)))
//       .count();
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
class SlidingWindowedKStream
    : public FixedWindowedKStream<SlidingWindowedKStream<K, V>, K, V, SlidingWindows> {
 public:
  using FixedWindowedKStream<SlidingWindowedKStream<K, V>, K, V,
                             SlidingWindows>::FixedWindowedKStream;
};

}  // namespace eddy
