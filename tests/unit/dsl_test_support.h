// Shared helpers for the DSL unit tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "eddy/config.h"
#include "eddy/dsl/streams_builder.h"
#include "eddy/testing/topology_test_driver.h"

namespace eddy::test {

inline StreamsConfig test_config(const std::string& app = "app") {
  StreamsConfig config;
  config.application_id = app;
  return config;
}

// Runs `fn`, expecting an exception of type E whose message contains `fragment`.
template <typename E, typename Fn>
void expect_error(Fn fn, const std::string& fragment) {
  try {
    fn();
    ADD_FAILURE() << "expected an error containing: " << fragment;
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

// An output record as key, value (std::nullopt: a tombstone) and timestamp, so that one
// EXPECT_EQ asserts all three: EXPECT_EQ(read_rows(out), (Rows<std::string, int64_t>{...})).
template <typename K, typename V>
struct Row {
  K key{};
  std::optional<V> value;
  int64_t timestamp = 0;
  bool operator==(const Row&) const = default;
};
template <typename K, typename V>
using Rows = std::vector<Row<K, V>>;

template <typename K, typename V>
std::ostream& operator<<(std::ostream& os, const Row<K, V>& r) {
  os << ::testing::PrintToString(r.key) << "=";
  if (r.value) {
    os << ::testing::PrintToString(*r.value);
  } else {
    os << "null";
  }
  return os << " @" << r.timestamp;
}

// Every record left in `topic`, oldest first.
template <typename K, typename V>
Rows<K, V> read_rows(TestOutputTopic<K, V>& topic) {
  Rows<K, V> rows;
  for (auto& r : topic.read_records_to_list()) {
    rows.push_back({std::move(r.key), std::move(r.value), r.timestamp});
  }
  return rows;
}

}  // namespace eddy::test
