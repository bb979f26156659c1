// The topology-change check's comparison (runtime/topology_fingerprint.h): what a new topology
// would orphan of the state the old one built.
#include <gtest/gtest.h>

#include "dsl_test_support.h"
#include "runtime/topology_fingerprint.h"

namespace eddy {
namespace {

// stream -> re-key (repartition "by-page") -> count into `store`, and optionally a second
// count straight on the input.
nlohmann::json fingerprint(const std::string& store, bool extra_store = false,
                           const std::string& repartition = "by-page") {
  StreamsBuilder builder;
  auto views = builder.stream<std::string, std::string>("views");
  views
      .group_by([](const std::string&, const std::string& page) { return page; },
                Grouped<std::string, std::string>::with_name(repartition))
      .count(Materialized<std::string, int64_t>::as(store))
      .to_stream()
      .to("out");
  if (extra_store) {
    views.group_by_key()
        .count(Materialized<std::string, int64_t>::as("per-user"))
        .to_stream()
        .to("out2");
  }
  return runtime::topology_fingerprint(*builder.build(test::test_config()).shared_plan());
}

bool mentions(const std::vector<std::string>& findings, const std::string& text) {
  for (const auto& f : findings)
    if (f.find(text) != std::string::npos) return true;
  return false;
}

TEST(TopologyFingerprint, NamesStoresTheirSubtopologyChangelogAndRepartitionTopics) {
  const auto fp = fingerprint("page-counts");
  const std::string app = test::test_config().application_id;
  ASSERT_TRUE(fp["stores"].contains("page-counts"));
  EXPECT_EQ(fp["stores"]["page-counts"]["subtopology"], 1);
  EXPECT_EQ(fp["stores"]["page-counts"]["changelog"], app + "-page-counts-changelog");
  EXPECT_EQ(fp["repartition_topics"], nlohmann::json::array({app + "-by-page-repartition"}));
  EXPECT_EQ(fp, fingerprint("page-counts"));  // deterministic
}

TEST(TopologyFingerprint, SameTopologyOrphansNothing) {
  EXPECT_TRUE(
      runtime::orphaned_state(fingerprint("page-counts"), fingerprint("page-counts")).empty());
}

TEST(TopologyFingerprint, AddedStoreOrphansNothing) {
  EXPECT_TRUE(runtime::orphaned_state(fingerprint("page-counts"), fingerprint("page-counts", true))
                  .empty());
}

TEST(TopologyFingerprint, RenamedStoreOrphansTheOldStoreAndItsChangelog) {
  const std::string app = test::test_config().application_id;
  const auto findings =
      runtime::orphaned_state(fingerprint("page-counts"), fingerprint("page-counts-v2"));
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_TRUE(mentions(findings, "store 'page-counts' (sub-topology 1) is gone"));
  EXPECT_TRUE(mentions(findings, "internal topic '" + app + "-page-counts-changelog'"));
}

TEST(TopologyFingerprint, RemovedStoreAndRenamedRepartitionTopicAreNamed) {
  const std::string app = test::test_config().application_id;
  const auto findings = runtime::orphaned_state(fingerprint("page-counts", true),
                                                fingerprint("page-counts", false, "by-page-2"));
  EXPECT_TRUE(mentions(findings, "store 'per-user'"));
  EXPECT_TRUE(mentions(findings, app + "-per-user-changelog"));
  EXPECT_TRUE(mentions(findings, "internal topic '" + app + "-by-page-repartition'"));
}

TEST(TopologyFingerprint, StoreMovedToAnotherSubtopologyIsNamed) {
  auto before = fingerprint("page-counts");
  auto after = before;
  after["stores"]["page-counts"]["subtopology"] = 0;
  const auto findings = runtime::orphaned_state(before, after);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_TRUE(mentions(findings, "moved from sub-topology 1 to sub-topology 0"));
}

TEST(TopologyFingerprint, CheckModeIsAConfigKeyFailByDefault) {
  EXPECT_EQ(StreamsConfig{}.topology_change_check, TopologyChangeCheck::kFail);
  const auto warn = StreamsConfig::from_properties(
      {{"application.id", "app"}, {"eddy.topology.change.check", "warn"}});
  EXPECT_EQ(warn.topology_change_check, TopologyChangeCheck::kWarn);
  EXPECT_EQ(warn.redacted_properties().at("eddy.topology.change.check"), "warn");
  test::expect_error<ConfigError>(
      [] {
        StreamsConfig::from_properties(
            {{"application.id", "app"}, {"eddy.topology.change.check", "maybe"}});
      },
      "eddy.topology.change.check");
}

}  // namespace
}  // namespace eddy
