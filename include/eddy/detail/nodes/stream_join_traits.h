// eddy/detail/nodes/stream_join_traits.h — the result type of a stream-stream joiner (internal).
#pragma once

#include <type_traits>

namespace eddy::detail {

// What joiner(key, a, b) returns, or joiner(a, b) when it takes no key (Kafka Streams'
// ValueJoinerWithKey and ValueJoiner).
template <typename Fn, typename K, typename A, typename B>
struct JoinerResult {
  static constexpr bool kWithKey = std::is_invocable_v<Fn&, const K&, const A&, const B&>;
  static auto pick() {
    if constexpr (kWithKey) {
      return std::type_identity<
          std::decay_t<std::invoke_result_t<Fn&, const K&, const A&, const B&>>>{};
    } else {
      return std::type_identity<std::decay_t<std::invoke_result_t<Fn&, const A&, const B&>>>{};
    }
  }
  using type = typename decltype(pick())::type;
};

}  // namespace eddy::detail
