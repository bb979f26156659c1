#include "state/restore/task_state_manager.h"

#include <chrono>
#include <thread>

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
  forget_checkpoint_of_empty_store(registered->built);
  StateStore& out = *registered->built.store;
  stores_.push_back(std::move(registered));
  return out;
}

void TaskStateManager::forget_checkpoint_of_empty_store(const BuiltStore& built) {
  if (built.changelog_topic.empty() || built.restore == nullptr) return;
  if (built.restore->local_state_valid() || !loaded_checkpoint_) return;
  const std::pair<std::string, int32_t> partition{built.changelog_topic, context_.partition};
  if (loaded_checkpoint_->erase(partition) == 0) return;
  // The store opened empty (its folder was missing, or unreadable and wiped) and now exists
  // on disk: the checkpoint's offset for its changelog vouches for nothing. Dropped on disk
  // at once, so neither a close before the restore begins (a task waiting for its restore
  // turn) nor a crash leaves that offset beside an empty store that looks valid next time.
  offsets_.erase(partition);
  write_checkpoint(*loaded_checkpoint_);
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
  begin_restore(reader, options);
  while (!restore_step()) {
  }
  return restore_progress();
}

namespace {
// Under exactly-once the end offset is the last stable offset, which passes the records of
// the last committed transaction only once the broker has written its markers, shortly after
// the commit returned. A task closed clean and opened again at once (an eager rebalance that
// hands it back) can see a checkpoint past that end for a moment: waiting for the markers
// tells that apart from a changelog that really ends before the checkpoint (deleted and
// recreated, or reset), which would otherwise wipe the store and restore it without that
// transaction. Kafka Streams never wipes here: its restore is done once the position
// reaches the end offset.
constexpr auto kMarkerWait = std::chrono::seconds(5);
constexpr auto kMarkerPoll = std::chrono::milliseconds(20);

int64_t await_stable_end(ChangelogReader& reader, const std::string& topic, int32_t partition,
                         int64_t checkpointed) {
  const auto deadline = std::chrono::steady_clock::now() + kMarkerWait;
  int64_t end = reader.end_offset(topic, partition);
  while (end < checkpointed && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(kMarkerPoll);
    end = reader.end_offset(topic, partition);
  }
  return end;
}
}  // namespace

void TaskStateManager::start_round(ChangelogReader& reader, const RestoreOptions& options) {
  restore_reader_ = &reader;
  restore_options_ = options;
  pending_restores_.clear();
  restorations_.clear();
  next_pending_ = 0;
  restore_complete_ = false;
}

void TaskStateManager::begin_restore(ChangelogReader& reader, const RestoreOptions& options) {
  start_round(reader, options);
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
    const bool local = checkpointed && built.restore->local_state_valid();
    // A checkpoint beyond the changelog's end vouches for changes the changelog no longer
    // has: it was deleted and recreated, or rewound (an application reset). The local state
    // belongs to that old history; keeping it would make the re-read input look stale.
    int64_t end = local ? reader.end_offset(built.changelog_topic, context_.partition) : 0;
    if (local && *checkpointed > end && reader.reads_committed()) {
      end = await_stable_end(reader, built.changelog_topic, context_.partition, *checkpointed);
    }
    if (local && *checkpointed <= end) {
      from = *checkpointed;
    } else {
      if (local) {
        EDDY_LOG_WARN(
            "task {}: store '{}': the checkpoint says its changelog {}-{} was read up to offset "
            "{}, but the changelog ends at {} (deleted and recreated, or reset): wiping the "
            "local state and restoring it from the changelog",
            context_.task_id, s->spec.name, built.changelog_topic, context_.partition,
            *checkpointed, end);
      }
      // Whatever is on disk is not vouched for by a checkpoint: never use it.
      built.restore->wipe_local_state();
      offsets_.erase(partition);
    }
    pending_restores_.push_back({s.get(), from});
  }
}

void TaskStateManager::begin_catch_up(ChangelogReader& reader, const RestoreOptions& options) {
  if (!restore_complete_) throw StateStoreError("begin_catch_up() before the restore completed");
  start_round(reader, options);
  for (auto& s : stores_) {
    BuiltStore& built = s->built;
    if (built.changelog_topic.empty() || built.restore == nullptr) continue;
    auto it = offsets_.find({built.changelog_topic, context_.partition});
    pending_restores_.push_back({s.get(), it != offsets_.end() ? it->second : 0});
  }
}

bool TaskStateManager::restore_step() {
  if (restore_complete_) return true;
  if (restore_reader_ == nullptr) throw StateStoreError("restore_step() before begin_restore()");
  if (restorations_.empty() || restorations_.back()->done()) {
    if (next_pending_ == pending_restores_.size()) {
      // Restored stores become visible to interactive queries.
      if (context_.store_registry != nullptr) {
        for (auto& s : stores_)
          context_.store_registry->add(s->spec.name, context_.partition, *s->built.store);
      }
      restore_complete_ = true;
      restore_reader_ = nullptr;
      return true;
    }
    const PendingRestore& next = pending_restores_[next_pending_++];
    BuiltStore& built = next.store->built;
    restorations_.push_back(std::make_unique<ChangelogRestoration>(
        *restore_reader_, next.store->spec.name, built.changelog_topic, context_.partition,
        next.from_offset, *built.restore, restore_options_));
  }
  ChangelogRestoration& current = *restorations_.back();
  const int64_t before = current.progress().records_restored;
  const bool done = current.step();
  const RestoreProgress& progress = current.progress();
  const PendingRestore& pending = pending_restores_[next_pending_ - 1];
  if (pending.store->built.metrics != nullptr) {
    pending.store->built.metrics->restored_records.fetch_add(
        static_cast<uint64_t>(progress.records_restored - before), std::memory_order_relaxed);
  }
  // The store now holds the changelog up to next_offset: a checkpoint may say so (a close
  // part-way then resumes from here instead of from the start).
  auto& offset = offsets_[{progress.topic, progress.partition}];
  offset = std::max(
      offset, done ? std::max(progress.next_offset, progress.end_offset) : progress.next_offset);
  return false;  // the next call moves on to the next store, or completes
}

std::vector<RestoreProgress> TaskStateManager::restore_progress() const {
  std::vector<RestoreProgress> out;
  out.reserve(restorations_.size());
  for (const auto& r : restorations_) out.push_back(r->progress());
  return out;
}

void TaskStateManager::flush() {
  for (auto& s : stores_) s->built.store->flush();
}

std::pair<ChangelogOffsets, int64_t> TaskStateManager::checkpoint_candidate(
    const ChangelogOffsets& written) {
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
  return {std::move(persisted), advanced};
}

void TaskStateManager::write_checkpoint(const ChangelogOffsets& offsets) {
  checkpoint_file_.write(offsets);
  checkpoint_on_disk_ = true;
  last_written_ = offsets;
}

void TaskStateManager::checkpoint(const ChangelogOffsets& written, bool force) {
  auto [persisted, advanced] = checkpoint_candidate(written);
  // As Kafka Streams: writing a checkpoint means flushing every store's memtables, so a
  // commit writes one only when the changelogs moved far enough (or none is on disk, or the
  // caller forces it); an older checkpoint is still correct, it only means a longer replay.
  if (!force && !checkpoint_due(advanced)) return;
  for (const auto& s : stores_) {
    if (s->spec.persistent && s->built.restore != nullptr) s->built.restore->persist();
  }
  pending_checkpoint_.reset();  // this one is newer and on disk now
  write_checkpoint(persisted);
}

void TaskStateManager::checkpoint_in_background(const ChangelogOffsets& written) {
  auto [persisted, advanced] = checkpoint_candidate(written);
  const auto persistent = [](const auto& s) {
    return s->spec.persistent && s->built.restore != nullptr;
  };
  if (pending_checkpoint_) {
    for (const auto& s : stores_) {
      if (persistent(s) && !s->built.restore->persisted()) return;  // the next commit looks again
    }
    write_checkpoint(*pending_checkpoint_);
    pending_checkpoint_.reset();
    // The stores may hold more than that checkpoint says; `advanced` counted from the older
    // one on disk, so count again before deciding on the next flush.
    advanced = checkpoint_candidate({}).second;
  }
  if (!checkpoint_due(advanced)) return;
  bool flushing = false;
  for (const auto& s : stores_) {
    if (!persistent(s)) continue;
    s->built.restore->begin_persist();
    flushing = true;
  }
  if (flushing) {
    pending_checkpoint_ = std::move(persisted);
  } else {
    write_checkpoint(persisted);  // nothing to wait for
  }
}
void TaskStateManager::flush_in_background() {
  for (const auto& s : stores_) {
    if (s->spec.persistent && s->built.restore != nullptr) s->built.restore->begin_persist();
  }
}

void TaskStateManager::close(const ChangelogOffsets& written) {
  if (closed_) return;
  closed_ = true;
  unregister_from_queries();
  flush();
  checkpoint(written, /*force=*/true);
  for (auto& s : stores_) s->built.store->close();
  stores_.clear();
}

void TaskStateManager::close_dirty() {
  if (closed_) return;
  closed_ = true;
  unregister_from_queries();  // before the stores close under a query's feet
  checkpoint_file_.remove();
  for (auto& s : stores_) s->built.store->close();
  stores_.clear();
}

void TaskStateManager::unregister_from_queries() {
  if (context_.store_registry == nullptr) return;
  for (auto& s : stores_) context_.store_registry->remove(s->spec.name, context_.partition);
}

}  // namespace eddy::state
