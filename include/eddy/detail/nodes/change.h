// eddy/detail/nodes/change.h — what travels between a table's operators (internal).
//
// A table sends one Change per key update: the new value (std::nullopt: the key was deleted)
// and the value it replaced, as Kafka Streams' Change<V>. The old value is filled only when an
// operator downstream needs it (Kafka Streams' sendOldValues: a left or outer table-table
// join asks its input tables for it, a re-grouping aggregation will); otherwise it is
// std::nullopt whatever the table held. A table's changes leave it as a stream of new values
// (KTable::to_stream).
#pragma once

#include <optional>

namespace eddy::detail {

template <typename V>
struct Change {
  std::optional<V> new_value;
  std::optional<V> old_value;
  // False for an out-of-order update of a versioned table (state/versioned_key_value_store.h):
  // the version it wrote is not the key's latest. Operators with versioned semantics (joins,
  // group_by, foreign-key joins downstream of a versioned table) skip such updates.
  bool is_latest = true;
};

}  // namespace eddy::detail
