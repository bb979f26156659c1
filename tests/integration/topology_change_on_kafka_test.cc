// The topology-change check on the real broker: an application restarted with a store renamed
// fails at start() naming the orphaned store and its changelog (eddy.topology.change.check=
// fail, the default), starts with a warning under "warn" (which records the new topology), and
// a change that only adds a store is accepted.
#include <gtest/gtest.h>

#include <filesystem>

#include "eddy/dsl/streams_builder.h"
#include "eddy/errors.h"
#include "eddy/kafka_streams.h"
#include "kafka/admin.h"
#include "support/real_kafka.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using testing_support::real_bootstrap;
using testing_support::real_props;
using testing_support::unique_name;

Topology counts(const StreamsConfig& config, const std::string& input, const std::string& store,
                bool extra_store = false) {
  StreamsBuilder builder;
  auto views = builder.stream<std::string, std::string>(input);
  views.group_by_key()
      .count(Materialized<std::string, int64_t>::as(store))
      .to_stream()
      .to(input + ".out");
  if (extra_store) {
    views
        .group_by([](const std::string&, const std::string& v) { return v; },
                  Grouped<std::string, std::string>::with_name("by-value"))
        .count(Materialized<std::string, int64_t>::as("per-value"))
        .to_stream()
        .to(input + ".out");
  }
  return builder.build(config);
}

// A bounded run over the (empty) input: starts, joins the group, stops by itself.
void run_once(const Topology& topology, const StreamsConfig& config) {
  KafkaStreams streams(topology, config);
  streams.start();
  ASSERT_TRUE(streams.wait_until_stopped(60s));
  EXPECT_TRUE(streams.close(10s));
}

TEST(TopologyChangeOnKafka, RenamedStoreFailsStartNamingItWarnStartsAddedStoreIsAccepted) {
  const std::string input = unique_name("it.topochange");
  const std::string app = unique_name("topochange-app");
  const std::string state_dir = (std::filesystem::temp_directory_path() / app).string();
  kafka::Admin admin(real_props());
  admin.create_topics(
      {{.name = input, .partitions = 2}, {.name = input + ".out", .partitions = 2}});
  Properties props{{"application.id", app},
                   {"bootstrap.servers", real_bootstrap()},
                   {"state.dir", state_dir},
                   {"eddy.run.until.end", "true"},
                   {"poll.ms", "20"}};
  const auto config = StreamsConfig::from_properties(props);

  run_once(counts(config, input, "counts"), config);

  // The store renamed: its state (local folders, changelog) would be orphaned.
  {
    KafkaStreams streams(counts(config, input, "counts-v2"), config);
    try {
      streams.start();
      FAIL() << "start() accepted a topology that orphans store 'counts'";
    } catch (const TopologyError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("store 'counts' (sub-topology 0) is gone"), std::string::npos) << what;
      EXPECT_NE(what.find(app + "-counts-changelog"), std::string::npos) << what;
      EXPECT_NE(what.find("eddy.topology.change.check=warn"), std::string::npos) << what;
    }
  }
  // Nothing of the refused topology was created.
  EXPECT_FALSE(admin.list_topics().contains(app + "-counts-v2-changelog"));

  // "warn": starts, and the new topology becomes the reference.
  props["eddy.topology.change.check"] = "warn";
  run_once(counts(config, input, "counts-v2"), StreamsConfig::from_properties(props));
  EXPECT_TRUE(admin.list_topics().contains(app + "-counts-v2-changelog"));

  // Back to "fail": the same topology again, then one that only adds a store, both start.
  run_once(counts(config, input, "counts-v2"), config);
  run_once(counts(config, input, "counts-v2", /*extra_store=*/true), config);
  // ... and removing that store again is caught.
  {
    KafkaStreams streams(counts(config, input, "counts-v2"), config);
    EXPECT_THROW(streams.start(), TopologyError);
  }
  std::filesystem::remove_all(state_dir);
}

}  // namespace
}  // namespace eddy
