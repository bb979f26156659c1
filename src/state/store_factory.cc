#include "state/store_factory.h"

#include "eddy/errors.h"
#include "state/decorators/caching_key_value_store.h"
#include "state/decorators/caching_segmented_store.h"
#include "state/decorators/change_logging_stores.h"
#include "state/decorators/locked_stores.h"
#include "state/decorators/metered_stores.h"
#include "state/decorators/ttl_key_value_store.h"
#include "state/key_schema.h"
#include "state/memory/in_memory_key_value_store.h"
#include "state/memory/in_memory_segmented_store.h"
#include "state/persistent_stores.h"
#include "state/segmented_session_store.h"
#include "state/segmented_window_store.h"
#include "state/versioned_store.h"

namespace eddy::state {
namespace {

MemoryBudget& budget_of(StoreContext& context) {
  return context.memory_budget != nullptr ? *context.memory_budget : default_memory_budget();
}

void check_spec(const StoreSpec& spec) {
  if (spec.name.empty()) throw TopologyError("a state store needs a name");
  if (spec.ttl && spec.kind != StoreKind::kKeyValue) {
    throw TopologyError("store '" + spec.name +
                        "': TTL applies to key-value stores only; window and session stores "
                        "expire by retention");
  }
  if (spec.ttl && spec.ttl->ttl.count() <= 0) {
    throw TopologyError("store '" + spec.name + "': TTL must be positive");
  }
  // A stream-stream join's stores (retaining duplicates) may keep nothing behind stream time:
  // JoinWindows of time difference 0 and no grace, as Kafka Streams allows.
  if (spec.kind != StoreKind::kKeyValue &&
      (spec.retention_ms < 0 || (spec.retention_ms == 0 && !spec.retain_duplicates))) {
    throw TopologyError("store '" + spec.name + "': retention must be positive");
  }
  if (spec.history_retention_ms && spec.kind != StoreKind::kKeyValue) {
    throw TopologyError("store '" + spec.name + "': only key-value stores can be versioned");
  }
  if (spec.history_retention_ms && *spec.history_retention_ms < 0) {
    throw TopologyError("store '" + spec.name + "': the history retention must not be negative");
  }
  if (spec.kind == StoreKind::kWindow && spec.retention_ms < spec.window_size_ms) {
    throw TopologyError(
        "store '" + spec.name + "': retention (" + std::to_string(spec.retention_ms) +
        " ms) must be at least the window size (" + std::to_string(spec.window_size_ms) + " ms)");
  }
}

std::filesystem::path store_dir(const StoreSpec& spec, const StoreContext& context) {
  return context.task_dir / spec.name;
}

// Without a task folder (a test driver that set none) a persistent store runs in memory:
// same behaviour, nothing on disk.
bool on_disk(const StoreSpec& spec, const StoreContext& context) {
  return spec.persistent && !context.task_dir.empty();
}

struct SegmentedInner {
  std::unique_ptr<SegmentedBytesStore> store;
  RestoreTarget* restore = nullptr;
};

SegmentedInner make_segmented(const StoreSpec& spec, StoreContext& context, SegmentTimeFn time_of,
                              ReadPattern reads) {
  const Segments segments{.retention_ms = spec.retention_ms,
                          .interval_ms = Segments::default_interval(spec.retention_ms)};
  if (on_disk(spec, context)) {
    auto opened = open_persistent_segmented_store(spec.name, store_dir(spec, context), segments,
                                                  std::move(time_of), budget_of(context), reads,
                                                  context.rocksdb_config_setter);
    return {std::move(opened.store), opened.restore};
  }
  auto store = std::make_unique<InMemorySegmentedStore>(spec.name, segments, std::move(time_of));
  RestoreTarget* restore = store.get();
  return {std::move(store), restore};
}

bool logged(const StoreSpec& spec, const StoreContext& context) {
  return spec.logging && context.changelog != nullptr;
}

ChangelogTarget changelog_target(const StoreSpec& spec, const StoreContext& context,
                                 std::function<int64_t()> record_timestamp) {
  return {.writer = context.changelog,
          .topic = context.changelog_topic(spec.name),
          .partition = context.partition,
          .record_timestamp = std::move(record_timestamp)};
}

ChangelogTarget changelog_target(const StoreSpec& spec, const StoreContext& context) {
  return changelog_target(spec, context, context.record_timestamp);
}

// change-logging and caching over the segmented inner store.
std::unique_ptr<SegmentedBytesStore> decorate_segmented(std::unique_ptr<SegmentedBytesStore> store,
                                                        const StoreSpec& spec,
                                                        StoreContext& context) {
  if (logged(spec, context)) {
    store = std::make_unique<ChangeLoggingSegmentedStore>(std::move(store),
                                                          changelog_target(spec, context));
  }
  // Stores that retain duplicates never combine writes, so a cache would only add copies.
  if (spec.caching && !spec.retain_duplicates) {
    store = std::make_unique<CachingSegmentedStore>(
        std::move(store), budget_of(context), context.record_timestamp, context.record_context);
  }
  return store;
}

// A versioned store is one layer (versioned_store.h) over the inner store: it meters, logs
// and locks itself; no record cache (Kafka Streams has none for versioned stores either).
BuiltStore build_versioned_store(const StoreSpec& spec, StoreContext& context) {
  BuiltStore built;
  std::unique_ptr<BytesKeyValueStore> inner;
  RestoreTarget* inner_restore = nullptr;
  if (on_disk(spec, context)) {
    auto opened = open_persistent_key_value_store(
        spec.name, store_dir(spec, context), budget_of(context), context.rocksdb_config_setter);
    inner_restore = opened.restore;
    inner = std::move(opened.store);
  } else {
    auto store = std::make_unique<InMemoryKeyValueStore>(spec.name);
    inner_restore = store.get();
    inner = std::move(store);
  }
  VersionedStore::Options options;
  options.history_retention_ms = *spec.history_retention_ms;
  if (logged(spec, context)) options.changelog = changelog_target(spec, context);
  options.record_timestamp = context.record_timestamp;
  options.locking = context.store_registry != nullptr;
  options.ttl = spec.ttl;
  options.wall_clock = context.wall_clock_ms;
  auto store = std::make_unique<VersionedStore>(std::move(inner), inner_restore, options);
  built.restore = store.get();
  built.metrics = &store->metrics();
  built.store = std::move(store);
  if (logged(spec, context)) built.changelog_topic = context.changelog_topic(spec.name);
  return built;
}

}  // namespace

BuiltStore build_store(const StoreSpec& spec, StoreContext& context) {
  check_spec(spec);
  if (spec.history_retention_ms) return build_versioned_store(spec, context);
  BuiltStore built;
  switch (spec.kind) {
    case StoreKind::kKeyValue: {
      std::unique_ptr<BytesKeyValueStore> inner;
      if (on_disk(spec, context)) {
        auto opened = open_persistent_key_value_store(
            spec.name, store_dir(spec, context), budget_of(context), context.rocksdb_config_setter);
        built.restore = opened.restore;
        inner = std::move(opened.store);
      } else {
        auto store = std::make_unique<InMemoryKeyValueStore>(spec.name);
        built.restore = store.get();
        inner = std::move(store);
      }
      // Under a TTL layer, the layers below stamp an expiry's deletion with its expiry time.
      std::shared_ptr<std::optional<int64_t>> expiring_at;
      std::function<int64_t()> timestamp_below = context.record_timestamp;
      if (spec.ttl) {
        expiring_at = std::make_shared<std::optional<int64_t>>();
        timestamp_below = expiry_aware_timestamp(context.record_timestamp, expiring_at);
      }
      if (logged(spec, context)) {
        inner = std::make_unique<ChangeLoggingKeyValueStore>(
            std::move(inner), changelog_target(spec, context, timestamp_below));
      }
      if (spec.caching) {
        // A TTL expiry's deletion is the store's own change: it keeps no record's context.
        std::function<void(RecordContext&)> context_below = context.record_context;
        if (spec.ttl && context_below) {
          context_below = [fill = std::move(context_below), expiring_at](RecordContext& into) {
            if (expiring_at->has_value()) {
              into = RecordContext{};
            } else {
              fill(into);
            }
          };
        }
        inner = std::make_unique<CachingKeyValueStore>(std::move(inner), budget_of(context),
                                                       timestamp_below, std::move(context_below));
      }
      if (spec.ttl) {
        std::function<int64_t()> wall_clock = context.wall_clock_ms;
        if (!wall_clock) wall_clock = [] { return StoreContext().now_wall_clock_ms(); };
        inner = std::make_unique<TtlKeyValueStore>(std::move(inner), *spec.ttl,
                                                   context.record_timestamp, std::move(wall_clock),
                                                   std::move(expiring_at));
      }
      auto metered = std::make_unique<MeteredKeyValueStore>(std::move(inner));
      metered->time_calls(context.time_operations);
      built.metrics = &metered->metrics();
      if (auto* ttl = find_layer<TtlKeyValueStore>(*metered)) ttl->count_expiries_in(built.metrics);
      if (auto* cache = find_layer<CachingKeyValueStore>(*metered))
        cache->count_reads_in(built.metrics);
      built.store = std::move(metered);
      if (context.store_registry != nullptr) {
        built.store = std::make_unique<LockedKeyValueStore>(std::unique_ptr<BytesKeyValueStore>(
            static_cast<BytesKeyValueStore*>(built.store.release())));
      }
      if (logged(spec, context)) built.changelog_topic = context.changelog_topic(spec.name);
      return built;
    }
    case StoreKind::kWindow: {
      auto inner = make_segmented(
          spec, context,
          [](std::string_view key) {
            return WindowKeySchema::valid(key) ? WindowKeySchema::window_start(key) : 0;
          },
          ReadPattern::kPointReads);
      built.restore = inner.restore;
      auto metered = std::make_unique<MeteredWindowStore>(std::make_unique<SegmentedWindowStore>(
          decorate_segmented(std::move(inner.store), spec, context), spec.retain_duplicates,
          spec.time_ordered_reads));
      metered->time_calls(context.time_operations);
      built.metrics = &metered->metrics();
      if (auto* facade = find_layer<SegmentedWindowStore>(*metered)) {
        facade->count_expired_in(built.metrics, context.expired_put);
      }
      if (auto* cache = find_layer<CachingSegmentedStore>(*metered))
        cache->count_reads_in(built.metrics);
      built.store = std::move(metered);
      if (context.store_registry != nullptr) {
        built.store = std::make_unique<LockedWindowStore>(std::unique_ptr<BytesWindowStore>(
            static_cast<BytesWindowStore*>(built.store.release())));
      }
      if (logged(spec, context)) built.changelog_topic = context.changelog_topic(spec.name);
      return built;
    }
    case StoreKind::kSession: {
      auto inner = make_segmented(
          spec, context,
          [](std::string_view key) {
            return SessionKeySchema::valid(key) ? SessionKeySchema::window(key).end : 0;
          },
          ReadPattern::kRangeScans);
      built.restore = inner.restore;
      auto metered = std::make_unique<MeteredSessionStore>(std::make_unique<SegmentedSessionStore>(
          decorate_segmented(std::move(inner.store), spec, context)));
      metered->time_calls(context.time_operations);
      built.metrics = &metered->metrics();
      if (auto* cache = find_layer<CachingSegmentedStore>(*metered))
        cache->count_reads_in(built.metrics);
      built.store = std::move(metered);
      if (context.store_registry != nullptr) {
        built.store = std::make_unique<LockedSessionStore>(std::unique_ptr<BytesSessionStore>(
            static_cast<BytesSessionStore*>(built.store.release())));
      }
      if (logged(spec, context)) built.changelog_topic = context.changelog_topic(spec.name);
      return built;
    }
  }
  throw TopologyError("store '" + spec.name + "': unknown store kind");
}

std::unique_ptr<StateStore> create_store(const StoreSpec& spec, StoreContext& context) {
  return build_store(spec, context).store;
}

}  // namespace eddy::state
