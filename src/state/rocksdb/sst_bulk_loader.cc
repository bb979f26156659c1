#include "state/rocksdb/sst_bulk_loader.h"

#include <algorithm>
#include <atomic>

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/sst_file_writer.h>

#include "state/rocksdb/rocksdb_shared.h"

namespace eddy::state {
namespace {
// Bulk loaders alive in the process. The buffer allowance a store passes in is its share of
// the one memory budget, the same for every store, so loaders restoring side by side split
// it instead of each taking all of it (four tasks restoring at once held four buffers).
std::atomic<int> g_live_loaders{0};
constexpr int64_t kMinBufferBytes = 4 << 20;
}  // namespace

SstBulkLoader::SstBulkLoader(rocksdb::DB& db, const rocksdb::Options& options,
                             std::filesystem::path temp_dir, int64_t max_buffer_bytes,
                             std::string store_name, SegmentRouting routing)
    : db_(db),
      options_(options),
      temp_dir_(std::move(temp_dir)),
      max_buffer_bytes_(max_buffer_bytes),
      store_name_(std::move(store_name)),
      routing_(std::move(routing)) {
  g_live_loaders.fetch_add(1, std::memory_order_relaxed);
}

SstBulkLoader::~SstBulkLoader() {
  g_live_loaders.fetch_sub(1, std::memory_order_relaxed);
}

void SstBulkLoader::add(std::span<const ChangelogRecord> records) {
  for (const auto& r : records) {
    const std::string_view value = r.value.value_or(std::string_view());
    const int64_t segment = routing_.segment_of ? routing_.segment_of(r.key) : 0;
    slots_.push_back({segment, arena_.size(), static_cast<uint32_t>(r.key.size()),
                      static_cast<uint32_t>(value.size()), !r.value.has_value()});
    arena_.append(r.key);
    arena_.append(value);
  }
  // The arena, the slots and the sort keys the ingest will add, against this loader's share.
  const int64_t share = std::max<int64_t>(
      max_buffer_bytes_ / std::max(1, g_live_loaders.load(std::memory_order_relaxed)),
      kMinBufferBytes);
  const auto slot_bytes = static_cast<int64_t>(slots_.size() * (sizeof(Slot) + sizeof(SortKey)));
  if (static_cast<int64_t>(arena_.size()) + slot_bytes >= share) ingest_buffer();
}

void SstBulkLoader::finish() {
  ingest_buffer();
}

void SstBulkLoader::ingest_buffer() {
  if (slots_.empty()) return;
  const auto prefix_word = [](std::string_view key, size_t from) {
    uint64_t word = 0;
    for (size_t i = 0; i < 8; ++i) {
      word = (word << 8) | (from + i < key.size() ? static_cast<unsigned char>(key[from + i]) : 0u);
    }
    return word;
  };
  // Sort on the first 16 key bytes as two big-endian integers, then the rest of the key (only
  // keys longer than 16 bytes read the arena), then the changelog position (the latest record
  // wins). The sort keys are read in order; the arena only for the tails of long keys.
  std::vector<SortKey> order(slots_.size());
  for (uint32_t i = 0; i < slots_.size(); ++i) {
    const Slot& slot = slots_[i];
    const std::string_view key(arena_.data() + slot.key_offset, slot.key_size);
    order[i] = {slot.segment, prefix_word(key, 0), prefix_word(key, 8), i, slot.key_size};
  }
  std::sort(order.begin(), order.end(), [this](const SortKey& a, const SortKey& b) {
    if (a.segment != b.segment) return a.segment < b.segment;
    if (a.hi != b.hi) return a.hi < b.hi;
    if (a.lo != b.lo) return a.lo < b.lo;
    if (a.key_size > 16 || b.key_size > 16) {
      const Slot& sa = slots_[a.slot];
      const Slot& sb = slots_[b.slot];
      const std::string_view ta(arena_.data() + sa.key_offset + 16,
                                sa.key_size - std::min<uint32_t>(16, sa.key_size));
      const std::string_view tb(arena_.data() + sb.key_offset + 16,
                                sb.key_size - std::min<uint32_t>(16, sb.key_size));
      if (const int c = ta.compare(tb); c != 0) return c < 0;
    }
    if (a.key_size != b.key_size) return a.key_size < b.key_size;
    return a.slot < b.slot;
  });

  // One file per segment (one in all for a key-value store), each into its column family.
  size_t begin = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    if (i + 1 == order.size() || order[i + 1].segment != order[i].segment) {
      ingest_run(std::span<const SortKey>(order).subspan(begin, i + 1 - begin));
      begin = i + 1;
    }
  }
  arena_.clear();
  slots_.clear();
}

bool SstBulkLoader::same_key(const SortKey& a, const SortKey& b) const {
  if (a.hi != b.hi || a.lo != b.lo || a.key_size != b.key_size) return false;
  if (a.key_size <= 16) return true;  // the two words held the whole key
  const Slot& sa = slots_[a.slot];
  const Slot& sb = slots_[b.slot];
  return std::string_view(arena_.data() + sa.key_offset, sa.key_size) ==
         std::string_view(arena_.data() + sb.key_offset, sb.key_size);
}

void SstBulkLoader::ingest_run(std::span<const SortKey> run) {
  const int64_t segment = run.front().segment;
  rocksdb::ColumnFamilyHandle* family = db_.DefaultColumnFamily();
  if (routing_.column_family_of) {
    family = routing_.column_family_of(segment);
    if (family == nullptr) return;  // expired segment
  }
  std::filesystem::create_directories(temp_dir_);
  const std::filesystem::path file = temp_dir_ / ("restore-" + std::to_string(files_) + ".sst");
  rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), options_);
  throw_if_error(writer.Open(file.string()), store_name_, file, "open restore SST");
  // The slots are visited in key order, so their slots and arena bytes are random reads:
  // fetch them a few records ahead (the slot further ahead, as the arena read needs it).
  constexpr size_t kSlotAhead = 16;
  constexpr size_t kArenaAhead = 8;
  for (size_t i = 0; i < run.size(); ++i) {
    if (i + kSlotAhead < run.size()) __builtin_prefetch(&slots_[run[i + kSlotAhead].slot]);
    if (i + kArenaAhead < run.size()) {
      __builtin_prefetch(arena_.data() + slots_[run[i + kArenaAhead].slot].key_offset);
    }
    // Equal keys are adjacent, oldest first: keep the last (the latest changelog record).
    if (i + 1 < run.size() && same_key(run[i], run[i + 1])) continue;
    const Slot& s = slots_[run[i].slot];
    const rocksdb::Slice key(arena_.data() + s.key_offset, s.key_size);
    if (s.tombstone) {
      throw_if_error(writer.Delete(key), store_name_, file, "write restore SST");
    } else {
      const rocksdb::Slice value(arena_.data() + s.key_offset + s.key_size, s.value_size);
      throw_if_error(writer.Put(key, value), store_name_, file, "write restore SST");
    }
  }
  throw_if_error(writer.Finish(), store_name_, file, "finish restore SST");
  rocksdb::IngestExternalFileOptions ingest;
  ingest.move_files = true;  // a hard link: no copy
  throw_if_error(db_.IngestExternalFile(family, {file.string()}, ingest), store_name_, file,
                 "ingest restore SST");
  ++files_;
}

}  // namespace eddy::state
