// Shared helpers for the DSL unit tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

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

}  // namespace eddy::test
