#include "state/rocksdb/sst_bulk_loader.h"

#include <algorithm>

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/sst_file_writer.h>

#include "state/rocksdb/rocksdb_shared.h"

namespace eddy::state {

SstBulkLoader::SstBulkLoader(rocksdb::DB& db, const rocksdb::Options& options,
                             std::filesystem::path temp_dir, int64_t max_buffer_bytes,
                             std::string store_name, SegmentRouting routing)
    : db_(db),
      options_(options),
      temp_dir_(std::move(temp_dir)),
      max_buffer_bytes_(max_buffer_bytes),
      store_name_(std::move(store_name)),
      routing_(std::move(routing)) {}

void SstBulkLoader::add(std::span<const ChangelogRecord> records) {
  for (const auto& r : records) {
    const std::string_view value = r.value.value_or(std::string_view());
    const int64_t segment = routing_.segment_of ? routing_.segment_of(r.key) : 0;
    slots_.push_back({segment, arena_.size(), static_cast<uint32_t>(r.key.size()),
                      static_cast<uint32_t>(value.size()), !r.value.has_value()});
    arena_.append(r.key);
    arena_.append(value);
  }
  const auto slot_bytes = static_cast<int64_t>(slots_.size() * sizeof(Slot));
  if (static_cast<int64_t>(arena_.size()) + slot_bytes >= max_buffer_bytes_) ingest_buffer();
}

void SstBulkLoader::finish() {
  ingest_buffer();
}

void SstBulkLoader::ingest_buffer() {
  if (slots_.empty()) return;
  const auto key_of = [this](const Slot& s) {
    return std::string_view(arena_).substr(s.key_offset, s.key_size);
  };
  // Sort on the first 16 key bytes as two big-endian integers (no memcmp call for short
  // keys), then the rest of the key, then the changelog position (the latest record wins).
  struct SortKey {
    int64_t segment;
    uint64_t hi;
    uint64_t lo;
    uint32_t slot;
  };
  const auto prefix_word = [](std::string_view key, size_t from) {
    uint64_t word = 0;
    for (size_t i = 0; i < 8; ++i) {
      word = (word << 8) | (from + i < key.size() ? static_cast<unsigned char>(key[from + i]) : 0u);
    }
    return word;
  };
  std::vector<SortKey> order(slots_.size());
  for (uint32_t i = 0; i < slots_.size(); ++i) {
    const std::string_view key = key_of(slots_[i]);
    order[i] = {slots_[i].segment, prefix_word(key, 0), prefix_word(key, 8), i};
  }
  std::sort(order.begin(), order.end(), [&](const SortKey& a, const SortKey& b) {
    if (a.segment != b.segment) return a.segment < b.segment;
    if (a.hi != b.hi) return a.hi < b.hi;
    if (a.lo != b.lo) return a.lo < b.lo;
    const Slot& sa = slots_[a.slot];
    const Slot& sb = slots_[b.slot];
    if (sa.key_size > 16 || sb.key_size > 16) {
      const int c = key_of(sa)
                        .substr(std::min<size_t>(16, sa.key_size))
                        .compare(key_of(sb).substr(std::min<size_t>(16, sb.key_size)));
      if (c != 0) return c < 0;
    }
    if (sa.key_size != sb.key_size) return sa.key_size < sb.key_size;
    return a.slot < b.slot;
  });

  // One file per segment (one in all for a key-value store), each into its column family.
  std::vector<uint32_t> run;
  for (size_t i = 0; i < order.size(); ++i) {
    run.push_back(order[i].slot);
    if (i + 1 == order.size() || order[i + 1].segment != order[i].segment) {
      ingest_run(run, order[i].segment);
      run.clear();
    }
  }
  arena_.clear();
  slots_.clear();
}

void SstBulkLoader::ingest_run(const std::vector<uint32_t>& run, int64_t segment) {
  rocksdb::ColumnFamilyHandle* family = db_.DefaultColumnFamily();
  if (routing_.column_family_of) {
    family = routing_.column_family_of(segment);
    if (family == nullptr) return;  // expired segment
  }
  const auto key_of = [this](const Slot& s) {
    return std::string_view(arena_).substr(s.key_offset, s.key_size);
  };
  std::filesystem::create_directories(temp_dir_);
  const std::filesystem::path file = temp_dir_ / ("restore-" + std::to_string(files_) + ".sst");
  rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), options_);
  throw_if_error(writer.Open(file.string()), store_name_, file, "open restore SST");
  for (size_t i = 0; i < run.size(); ++i) {
    // Equal keys are adjacent, oldest first: keep the last (the latest changelog record).
    if (i + 1 < run.size() && key_of(slots_[run[i]]) == key_of(slots_[run[i + 1]])) continue;
    const Slot& s = slots_[run[i]];
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
