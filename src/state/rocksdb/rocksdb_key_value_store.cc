#include "state/rocksdb/rocksdb_key_value_store.h"

#include <algorithm>
#include <system_error>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/write_batch.h>

#include "common/log.h"
#include "eddy/errors.h"
#include "state/rocksdb/rocksdb_shared.h"

namespace eddy::state {
namespace {

std::string_view view(const rocksdb::Slice& s) {
  return {s.data(), s.size()};
}
rocksdb::Slice slice(std::string_view s) {
  return {s.data(), s.size()};
}

class RocksDbRangeIterator final : public KeyValueIterator {
 public:
  RocksDbRangeIterator(std::unique_ptr<rocksdb::Iterator> it, std::optional<Bytes> to,
                       const std::string& store, const std::filesystem::path& path)
      : it_(std::move(it)), to_(std::move(to)), store_(store), path_(path) {
    check();
  }
  bool valid() const override { return valid_; }
  void next() override {
    it_->Next();
    check();
  }
  std::string_view key() const override { return view(it_->key()); }
  std::string_view value() const override { return view(it_->value()); }

 private:
  void check() {
    valid_ = it_->Valid() && (!to_ || view(it_->key()) <= *to_);
    if (!it_->Valid()) throw_if_error(it_->status(), store_, path_, "range scan");
  }
  std::unique_ptr<rocksdb::Iterator> it_;
  std::optional<Bytes> to_;
  const std::string& store_;
  const std::filesystem::path& path_;
  bool valid_ = false;
};

}  // namespace

RocksDbKeyValueStore::RocksDbKeyValueStore(std::string name, std::filesystem::path dir,
                                           MemoryBudget& budget, RocksDbConfigSetter config_setter)
    : name_(std::move(name)),
      path_(std::move(dir)),
      budget_(budget),
      config_setter_(std::move(config_setter)) {
  open();
}

RocksDbKeyValueStore::~RocksDbKeyValueStore() {
  try {
    close();
  } catch (const std::exception& e) {
    EDDY_LOG_ERROR("store '{}': close failed: {}", name_, e.what());
  }
}

void RocksDbKeyValueStore::open() {
  std::error_code ec;
  opened_existing_ = std::filesystem::exists(path_ / "CURRENT", ec);
  std::filesystem::create_directories(path_.parent_path(), ec);
  options_ = std::make_unique<rocksdb::Options>(
      make_rocksdb_options(budget_, name_, config_setter_, ReadPattern::kPointReads));
  const rocksdb::Options& options = *options_;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(options, path_.string(), &raw);
  if (!status.ok() && is_unusable_local_state(status)) {
    // Never use a store RocksDB cannot read: drop it and let restore rebuild it.
    EDDY_LOG_WARN(
        "store '{}' at {}: local state unusable ({}); deleting it to rebuild from the changelog",
        name_, path_.string(), status.ToString());
    std::filesystem::remove_all(path_, ec);
    opened_existing_ = false;
    status = rocksdb::DB::Open(options, path_.string(), &raw);
  }
  throw_if_error(status, name_, path_, "open");
  db_.reset(raw);
  empty_ = !opened_existing_;
}

rocksdb::DB& RocksDbKeyValueStore::db() {
  if (!db_)
    throw StateStoreError("store '" + name_ + "' at " + path_.string() + ": used after close");
  return *db_;
}

void RocksDbKeyValueStore::persist() {
  if (db_) flush_memtables(*db_, {db_->DefaultColumnFamily()}, /*wait=*/true, name_, path_);
}

void RocksDbKeyValueStore::begin_persist() {
  if (db_) flush_memtables(*db_, {db_->DefaultColumnFamily()}, /*wait=*/false, name_, path_);
}

bool RocksDbKeyValueStore::persisted() const {
  return !db_ || memtables_flushed(*db_, {db_->DefaultColumnFamily()});
}

void RocksDbKeyValueStore::close() {
  if (!db_) return;
  persist();
  const rocksdb::Status status = db_->Close();
  db_.reset();
  throw_if_error(status, name_, path_, "close");
}

std::optional<Bytes> RocksDbKeyValueStore::get(std::string_view key) {
  rocksdb::PinnableSlice value;
  const rocksdb::Status status =
      db().Get(rocksdb::ReadOptions(), db().DefaultColumnFamily(), slice(key), &value);
  if (status.IsNotFound()) return std::nullopt;
  throw_if_error(status, name_, path_, "get");
  return Bytes(value.data(), value.size());
}

void RocksDbKeyValueStore::put(std::string_view key, std::optional<std::string_view> value) {
  empty_ = false;
  const rocksdb::WriteOptions options = no_wal_write_options();
  const rocksdb::Status status =
      value ? db().Put(options, slice(key), slice(*value)) : db().Delete(options, slice(key));
  throw_if_error(status, name_, path_, value ? "put" : "delete");
}

void RocksDbKeyValueStore::put_all(
    const std::vector<std::pair<Bytes, std::optional<Bytes>>>& entries) {
  rocksdb::WriteBatch batch;
  for (const auto* entry : in_key_order(
           std::span(entries), [](const auto& e) -> std::string_view { return e.first; })) {
    const auto& [key, value] = *entry;
    if (value) {
      batch.Put(key, *value);
    } else {
      batch.Delete(key);
    }
  }
  throw_if_error(db().Write(no_wal_write_options(), &batch), name_, path_, "write batch");
}

std::unique_ptr<KeyValueIterator> RocksDbKeyValueStore::range(std::optional<std::string_view> from,
                                                              std::optional<std::string_view> to) {
  std::unique_ptr<rocksdb::Iterator> it(db().NewIterator(rocksdb::ReadOptions()));
  if (from) {
    it->Seek(slice(*from));
  } else {
    it->SeekToFirst();
  }
  return std::make_unique<RocksDbRangeIterator>(
      std::move(it), to ? std::optional<Bytes>(*to) : std::nullopt, name_, path_);
}

uint64_t RocksDbKeyValueStore::approximate_num_entries() {
  uint64_t count = 0;
  db().GetIntProperty("rocksdb.estimate-num-keys", &count);
  return count;
}

void RocksDbKeyValueStore::restore_batch(std::span<const ChangelogRecord> records) {
  if (empty_ && !bulk_loader_) {
    bulk_loader_ = std::make_unique<SstBulkLoader>(
        db(), *options_, path_ / "restore-tmp",
        std::max<int64_t>(budget_.memtable_bytes() / 2, 4 << 20), name_);
  }
  if (bulk_loader_) {
    bulk_loader_->add(records);
    return;
  }
  rocksdb::WriteBatch batch;
  for (const auto& record : records) {
    if (record.value) {
      batch.Put(slice(record.key), slice(*record.value));
    } else {
      batch.Delete(slice(record.key));
    }
  }
  throw_if_error(db().Write(no_wal_write_options(), &batch), name_, path_, "restore batch");
}

void RocksDbKeyValueStore::restore_done() {
  if (bulk_loader_) {
    bulk_loader_->finish();
    bulk_loader_.reset();
    std::error_code ec;
    std::filesystem::remove_all(path_ / "restore-tmp", ec);
  }
  empty_ = false;
  persist();
}

void RocksDbKeyValueStore::wipe_local_state() {
  if (db_) {
    db_->Close();
    db_.reset();
  }
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  open();
  opened_existing_ = false;
  empty_ = true;
}

}  // namespace eddy::state
