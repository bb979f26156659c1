#include "state/store_factory.h"

#include "eddy/errors.h"
#include "state/key_schema.h"
#include "state/memory/in_memory_key_value_store.h"
#include "state/memory/in_memory_segmented_store.h"
#include "state/rocksdb/rocksdb_key_value_store.h"
#include "state/rocksdb/rocksdb_segmented_store.h"
#include "state/rocksdb/rocksdb_shared.h"
#include "state/segmented_session_store.h"
#include "state/segmented_window_store.h"

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
  if (spec.kind != StoreKind::kKeyValue && spec.retention_ms <= 0) {
    throw TopologyError("store '" + spec.name + "': retention must be positive");
  }
  if (spec.kind == StoreKind::kWindow && spec.retention_ms < spec.window_size_ms) {
    throw TopologyError(
        "store '" + spec.name + "': retention (" + std::to_string(spec.retention_ms) +
        " ms) must be at least the window size (" + std::to_string(spec.window_size_ms) + " ms)");
  }
}

std::filesystem::path store_dir(const StoreSpec& spec, const StoreContext& context) {
  if (context.task_dir.empty()) {
    throw StateStoreError(
        "store '" + spec.name +
        "': a persistent store needs the task's state directory (StoreContext::task_dir)");
  }
  return context.task_dir / spec.name;
}

struct SegmentedInner {
  std::unique_ptr<SegmentedBytesStore> store;
  RestoreTarget* restore = nullptr;
};

SegmentedInner make_segmented(const StoreSpec& spec, StoreContext& context, SegmentTimeFn time_of) {
  const Segments segments{.retention_ms = spec.retention_ms,
                          .interval_ms = Segments::default_interval(spec.retention_ms)};
  if (spec.persistent) {
    auto store = std::make_unique<RocksDbSegmentedStore>(
        spec.name, store_dir(spec, context), segments, std::move(time_of), budget_of(context),
        context.rocksdb_config_setter);
    RestoreTarget* restore = store.get();
    return {std::move(store), restore};
  }
  auto store = std::make_unique<InMemorySegmentedStore>(spec.name, segments, std::move(time_of));
  RestoreTarget* restore = store.get();
  return {std::move(store), restore};
}

}  // namespace

BuiltStore build_store(const StoreSpec& spec, StoreContext& context) {
  check_spec(spec);
  BuiltStore built;
  switch (spec.kind) {
    case StoreKind::kKeyValue: {
      std::unique_ptr<BytesKeyValueStore> inner;
      if (spec.persistent) {
        auto store = std::make_unique<RocksDbKeyValueStore>(
            spec.name, store_dir(spec, context), budget_of(context), context.rocksdb_config_setter);
        built.restore = store.get();
        inner = std::move(store);
      } else {
        auto store = std::make_unique<InMemoryKeyValueStore>(spec.name);
        built.restore = store.get();
        inner = std::move(store);
      }
      built.store = std::move(inner);
      return built;
    }
    case StoreKind::kWindow: {
      auto inner = make_segmented(spec, context, [](std::string_view key) {
        return WindowKeySchema::valid(key) ? WindowKeySchema::window_start(key) : 0;
      });
      built.restore = inner.restore;
      built.store =
          std::make_unique<SegmentedWindowStore>(std::move(inner.store), spec.retain_duplicates);
      return built;
    }
    case StoreKind::kSession: {
      auto inner = make_segmented(spec, context, [](std::string_view key) {
        return SessionKeySchema::valid(key) ? SessionKeySchema::window(key).end : 0;
      });
      built.restore = inner.restore;
      built.store = std::make_unique<SegmentedSessionStore>(std::move(inner.store));
      return built;
    }
  }
  throw TopologyError("store '" + spec.name + "': unknown store kind");
}

std::unique_ptr<StateStore> create_store(const StoreSpec& spec, StoreContext& context) {
  return build_store(spec, context).store;
}

}  // namespace eddy::state
