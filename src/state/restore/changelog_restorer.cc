#include "state/restore/changelog_restorer.h"

#include "common/log.h"
#include "eddy/errors.h"

namespace eddy::state {

ChangelogRestoration::ChangelogRestoration(ChangelogReader& reader, std::string store,
                                           std::string topic, int32_t partition,
                                           int64_t from_offset, RestoreTarget& target,
                                           RestoreOptions options)
    : reader_(reader),
      target_(target),
      options_(std::move(options)),
      progress_{.store = std::move(store),
                .topic = std::move(topic),
                .partition = partition,
                .start_offset = from_offset,
                .end_offset = 0,
                .next_offset = from_offset},
      started_(std::chrono::steady_clock::now()),
      last_record_(started_) {
  progress_.end_offset = reader_.end_offset(progress_.topic, partition);
}

bool ChangelogRestoration::step() {
  if (done_) return true;
  if (progress_.next_offset >= progress_.end_offset) {
    finish();
    return true;
  }
  if (!seeked_) {
    reader_.seek(progress_.topic, progress_.partition, progress_.next_offset);
    seeked_ = true;
    last_record_ = std::chrono::steady_clock::now();
  }
  // Compacted topics have gaps and transactional ones end with markers, so the restore stops
  // on the position (next offset), not on a record count.
  auto batch = reader_.poll(options_.batch_size, options_.poll_timeout);
  if (batch.empty()) {
    // Nothing returned, but the position may have moved past a closing transaction marker.
    if (const int64_t position = reader_.position(progress_.topic, progress_.partition);
        position >= progress_.end_offset) {
      progress_.next_offset = position;
      finish();
      return true;
    }
    if (std::chrono::steady_clock::now() - last_record_ > options_.idle_timeout) {
      throw StateStoreError("store '" + progress_.store + "': restore from " + progress_.topic +
                            "-" + std::to_string(progress_.partition) + " stalled at offset " +
                            std::to_string(progress_.next_offset) + " of " +
                            std::to_string(progress_.end_offset));
    }
    return false;
  }
  last_record_ = std::chrono::steady_clock::now();
  // A record past the end offset taken at the start belongs to a newer write; stop there.
  size_t count = batch.size();
  while (count > 0 && batch[count - 1].offset >= progress_.end_offset) --count;
  target_.restore_batch(batch.first(count));
  progress_.records_restored += static_cast<int64_t>(count);
  progress_.next_offset = batch.back().offset + 1;
  if (options_.on_progress) options_.on_progress(progress_);
  if (progress_.next_offset < progress_.end_offset) return false;
  finish();
  return true;
}

void ChangelogRestoration::finish() {
  done_ = true;
  if (options_.finish_target) target_.restore_done();
  if (!options_.log_done) return;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started_)
                      .count();
  EDDY_LOG_INFO("store '{}': restored {} records from {}-{} (offsets {}..{}) in {} ms",
                progress_.store, progress_.records_restored, progress_.topic, progress_.partition,
                progress_.start_offset, progress_.end_offset, ms);
}

RestoreProgress restore_from_changelog(ChangelogReader& reader, const std::string& store,
                                       const std::string& topic, int32_t partition,
                                       int64_t from_offset, RestoreTarget& target,
                                       const RestoreOptions& options) {
  ChangelogRestoration restoration(reader, store, topic, partition, from_offset, target, options);
  while (!restoration.step()) {
  }
  return restoration.progress();
}

}  // namespace eddy::state
