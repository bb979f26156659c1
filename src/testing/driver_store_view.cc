#include "testing/driver_store_view.h"

#include <algorithm>

#include "eddy/serde/serdes.h"
#include "kafka/partitioner.h"

namespace eddy::testing {
namespace {

class VectorIterator final : public KeyValueIterator {
 public:
  explicit VectorIterator(std::vector<std::pair<Bytes, Bytes>> entries)
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

std::optional<Bytes> DriverStoreView::get(std::string_view key) {
  for (auto* store : partitions_) {
    if (auto v = store->get(key))
      return timestamped_ ? v->substr(std::min<size_t>(8, v->size())) : *v;
  }
  return std::nullopt;
}

void DriverStoreView::put(std::string_view key, std::optional<std::string_view> value) {
  auto* store =
      partitions_.size() == 1
          ? partitions_.front()
          : partitions_[kafka::partition_for_key(key, static_cast<int32_t>(partitions_.size()))];
  if (!value || !timestamped_) {
    store->put(key, value);
    return;
  }
  Bytes with_ts;
  detail::append_big_endian_u64(0, with_ts);
  with_ts.append(*value);
  store->put(key, std::string_view(with_ts));
}

std::unique_ptr<KeyValueIterator> DriverStoreView::range(std::optional<std::string_view> from,
                                                         std::optional<std::string_view> to) {
  std::vector<std::pair<Bytes, Bytes>> entries;
  for (auto* store : partitions_) {
    for (auto it = store->range(from, to); it->valid(); it->next()) {
      std::string_view v = it->value();
      if (timestamped_) v.remove_prefix(std::min<size_t>(8, v.size()));
      entries.emplace_back(Bytes(it->key()), Bytes(v));
    }
  }
  std::sort(entries.begin(), entries.end());
  return std::make_unique<VectorIterator>(std::move(entries));
}

uint64_t DriverStoreView::approximate_num_entries() {
  uint64_t n = 0;
  for (auto* store : partitions_) n += store->approximate_num_entries();
  return n;
}

}  // namespace eddy::testing
