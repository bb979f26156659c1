#include "state/memory/in_memory_key_value_store.h"

namespace eddy::state {
namespace {

// Iterates a snapshot of the range, so writes during iteration cannot invalidate it.
class SnapshotIterator final : public KeyValueIterator {
 public:
  explicit SnapshotIterator(std::vector<std::pair<Bytes, Bytes>> entries)
      : entries_(std::move(entries)) {}
  bool valid() const override { return index_ < entries_.size(); }
  void next() override { ++index_; }
  std::string_view key() const override { return entries_[index_].first; }
  std::string_view value() const override { return entries_[index_].second; }

 private:
  std::vector<std::pair<Bytes, Bytes>> entries_;
  size_t index_ = 0;
};

}  // namespace

std::optional<Bytes> InMemoryKeyValueStore::get(std::string_view key) {
  auto it = map_.find(key);
  if (it == map_.end()) return std::nullopt;
  return it->second;
}

void InMemoryKeyValueStore::put(std::string_view key, std::optional<std::string_view> value) {
  if (!value) {
    if (auto it = map_.find(key); it != map_.end()) map_.erase(it);
    return;
  }
  auto it = map_.find(key);
  if (it == map_.end()) {
    map_.emplace(Bytes(key), Bytes(*value));
  } else {
    it->second.assign(value->data(), value->size());
  }
}

std::unique_ptr<KeyValueIterator> InMemoryKeyValueStore::range(std::optional<std::string_view> from,
                                                               std::optional<std::string_view> to) {
  std::vector<std::pair<Bytes, Bytes>> entries;
  auto it = from ? map_.lower_bound(*from) : map_.begin();
  for (; it != map_.end(); ++it) {
    if (to && std::string_view(it->first) > *to) break;
    entries.emplace_back(it->first, it->second);
  }
  return std::make_unique<SnapshotIterator>(std::move(entries));
}

}  // namespace eddy::state
