#include "state/rocksdb/rocksdb_segmented_store.h"

#include <algorithm>
#include <system_error>
#include <utility>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/write_batch.h>

#include "common/log.h"
#include "eddy/errors.h"
#include "state/key_schema.h"
#include "state/rocksdb/rocksdb_shared.h"

namespace eddy::state {
namespace {

constexpr std::string_view kSegmentPrefix = "segment-";
constexpr std::string_view kStreamTimeKey = "__eddy_stream_time";

std::string_view view(const rocksdb::Slice& s) {
  return {s.data(), s.size()};
}
rocksdb::Slice slice(std::string_view s) {
  return {s.data(), s.size()};
}
std::string segment_name(int64_t id) {
  return std::string(kSegmentPrefix) + std::to_string(id);
}

}  // namespace

RocksDbSegmentedStore::RocksDbSegmentedStore(std::string name, std::filesystem::path dir,
                                             Segments segments, SegmentTimeFn segment_time_of,
                                             MemoryBudget& budget, ReadPattern reads,
                                             RocksDbConfigSetter config_setter)
    : name_(std::move(name)),
      path_(std::move(dir)),
      segments_(segments),
      segment_time_of_(std::move(segment_time_of)),
      budget_(budget),
      config_setter_(std::move(config_setter)),
      options_(std::make_unique<rocksdb::Options>(
          make_rocksdb_options(budget_, name_, config_setter_, reads))) {
  open();
}

RocksDbSegmentedStore::~RocksDbSegmentedStore() {
  try {
    close();
  } catch (const std::exception& e) {
    EDDY_LOG_ERROR("store '{}': close failed: {}", name_, e.what());
  }
}

void RocksDbSegmentedStore::open() {
  std::error_code ec;
  opened_existing_ = std::filesystem::exists(path_ / "CURRENT", ec);
  std::filesystem::create_directories(path_.parent_path(), ec);

  std::vector<std::string> families{rocksdb::kDefaultColumnFamilyName};
  if (opened_existing_) {
    std::vector<std::string> listed;
    const rocksdb::Status status =
        rocksdb::DB::ListColumnFamilies(*options_, path_.string(), &listed);
    if (status.ok()) {
      families = listed;
    } else {
      EDDY_LOG_WARN(
          "store '{}' at {}: cannot list segments ({}); deleting it to rebuild from the changelog",
          name_, path_.string(), status.ToString());
      std::filesystem::remove_all(path_, ec);
      opened_existing_ = false;
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.reserve(families.size());
  for (const auto& family : families) descriptors.emplace_back(family, *options_);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status status =
      rocksdb::DB::Open(*options_, path_.string(), descriptors, &handles, &raw);
  if (!status.ok() && is_unusable_local_state(status)) {
    EDDY_LOG_WARN(
        "store '{}' at {}: local state unusable ({}); deleting it to rebuild from the changelog",
        name_, path_.string(), status.ToString());
    std::filesystem::remove_all(path_, ec);
    opened_existing_ = false;
    descriptors.assign(
        1, rocksdb::ColumnFamilyDescriptor(rocksdb::kDefaultColumnFamilyName, *options_));
    status = rocksdb::DB::Open(*options_, path_.string(), descriptors, &handles, &raw);
  }
  throw_if_error(status, name_, path_, "open");
  db_.reset(raw);
  for (size_t i = 0; i < descriptors.size(); ++i) {
    const std::string& family = descriptors[i].name;
    if (family.starts_with(kSegmentPrefix)) {
      handles_[std::stoll(family.substr(kSegmentPrefix.size()))] = handles[i];
    } else if (handles[i] != db_->DefaultColumnFamily()) {
      db_->DestroyColumnFamilyHandle(handles[i]);
    }
  }
  std::string stream_time;
  if (db_->Get(rocksdb::ReadOptions(), slice(kStreamTimeKey), &stream_time).ok() &&
      stream_time.size() == 8) {
    stream_time_ = read_be64(stream_time.data());
  }
  empty_ = !opened_existing_;
}

void RocksDbSegmentedStore::close_handles() {
  for (auto& [id, handle] : handles_) db_->DestroyColumnFamilyHandle(handle);
  handles_.clear();
}

rocksdb::DB& RocksDbSegmentedStore::db() {
  if (!db_)
    throw StateStoreError("store '" + name_ + "' at " + path_.string() + ": used after close");
  return *db_;
}

std::vector<rocksdb::ColumnFamilyHandle*> RocksDbSegmentedStore::all_families() const {
  std::vector<rocksdb::ColumnFamilyHandle*> families{db_->DefaultColumnFamily()};
  for (const auto& [id, handle] : handles_) families.push_back(handle);
  return families;
}

void RocksDbSegmentedStore::persist(bool wait) {
  if (!db_) return;
  Bytes stream_time;
  append_be64(stream_time, stream_time_);
  throw_if_error(db_->Put(no_wal_write_options(), slice(kStreamTimeKey), slice(stream_time)), name_,
                 path_, "store stream time");
  flush_memtables(*db_, all_families(), wait, name_, path_);
}

bool RocksDbSegmentedStore::persisted() const {
  return !db_ || memtables_flushed(*db_, all_families());
}

void RocksDbSegmentedStore::close() {
  if (!db_) return;
  persist();
  close_handles();
  const rocksdb::Status status = db_->Close();
  db_.reset();
  throw_if_error(status, name_, path_, "close");
}

void RocksDbSegmentedStore::advance_stream_time(int64_t timestamp) {
  if (timestamp <= stream_time_) return;
  stream_time_ = timestamp;
  const int64_t min_live = segments_.min_live_segment(stream_time_);
  while (!handles_.empty() && handles_.begin()->first < min_live) {
    auto* handle = handles_.begin()->second;
    // Dropping the column family frees the whole segment at once: no per-key tombstones.
    throw_if_error(db().DropColumnFamily(handle), name_, path_, "drop expired segment");
    db().DestroyColumnFamilyHandle(handle);
    handles_.erase(handles_.begin());
  }
}

rocksdb::ColumnFamilyHandle* RocksDbSegmentedStore::segment_for_write(int64_t id) {
  if (id < segments_.min_live_segment(stream_time_)) return nullptr;  // expired
  auto it = handles_.find(id);
  if (it != handles_.end()) return it->second;
  rocksdb::ColumnFamilyHandle* handle = nullptr;
  throw_if_error(db().CreateColumnFamily(*options_, segment_name(id), &handle), name_, path_,
                 "create segment");
  handles_[id] = handle;
  return handle;
}

void RocksDbSegmentedStore::put(std::string_view key, std::optional<std::string_view> value,
                                int64_t timestamp) {
  empty_ = false;
  advance_stream_time(timestamp);
  const int64_t id = segments_.id(timestamp);
  if (!value) {
    auto it = handles_.find(id);
    if (it == handles_.end()) return;
    throw_if_error(db().Delete(no_wal_write_options(), it->second, slice(key)), name_, path_,
                   "delete");
    return;
  }
  auto* segment = segment_for_write(id);
  if (segment == nullptr) return;
  throw_if_error(db().Put(no_wal_write_options(), segment, slice(key), slice(*value)), name_, path_,
                 "put");
}

void RocksDbSegmentedStore::put_all(std::span<const StoreWrite> writes) {
  empty_ = false;
  // Advance stream time (and drop segments) first, so the batch never names a dropped one.
  for (const auto& w : writes) advance_stream_time(w.timestamp);
  rocksdb::WriteBatch batch;
  for (const StoreWrite* write :
       in_key_order(writes, [](const StoreWrite& w) -> std::string_view { return w.key; })) {
    const StoreWrite& w = *write;
    auto* segment = segment_for_write(segments_.id(w.timestamp));
    if (segment == nullptr) continue;
    if (w.value) {
      batch.Put(segment, slice(w.key), slice(*w.value));
    } else {
      batch.Delete(segment, slice(w.key));
    }
  }
  throw_if_error(db().Write(no_wal_write_options(), &batch), name_, path_, "write batch");
}

std::optional<Bytes> RocksDbSegmentedStore::get(std::string_view key, int64_t timestamp) {
  auto it = handles_.find(segments_.id(timestamp));
  if (it == handles_.end()) return std::nullopt;
  rocksdb::PinnableSlice value;
  const rocksdb::Status status = db().Get(rocksdb::ReadOptions(), it->second, slice(key), &value);
  if (status.IsNotFound()) return std::nullopt;
  throw_if_error(status, name_, path_, "get");
  return Bytes(value.data(), value.size());
}

std::vector<KeyValueBytes> RocksDbSegmentedStore::range(std::string_view from,
                                                        std::optional<std::string_view> to,
                                                        int64_t time_from, int64_t time_to) {
  std::vector<KeyValueBytes> out;
  if (time_from > time_to) return out;
  const int64_t last = segments_.id(time_to);
  for (auto segment = handles_.lower_bound(segments_.id(time_from));
       segment != handles_.end() && segment->first <= last; ++segment) {
    std::unique_ptr<rocksdb::Iterator> it(
        db().NewIterator(rocksdb::ReadOptions(), segment->second));
    for (it->Seek(slice(from)); it->Valid() && (!to || view(it->key()) <= *to); it->Next()) {
      out.push_back({Bytes(view(it->key())), Bytes(view(it->value()))});
    }
    throw_if_error(it->status(), name_, path_, "range scan");
  }
  return out;
}

void RocksDbSegmentedStore::restore_batch(std::span<const ChangelogRecord> records) {
  for (const auto& record : records) advance_stream_time(segment_time_of_(record.key));
  if (empty_ && !bulk_loader_) {
    SegmentRouting routing{
        .segment_of = [this](std::string_view key) { return segments_.id(segment_time_of_(key)); },
        .column_family_of = [this](int64_t id) { return segment_for_write(id); }};
    bulk_loader_ = std::make_unique<SstBulkLoader>(
        db(), *options_, path_ / "restore-tmp",
        std::max<int64_t>(budget_.memtable_bytes() / 2, 4 << 20), name_, std::move(routing));
  }
  if (bulk_loader_) {
    bulk_loader_->add(records);
    return;
  }
  rocksdb::WriteBatch batch;
  for (const auto& record : records) {
    auto* segment = segment_for_write(segments_.id(segment_time_of_(record.key)));
    if (segment == nullptr) continue;
    if (record.value) {
      batch.Put(segment, slice(record.key), slice(*record.value));
    } else {
      batch.Delete(segment, slice(record.key));
    }
  }
  throw_if_error(db().Write(no_wal_write_options(), &batch), name_, path_, "restore batch");
}

void RocksDbSegmentedStore::restore_done() {
  if (bulk_loader_) {
    bulk_loader_->finish();
    bulk_loader_.reset();
    std::error_code ec;
    std::filesystem::remove_all(path_ / "restore-tmp", ec);
  }
  empty_ = false;
  persist();
}

void RocksDbSegmentedStore::wipe_local_state() {
  if (db_) {
    close_handles();
    db_->Close();
    db_.reset();
  }
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  stream_time_ = kNoStreamTime;
  open();
  opened_existing_ = false;
  empty_ = true;
}

}  // namespace eddy::state
