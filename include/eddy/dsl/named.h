// eddy/dsl/named.h — Named: an explicit name for a DSL operator's processor node.
//
//   stream.filter(is_big, eddy::Named::as("big-orders"));   // instead of KSTREAM-FILTER-0000000001
#pragma once

#include <string>

namespace eddy {

struct Named {
  std::string name;  // empty: generated (Kafka Streams style, e.g. KSTREAM-MAP-0000000003)
  static Named as(std::string name) { return Named{std::move(name)}; }
};

}  // namespace eddy
