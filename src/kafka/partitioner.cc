#include "kafka/partitioner.h"

#include <librdkafka/rdkafka.h>

#include "eddy/dsl/stream_partitioner.h"

namespace eddy::kafka {

int32_t partition_for_key(std::string_view key, int32_t partition_count) {
  // librdkafka's murmur2 partitioner is documented as Java-compatible; reusing it keeps the
  // test driver and the producer on literally the same function.
  return rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), key.size(), partition_count, nullptr,
                                          nullptr);
}

}  // namespace eddy::kafka

namespace eddy {

int32_t default_partition(std::string_view key_bytes, int32_t num_partitions) {
  return kafka::partition_for_key(key_bytes, num_partitions);
}

}  // namespace eddy
