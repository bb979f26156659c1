// eddy/dsl/windowed.h — Windowed<K>: the key of a windowed aggregation's result, and the
// serdes that write it to topics in Kafka Streams' byte format.
//
//   auto counts = clicks.group_by_key().windowed_by(eddy::TimeWindows::of_size_with_no_grace(
//       std::chrono::minutes(1))).count();                     // KTable<Windowed<K>, int64_t>
//   counts.to_stream().to("clicks-per-minute",
//       eddy::Produced<eddy::Windowed<std::string>, std::optional<int64_t>>::with(
//           eddy::serdes::time_windowed(eddy::serdes::string(), 60'000),
//           eddy::serdes::nullable(eddy::serdes::int64())));
//
// Byte formats (as Java's TimeWindowedSerializer / SessionWindowedSerializer):
//   time window:    key bytes + 8-byte big-endian start (the end is start + window size)
//   session window: key bytes + 8-byte big-endian end + 8-byte big-endian start
// to() with these serdes partitions by the key bytes alone (as Kafka Streams'
// WindowedStreamPartitioner): every window of a key lands where the plain key would.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "eddy/errors.h"
#include "eddy/serde/serdes.h"

namespace eddy {

template <typename K>
struct Windowed {
  K key{};
  int64_t start = 0;  // inclusive
  int64_t end = 0;    // time windows: exclusive; sessions: inclusive (last record's timestamp)

  bool operator==(const Windowed&) const = default;
  auto operator<=>(const Windowed&) const = default;
};

namespace serdes {

// Time-windowed keys: key + 8-byte start. `window_size_ms` restores the end on reads (without
// it the end reads as INT64_MAX, as Java's deserializer without a window size).
template <typename K>
Serde<Windowed<K>> time_windowed(Serde<K> inner,
                                 int64_t window_size_ms = std::numeric_limits<int64_t>::max()) {
  if (!inner) return {};
  std::string name = "time_windowed(" + inner.name() + ")";
  Serde<Windowed<K>> serde(
      [inner](const Windowed<K>& w, std::string& out) {
        inner.serialize(w.key, out);
        ::eddy::detail::append_big_endian_u64(static_cast<uint64_t>(w.start), out);
      },
      [inner, window_size_ms](std::string_view b) {
        if (b.size() < 8) throw SerdeError("time_windowed serde: fewer than 8 bytes");
        Windowed<K> w;
        w.key = inner.deserialize(b.substr(0, b.size() - 8));
        w.start = static_cast<int64_t>(
            ::eddy::detail::read_big_endian_u64(b.substr(b.size() - 8), "start"));
        const bool overflow = w.start > std::numeric_limits<int64_t>::max() - window_size_ms;
        w.end = overflow ? std::numeric_limits<int64_t>::max() : w.start + window_size_ms;
        return w;
      },
      std::move(name));
  serde.with_base_key(
      [inner](const Windowed<K>& w, std::string& out) { inner.serialize(w.key, out); });
  return serde;
}

// Session-windowed keys: key + 8-byte end + 8-byte start.
template <typename K>
Serde<Windowed<K>> session_windowed(Serde<K> inner) {
  if (!inner) return {};
  std::string name = "session_windowed(" + inner.name() + ")";
  Serde<Windowed<K>> serde(
      [inner](const Windowed<K>& w, std::string& out) {
        inner.serialize(w.key, out);
        ::eddy::detail::append_big_endian_u64(static_cast<uint64_t>(w.end), out);
        ::eddy::detail::append_big_endian_u64(static_cast<uint64_t>(w.start), out);
      },
      [inner](std::string_view b) {
        if (b.size() < 16) throw SerdeError("session_windowed serde: fewer than 16 bytes");
        Windowed<K> w;
        w.key = inner.deserialize(b.substr(0, b.size() - 16));
        w.end = static_cast<int64_t>(
            ::eddy::detail::read_big_endian_u64(b.substr(b.size() - 16, 8), "end"));
        w.start = static_cast<int64_t>(
            ::eddy::detail::read_big_endian_u64(b.substr(b.size() - 8), "start"));
        return w;
      },
      std::move(name));
  serde.with_base_key(
      [inner](const Windowed<K>& w, std::string& out) { inner.serialize(w.key, out); });
  return serde;
}

}  // namespace serdes
}  // namespace eddy
