// libFuzzer target: window and session keys as they come back from a changelog
// (src/state/key_schema.h). Arbitrary changelog records (any key bytes, values or tombstones)
// are restored into an in-memory window store and session store, which are then read whole
// and by key: decoding a short, negative or extreme key must neither crash nor overflow.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "state/key_schema.h"
#include "state/memory/in_memory_segmented_store.h"
#include "state/segmented_session_store.h"
#include "state/segmented_window_store.h"

namespace {
using eddy::state::ChangelogRecord;
using eddy::state::SessionKeySchema;
using eddy::state::WindowKeySchema;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

struct Records {
  std::vector<std::string> keys;
  std::vector<std::optional<std::string>> values;
  std::vector<ChangelogRecord> records;
};

Records read_records(FuzzedDataProvider& input) {
  Records out;
  while (input.remaining_bytes() > 0 && out.keys.size() < 64) {
    out.keys.push_back(input.ConsumeRandomLengthString(64));
    if (input.ConsumeBool()) {
      out.values.emplace_back(input.ConsumeRandomLengthString(16));
    } else {
      out.values.emplace_back(std::nullopt);
    }
  }
  for (size_t i = 0; i < out.keys.size(); ++i) {
    ChangelogRecord record;
    record.key = out.keys[i];
    if (out.values[i]) record.value = std::string_view(*out.values[i]);
    record.offset = static_cast<int64_t>(i);
    out.records.push_back(record);
  }
  return out;
}

// As the store factory's (store_factory.cc): the segment time a changelog key selects.
int64_t window_segment_time(std::string_view key) {
  return WindowKeySchema::valid(key) ? WindowKeySchema::window_start(key) : 0;
}
int64_t session_segment_time(std::string_view key) {
  return SessionKeySchema::valid(key) ? SessionKeySchema::window(key).end : 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  const int64_t retention = input.ConsumeIntegralInRange<int64_t>(1, int64_t{1} << 40);
  const eddy::state::Segments segments{
      .retention_ms = retention, .interval_ms = eddy::state::Segments::default_interval(retention)};
  const Records changelog = read_records(input);

  {
    auto inner = std::make_unique<eddy::state::InMemorySegmentedStore>("windows", segments,
                                                                       window_segment_time);
    auto* restore = inner.get();
    eddy::state::SegmentedWindowStore windows(std::move(inner), /*retain_duplicates=*/false);
    restore->restore_batch(changelog.records);
    for (auto it = windows.fetch_all(0, kMax); it->valid(); it->next()) {
      const auto key = std::string(it->key());
      if (it->window_start() < 0) std::abort();  // read back a window the query excludes
      (void)windows.fetch(key, it->window_start());
      for (auto k = windows.fetch(key, 0, kMax); k->valid(); k->next()) (void)k->value();
    }
    (void)windows.fetch_range(std::nullopt, std::nullopt, 0, kMax);
  }
  {
    auto inner = std::make_unique<eddy::state::InMemorySegmentedStore>("sessions", segments,
                                                                       session_segment_time);
    auto* restore = inner.get();
    eddy::state::SegmentedSessionStore sessions(std::move(inner));
    restore->restore_batch(changelog.records);
    for (auto it = sessions.fetch_all(0, kMax); it->valid(); it->next()) {
      const auto key = std::string(it->key());
      (void)sessions.fetch_session(key, it->window());
      for (auto k = sessions.fetch(key); k->valid(); k->next()) (void)k->window();
      for (auto k = sessions.find_sessions(key, 0, kMax); k->valid(); k->next()) (void)k->value();
    }
  }
  return 0;
}
