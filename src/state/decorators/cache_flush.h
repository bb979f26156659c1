// The flush of a caching store's dirty entries, shared by the key-value cache and the
// segmented (window and session) cache: which entries are written down, in which order, and
// what the flush listener is handed afterwards.
//
//   auto flushed = take_dirty_entries<SegmentedWrite>(dirty_, listener_ != nullptr,
//                                                     send_old_values_, old_value_of, write_of);
//   dirty_.clear();
//   inner_->put_all(flushed.writes);
//   if (listener_) forward_flushed(flushed, listener_, timestamp_of);
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "eddy/serde/serde.h"
#include "state/layered_store.h"

namespace eddy::state {

// What a flush writes down and then forwards, entry by entry.
template <class Write>
struct FlushedEntries {
  std::vector<Write> writes;  // in the order of the entries' last writes
  // Beside `writes` when there is a listener:
  std::vector<std::optional<Bytes>> old_values;  // the value below, when old values are sent
  // Copied: the listener's downstream work may evict an entry.
  std::vector<RecordContext> contexts;
  std::vector<bool> erased;  // an erasure's deletion: written down, never forwarded
};

// Marks the dirty entries clean and returns their writes in the order of their last write, as
// Kafka Streams flushes its cache. `dirty` maps each key to its entry (an Entry has value,
// dirty, erased, write_seq and context), both alive until the caller clears it. With a
// listener, the value below is read (`old_value_of(key, entry)`) when old values are sent or
// the entry deletes; a delete of what the store below never held is left out, as in Kafka
// Streams: nothing to write, nothing to forward (a key, window or session created and removed
// since the last flush). `write_of(key, entry)` makes the write.
template <class Write, class Entry, class OldValueOf, class WriteOf>
FlushedEntries<Write> take_dirty_entries(const std::map<std::string_view, Entry*>& dirty,
                                         bool listening, bool send_old_values,
                                         OldValueOf&& old_value_of, WriteOf&& write_of) {
  std::vector<std::pair<std::string_view, Entry*>> order(dirty.begin(), dirty.end());
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return a.second->write_seq < b.second->write_seq; });
  FlushedEntries<Write> flushed;
  flushed.writes.reserve(order.size());
  if (listening) flushed.contexts.reserve(order.size());
  for (auto& [key, entry] : order) {
    entry->dirty = false;
    std::optional<Bytes> old_value;
    if (listening && (send_old_values || !entry->value)) {
      old_value = old_value_of(key, *entry);
      if (!entry->value && !old_value) continue;
    }
    flushed.writes.push_back(write_of(key, *entry));
    if (listening) {
      flushed.old_values.push_back(send_old_values ? std::move(old_value) : std::nullopt);
      flushed.contexts.push_back(entry->context);
      flushed.erased.push_back(entry->erased);
    }
    entry->erased = false;
  }
  return flushed;
}

// Hands every flushed entry but an erasure's (state/erasure.h) to the listener, with the
// timestamp `timestamp_of(write)` gives.
template <class Write, class TimestampOf>
void forward_flushed(const FlushedEntries<Write>& flushed, const CacheFlushListener& listener,
                     TimestampOf&& timestamp_of) {
  for (size_t i = 0; i < flushed.writes.size(); ++i) {
    if (flushed.erased[i]) continue;
    const Write& w = flushed.writes[i];
    std::optional<std::string_view> old_value;
    if (flushed.old_values[i]) old_value = *flushed.old_values[i];
    listener(w.key, w.value ? std::optional<std::string_view>(*w.value) : std::nullopt, old_value,
             timestamp_of(w), flushed.contexts[i]);
  }
}

}  // namespace eddy::state
