// StdoutSink prints each written update as one JSON line, deletes with null fields.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "eddy/sink/stdout_sink.h"

namespace eddy {
namespace {

TEST(SinkStdout, PrintsCoalescedUpdatesAsJsonLines) {
  std::ostringstream out;
  StdoutSinkOptions options;
  options.sink.background_flush = false;
  options.out = &out;
  StdoutSink sink(options);
  sink.submit(FeatureUpdate::upsert("c-1", {{"views", "1"}}, 1000, {"clicks", 0, 7}));
  sink.submit(
      FeatureUpdate::upsert("c-1", {{"views", "2"}, {"cart", "x\"y"}}, 1001, {"clicks", 0, 8}));
  sink.submit(FeatureUpdate::erase("c-2", 1002, {"clicks", 1, 3}));
  sink.flush();
  std::istringstream lines(out.str());
  std::string line;
  std::vector<nlohmann::json> got;
  while (std::getline(lines, line)) got.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0]["key"], "c-1");
  EXPECT_EQ(got[0]["fields"]["views"], "2");
  EXPECT_EQ(got[0]["fields"]["cart"], "x\"y");
  EXPECT_EQ(got[0]["event_time"], 1001);
  EXPECT_EQ(got[0]["offset"], 8);
  EXPECT_EQ(got[1]["key"], "c-2");
  EXPECT_TRUE(got[1]["fields"].is_null());
  EXPECT_EQ(got[1]["partition"], 1);
  EXPECT_EQ(sink.stats().deletes, 1u);
}

}  // namespace
}  // namespace eddy
