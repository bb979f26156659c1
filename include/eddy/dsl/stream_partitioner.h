// eddy/dsl/stream_partitioner.h — StreamPartitioner<K,V>: chooses the partition of each
// record to() writes (Kafka Streams' StreamPartitioner), and the default partition of a key.
//
//   eddy::StreamPartitioner<std::string, Order> by_region =
//       [](const std::string& topic, const std::string& key, const Order& o, int32_t n)
//       -> std::optional<int32_t> { return eddy::default_partition(o.region, n); };
//   orders.to("orders-by-region",
//             eddy::Produced<std::string, Order>{}.with_stream_partitioner(by_region));
//
// Without one, to() uses Kafka's default partitioner on the serialized key (on the key
// inside the window for windowed keys; see eddy/dsl/windowed.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace eddy {

// Returns a partition in [0, num_partitions), or std::nullopt for the default partitioning.
// Called once per record with the topic's current partition count.
template <typename K, typename V>
using StreamPartitioner = std::function<std::optional<int32_t>(
    const std::string& topic, const K& key, const V& value, int32_t num_partitions)>;

// Kafka's default partition of `key_bytes` (Java's murmur2, made positive, modulo
// num_partitions): the partition a Java producer would pick for that key.
int32_t default_partition(std::string_view key_bytes, int32_t num_partitions);

}  // namespace eddy
