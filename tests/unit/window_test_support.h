// Helpers for the windowed-aggregation tests: input rows, expected output rows, and a reader
// that turns an output topic of windowed keys into rows.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "dsl_test_support.h"

namespace eddy::test {

struct In {
  std::string key;
  int64_t value = 1;
  int64_t timestamp = 0;
};

struct Out {
  std::string key;
  int64_t start = 0;
  int64_t end = 0;
  std::optional<int64_t> value;  // std::nullopt: a delete (merged-away session)
  int64_t timestamp = 0;
  bool operator==(const Out&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Out& o) {
  os << o.key << "@[" << o.start << "," << o.end << "]=";
  if (o.value) {
    os << *o.value;
  } else {
    os << "null";
  }
  return os << " ts" << o.timestamp;
}

template <typename Topic>
std::vector<Out> read_windowed(Topic& topic) {
  std::vector<Out> rows;
  for (const auto& r : topic.read_records_to_list()) {
    rows.push_back({r.key.key, r.key.start, r.key.end, r.value, r.timestamp});
  }
  return rows;
}

template <typename Topic>
void pipe_all(Topic& topic, const std::vector<In>& inputs) {
  for (const auto& in : inputs) topic.pipe_input(in.key, in.value, in.timestamp);
}

}  // namespace eddy::test
