#include "state/restore/changelog_restorer.h"

#include "common/log.h"
#include "eddy/errors.h"

namespace eddy::state {

RestoreProgress restore_from_changelog(ChangelogReader& reader, const std::string& store,
                                       const std::string& topic, int32_t partition,
                                       int64_t from_offset, RestoreTarget& target,
                                       const RestoreOptions& options) {
  RestoreProgress progress{.store = store,
                           .topic = topic,
                           .partition = partition,
                           .start_offset = from_offset,
                           .end_offset = reader.end_offset(topic, partition),
                           .next_offset = from_offset};
  const auto started = std::chrono::steady_clock::now();
  if (progress.next_offset < progress.end_offset) {
    reader.seek(topic, partition, from_offset);
    auto last_record = std::chrono::steady_clock::now();
    // Compacted topics have gaps and transactional ones end with markers, so the loop stops
    // on the position (next offset), not on a record count.
    while (progress.next_offset < progress.end_offset) {
      auto batch = reader.poll(options.batch_size, options.poll_timeout);
      if (batch.empty()) {
        // Nothing returned, but the position may have moved past a closing transaction marker.
        if (const int64_t position = reader.position(topic, partition);
            position >= progress.end_offset) {
          progress.next_offset = position;
          break;
        }
        if (std::chrono::steady_clock::now() - last_record > options.idle_timeout) {
          throw StateStoreError("store '" + store + "': restore from " + topic + "-" +
                                std::to_string(partition) + " stalled at offset " +
                                std::to_string(progress.next_offset) + " of " +
                                std::to_string(progress.end_offset));
        }
        continue;
      }
      last_record = std::chrono::steady_clock::now();
      // A record past the end offset taken at the start belongs to a newer write; stop there.
      size_t count = batch.size();
      while (count > 0 && batch[count - 1].offset >= progress.end_offset) --count;
      target.restore_batch(batch.first(count));
      progress.records_restored += static_cast<int64_t>(count);
      progress.next_offset = batch.back().offset + 1;
      if (options.on_progress) options.on_progress(progress);
    }
  }
  target.restore_done();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  EDDY_LOG_INFO("store '{}': restored {} records from {}-{} (offsets {}..{}) in {} ms", store,
                progress.records_restored, topic, partition, progress.start_offset,
                progress.end_offset, ms);
  return progress;
}

}  // namespace eddy::state
