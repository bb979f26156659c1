// The partition a keyed record goes to: Java's default partitioner (murmur2 of the key
// bytes, positive, modulo the partition count), so Eddy and Java producers agree.
#pragma once

#include <cstdint>
#include <string_view>

namespace eddy::kafka {

int32_t partition_for_key(std::string_view key, int32_t partition_count);

}  // namespace eddy::kafka
