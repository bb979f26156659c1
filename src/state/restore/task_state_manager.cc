#include "state/restore/task_state_manager.h"

#include "common/log.h"
#include "eddy/errors.h"
#include "state/store_registry.h"

namespace eddy::state {

TaskStateManager::TaskStateManager(const std::filesystem::path& state_dir, StoreContext context)
    : context_(std::move(context)),
      lock_(TaskDirectoryLock::acquire(state_dir, context_.application_id, context_.task_id)),
      checkpoint_file_(lock_.path() / ".checkpoint"),
      loaded_checkpoint_(checkpoint_file_.read()) {
  context_.task_dir = lock_.path();
  if (loaded_checkpoint_) {
    offsets_ = *loaded_checkpoint_;
    last_written_ = *loaded_checkpoint_;
    checkpoint_on_disk_ = true;
  }
}

TaskStateManager::~TaskStateManager() {
  if (closed_) return;
  try {
    close();
  } catch (const std::exception& e) {
    EDDY_LOG_ERROR("task {}: closing its state failed: {}", context_.task_id, e.what());
  }
}

StateStore& TaskStateManager::register_store(const StoreSpec& spec) {
  if (store(spec.name) != nullptr) {
    throw TopologyError("task " + context_.task_id + ": store '" + spec.name +
                        "' registered twice");
  }
  auto registered = std::make_unique<Registered>(Registered{spec, build_store(spec, context_)});
  StateStore& out = *registered->built.store;
  stores_.push_back(std::move(registered));
  return out;
}

StateStore* TaskStateManager::store(const std::string& name) const {
  const BuiltStore* built = built_store(name);
  return built != nullptr ? built->store.get() : nullptr;
}

const BuiltStore* TaskStateManager::built_store(const std::string& name) const {
  for (const auto& s : stores_) {
    if (s->spec.name == name) return &s->built;
  }
  return nullptr;
}

std::vector<RestoreProgress> TaskStateManager::restore(ChangelogReader& reader,
                                                       const RestoreOptions& options) {
  std::vector<RestoreProgress> results;
  for (auto& s : stores_) {
    BuiltStore& built = s->built;
    if (built.changelog_topic.empty() || built.restore == nullptr) continue;
    const std::pair<std::string, int32_t> partition{built.changelog_topic, context_.partition};
    std::optional<int64_t> checkpointed;
    if (loaded_checkpoint_) {
      if (auto it = loaded_checkpoint_->find(partition); it != loaded_checkpoint_->end()) {
        checkpointed = it->second;
      }
    }
    int64_t from = 0;
    if (checkpointed && built.restore->local_state_valid()) {
      from = *checkpointed;
    } else {
      // Whatever is on disk is not vouched for by a checkpoint: never use it.
      built.restore->wipe_local_state();
    }
    results.push_back(restore_from_changelog(reader, s->spec.name, built.changelog_topic,
                                             context_.partition, from, *built.restore, options));
    if (built.metrics != nullptr) {
      built.metrics->restored_records.fetch_add(
          static_cast<uint64_t>(results.back().records_restored), std::memory_order_relaxed);
    }
    offsets_[partition] = std::max(results.back().next_offset, results.back().end_offset);
  }
  // Restored stores become visible to interactive queries.
  if (context_.store_registry != nullptr) {
    for (auto& s : stores_)
      context_.store_registry->add(s->spec.name, context_.partition, *s->built.store);
  }
  return results;
}

void TaskStateManager::flush() {
  for (auto& s : stores_) s->built.store->flush();
}

void TaskStateManager::checkpoint(const ChangelogOffsets& written, bool force) {
  for (const auto& [partition, offset] : written) {
    auto& current = offsets_[partition];
    current = std::max(current, offset);
  }
  // Only persistent stores keep local state a checkpoint can vouch for.
  ChangelogOffsets persisted;
  int64_t advanced = 0;
  for (const auto& s : stores_) {
    if (!s->spec.persistent || s->built.changelog_topic.empty()) continue;
    const std::pair<std::string, int32_t> partition{s->built.changelog_topic, context_.partition};
    auto it = offsets_.find(partition);
    if (it == offsets_.end()) continue;
    persisted[partition] = it->second;
    auto last = last_written_.find(partition);
    advanced += it->second - (last == last_written_.end() ? 0 : last->second);
  }
  // As Kafka Streams: writing a checkpoint means flushing every store's memtables, so a
  // commit writes one only when the changelogs moved far enough (or none is on disk, or the
  // caller forces it); an older checkpoint is still correct, it only means a longer replay.
  if (!force && checkpoint_on_disk_ && advanced < kCheckpointDeltaRecords) return;
  for (const auto& s : stores_) {
    if (s->spec.persistent && s->built.restore != nullptr) s->built.restore->persist();
  }
  checkpoint_file_.write(persisted);
  checkpoint_on_disk_ = true;
  last_written_ = persisted;
}
void TaskStateManager::close(const ChangelogOffsets& written) {
  if (closed_) return;
  closed_ = true;
  if (context_.store_registry != nullptr) {
    for (auto& s : stores_) context_.store_registry->remove(s->spec.name, context_.partition);
  }
  flush();
  checkpoint(written, /*force=*/true);
  for (auto& s : stores_) s->built.store->close();
  stores_.clear();
}

void TaskStateManager::close_dirty() {
  if (closed_) return;
  closed_ = true;
  checkpoint_file_.remove();
  for (auto& s : stores_) s->built.store->close();
  stores_.clear();
}

}  // namespace eddy::state
