#include "runtime/global_tables.h"

#include <chrono>
#include <thread>

#include "common/log.h"
#include "eddy/errors.h"
#include "kafka/client_config.h"
#include "runtime/incoming_record.h"
#include "state/store_registry.h"

namespace eddy::runtime {
namespace {
using namespace std::chrono_literals;
constexpr size_t kBatch = 5000;
constexpr auto kMetadataTimeout = 30s;
}  // namespace

GlobalTables::GlobalTables(std::shared_ptr<const detail::TopologyPlan> plan,
                           const StreamsConfig& config, int thread_index,
                           state::MemoryBudget* memory_budget, state::StoreRegistry* queries)
    : plan_(std::move(plan)),
      state_dir_(std::filesystem::path(config.state_dir) / config.application_id /
                 ("global-" + std::to_string(thread_index))),
      queries_(queries) {
  // Rebuilt from the topics at every start: whatever a previous run left is not used.
  std::filesystem::remove_all(state_dir_);
  std::filesystem::create_directories(state_dir_);
  consumer_ = std::make_unique<kafka::Consumer>(kafka::ConsumerOptions{
      .properties = kafka::client_properties(config, kafka::ClientKind::kConsumer),
      // Assigned partitions only: the group is never joined and nothing is committed.
      .group_id = config.application_id + "-global",
      .read_committed = config.exactly_once()});
  stores_ = std::make_unique<processor::LocalTaskStores>(
      processor::LocalTaskStores::Options{.state_dir = state_dir_,
                                          .memory_budget = memory_budget,
                                          .rocksdb_config_setter = config.rocksdb_config_setter,
                                          .store_registry = queries_});
  processor::TaskEnvironment env;
  env.store_provider = stores_->provider();
  env.deserialization_handler = config.error_handler(ErrorKind::kDeserialization);
  env.processing_handler = config.error_handler(ErrorKind::kProcessing);
  env.memory_budget = memory_budget;
  env.wall_clock_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  core_ = std::make_unique<processor::TaskCore>(plan_, /*subtopology=*/-1, 0, std::move(env));
}

GlobalTables::~GlobalTables() {
  try {
    close();
  } catch (const std::exception& e) {
    EDDY_LOG_WARN("global tables: close: {}", e.what());
  }
}

bool GlobalTables::bootstrap(const std::atomic<bool>& stop) {
  const auto started = std::chrono::steady_clock::now();
  const kafka::TopicPartitionCounts counts = consumer_->topic_partitions(kMetadataTimeout);
  std::vector<kafka::TopicPartitionOffset> assignment;
  std::map<kafka::TopicPartition, int64_t> end_offsets;
  for (const auto& topic : plan_->global_topics) {
    auto it = counts.find(topic);
    if (it == counts.end()) {
      throw TopologyError("global table topic '" + topic +
                          "' does not exist; create it before starting the application");
    }
    for (int32_t p = 0; p < it->second; ++p) {
      assignment.push_back({topic, p, kafka::kOffsetBeginning});
      const int64_t end = consumer_->watermarks({topic, p}, kMetadataTimeout).second;
      if (end > 0) end_offsets[{topic, p}] = end;
    }
  }
  consumer_->assign(assignment);
  while (!end_offsets.empty()) {
    if (stop) return false;
    apply(consumer_->poll_batch(kBatch, 100ms));
    for (auto it = end_offsets.begin(); it != end_offsets.end();) {
      // The position, not the last record: compaction leaves gaps, transactions end in markers.
      it = consumer_->position(it->first) >= it->second ? end_offsets.erase(it) : std::next(it);
    }
  }
  EDDY_LOG_INFO("global tables: {} records from {} topic(s) loaded in {} ms", records_applied_,
                plan_->global_topics.size(),
                std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count());
  if (queries_ != nullptr) {
    for (const auto& [name, store] : core_->stores()) queries_->add(name, 0, *store);
    queryable_ = true;
  }
  return true;
}

size_t GlobalTables::poll() {
  return apply(consumer_->poll_batch(kBatch, 0ms));
}

size_t GlobalTables::apply(std::vector<kafka::Message> batch) {
  for (auto& m : batch) {
    core_->process(to_consumed(std::move(m)));  // failures follow the configured handlers
  }
  records_applied_ += static_cast<int64_t>(batch.size());
  return batch.size();
}

void GlobalTables::close() {
  if (closed_) return;
  closed_ = true;
  if (queryable_) {
    for (const auto& [name, store] : core_->stores()) queries_->remove(name, 0);
  }
  core_->close();
  stores_->close();
  consumer_->close();
}

}  // namespace eddy::runtime
