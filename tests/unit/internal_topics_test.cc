// Internal topics are created as Kafka Streams creates them, and an existing one whose configs
// can lose data is reported (runtime/internal_topics.h).
#include <gtest/gtest.h>

#include "eddy/state/stores.h"
#include "runtime/internal_topics.h"
#include "runtime/topology_task_factory.h"

namespace eddy::runtime {
namespace {

TEST(InternalTopicConfigs, RepartitionTopicsKeepRecordsUntilPurged) {
  const Properties configs = repartition_topic_configs();
  EXPECT_EQ(configs.at("retention.ms"), "-1");
  EXPECT_EQ(configs.at("cleanup.policy"), "delete");
  EXPECT_EQ(configs.at("segment.bytes"), "52428800");
  EXPECT_EQ(configs.at("message.timestamp.type"), "CreateTime");
}

TEST(InternalTopicConfigs, ChangelogsAreCompactedAndWindowedOnesKeepRetentionPlusADay) {
  StoreSpec kv;
  kv.kind = StoreKind::kKeyValue;
  EXPECT_EQ(changelog_topic_configs(kv),
            (Properties{{"cleanup.policy", "compact"}, {"message.timestamp.type", "CreateTime"}}));
  StoreSpec window;
  window.kind = StoreKind::kWindow;
  window.retention_ms = 60'000;
  EXPECT_EQ(changelog_topic_configs(window),
            (Properties{{"cleanup.policy", "compact,delete"},
                        {"message.timestamp.type", "CreateTime"},
                        {"retention.ms", std::to_string(60'000 + 86'400'000)}}));
}

TEST(InternalTopicConfigs, ARepartitionTopicWithTheBrokersRetentionIsRisky) {
  const auto findings = risky_internal_topic_configs(
      repartition_topic_configs(),
      {{"cleanup.policy", "delete"}, {"retention.ms", "604800000"}, {"retention.bytes", "-1"}});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_NE(findings[0].find("retention.ms=604800000"), std::string::npos) << findings[0];
  EXPECT_NE(findings[0].find("wanted -1"), std::string::npos) << findings[0];
}

TEST(InternalTopicConfigs, CompactionIsRiskyOnRepartitionTopicsAndNeededOnChangelogs) {
  EXPECT_EQ(risky_internal_topic_configs(repartition_topic_configs(),
                                         {{"cleanup.policy", "compact"}, {"retention.ms", "-1"}})
                .size(),
            1u);
  StoreSpec kv;
  kv.kind = StoreKind::kKeyValue;
  const auto findings =
      risky_internal_topic_configs(changelog_topic_configs(kv), {{"cleanup.policy", "delete"}});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_NE(findings[0].find("restore misses keys"), std::string::npos) << findings[0];
}

TEST(InternalTopicConfigs, TopicsAsCreatedOrSaferAreNotReported) {
  EXPECT_TRUE(risky_internal_topic_configs(repartition_topic_configs(), repartition_topic_configs())
                  .empty());
  StoreSpec window;
  window.kind = StoreKind::kWindow;
  window.retention_ms = 1000;
  auto longer = changelog_topic_configs(window);
  longer["retention.ms"] = "999999999";
  longer["cleanup.policy"] = "delete, compact";
  EXPECT_TRUE(risky_internal_topic_configs(changelog_topic_configs(window), longer).empty());
}

}  // namespace
}  // namespace eddy::runtime
