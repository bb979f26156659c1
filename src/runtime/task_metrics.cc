#include "runtime/task_metrics.h"

#include "eddy/state/bytes_stores.h"
#include "state/store_metrics.h"

namespace eddy::runtime {
namespace {
double load(const std::atomic<uint64_t>& value) {
  return static_cast<double>(value.load(std::memory_order_relaxed));
}
}  // namespace

void TaskMetrics::Published::set(int64_t total) {
  if (total > last) counter->inc(total - last);
  last = total;
}

metrics::Labels TaskMetrics::labels(
    std::initializer_list<std::pair<std::string, std::string>> extra) const {
  metrics::Labels out{{"thread", thread_}, {"task", task_}};
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

TaskMetrics::TaskMetrics(metrics::Registry& registry, const std::string& thread,
                         const std::string& task, bool debug_level)
    : registry_(registry),
      owner_(registry.new_owner()),
      thread_(thread),
      task_(task),
      debug_level_(debug_level),
      records_in_(registry.counter("eddy_records_in_total",
                                   "Records the task consumed and processed",
                                   {{"thread", thread}, {"task", task}}, owner_)) {
  records_out_.counter = &registry.counter(
      "eddy_records_out_total", "Records the task produced to sink topics", labels({}), owner_);
  const char* skipped_help = "Records skipped by an error handler";
  auto skipped = [&](const char* handler) {
    return &registry.counter("eddy_skipped_records_total", skipped_help,
                             labels({{"handler", handler}}), owner_);
  };
  skipped_deserialization_.counter = skipped("deserialization");
  skipped_processing_.counter = skipped("processing");
  skipped_production_.counter = skipped("production");
  skipped_invalid_timestamp_.counter = skipped("invalid_timestamp");
  dead_lettered_.counter =
      &registry.counter("eddy_dead_lettered_records_total", "Records sent to the dead-letter topic",
                        labels({}), owner_);
  registry.histogram_fn(
      "eddy_record_e2e_latency_seconds",
      "Record timestamp to processing, as Kafka Streams' record-e2e-latency at the source",
      labels({}), [this] { return e2e_latency_.snapshot(); }, owner_);
}

TaskMetrics::~TaskMetrics() {
  registry_.remove_owner(owner_);
}

void TaskMetrics::add_store(const std::string& name, state::StoreMetrics& m, StateStore* store) {
  const auto store_labels = [&](std::initializer_list<std::pair<std::string, std::string>> extra) {
    metrics::Labels out = labels({{"store", name}});
    out.insert(out.end(), extra.begin(), extra.end());
    return out;
  };
  const char* ops_help = "Store operations (through the metered layer)";
  const std::pair<const char*, const std::atomic<uint64_t>*> ops[] = {{"put", &m.puts},
                                                                      {"get", &m.gets},
                                                                      {"delete", &m.deletes},
                                                                      {"range", &m.range_scans},
                                                                      {"flush", &m.flushes}};
  for (const auto& [op, count] : ops) {
    registry_.counter_fn(
        "eddy_store_operations_total", ops_help, store_labels({{"op", op}}),
        [c = count] { return load(*c); }, owner_);
  }
  if (debug_level_) {
    const std::pair<const char*, const std::atomic<uint64_t>*> latencies[] = {
        {"put", &m.put_latency_ns},
        {"get", &m.get_latency_ns},
        {"delete", &m.delete_latency_ns},
        {"range", &m.range_latency_ns},
        {"flush", &m.flush_latency_ns}};
    for (const auto& [op, ns] : latencies) {
      registry_.counter_fn(
          "eddy_store_operation_seconds_total",
          "Time spent in store operations (recording level debug)", store_labels({{"op", op}}),
          [n = ns] { return load(*n) * 1e-9; }, owner_);
    }
  }
  registry_.counter_fn(
      "eddy_store_cache_hits_total", "Record cache reads answered by the cache", store_labels({}),
      [&m] { return load(m.cache_hits); }, owner_);
  registry_.counter_fn(
      "eddy_store_cache_misses_total", "Record cache reads passed to the store below",
      store_labels({}), [&m] { return load(m.cache_misses); }, owner_);
  registry_.gauge_fn(
      "eddy_store_cache_hit_ratio", "Cache hits / (hits + misses) since the task started",
      store_labels({}),
      [&m] {
        const double hits = load(m.cache_hits);
        const double total = hits + load(m.cache_misses);
        return total == 0 ? 0.0 : hits / total;
      },
      owner_);
  registry_.counter_fn(
      "eddy_store_expired_records_total", "Records expired by TTL or retention", store_labels({}),
      [&m] { return load(m.expired_records); }, owner_);
  registry_.counter_fn(
      "eddy_restore_records_total", "Changelog records restored into the store", store_labels({}),
      [&m] { return load(m.restored_records); }, owner_);
  restore_remaining_[name] = &registry_.gauge(
      "eddy_restore_remaining_records", "Changelog records still to restore (0 once the task runs)",
      store_labels({}), owner_);
  if (dynamic_cast<BytesKeyValueStore*>(store) != nullptr) {
    entries_[name] = {
        &registry_.gauge("eddy_store_entries", "Approximate entries (RocksDB estimate-num-keys)",
                         store_labels({}), owner_),
        store};
  }
}

void TaskMetrics::restore_remaining(const std::string& store, int64_t remaining) {
  if (auto it = restore_remaining_.find(store); it != restore_remaining_.end())
    it->second->set(static_cast<double>(remaining));
}

void TaskMetrics::publish(const TaskTotals& totals, metrics::Histogram& e2e_latency_ms) {
  records_out_.set(totals.records_out);
  skipped_deserialization_.set(totals.deserialization_errors);
  skipped_processing_.set(totals.processing_errors);
  skipped_invalid_timestamp_.set(totals.invalid_timestamps);
  skipped_production_.set(totals.production_errors);
  dead_lettered_.set(totals.dead_lettered);
  if (totals.dropped_by != nullptr) {
    for (const auto& drop : *totals.dropped_by) {
      // The reason's short form: "null value (declare ...)" -> "null value".
      std::string reason(drop.reason);
      if (const auto paren = reason.find(" ("); paren != std::string::npos) reason.resize(paren);
      auto [it, added] = dropped_.try_emplace({drop.node, reason});
      if (added) {
        it->second.counter = &registry_.counter(
            "eddy_dropped_records_total",
            "Records a processor dropped on purpose (null key, null value, ...), by reason",
            labels({{"processor", drop.node}, {"reason", reason}}), owner_);
      }
      it->second.set(drop.count);
    }
  }
  if (totals.late_dropped_by_node != nullptr) {
    for (const auto& [node, count] : *totals.late_dropped_by_node) {
      auto [it, added] = late_by_node_.try_emplace(node);
      if (added) {
        it->second.counter = &registry_.counter(
            "eddy_late_records_dropped_total",
            "Records dropped by a windowed operator because their window had closed",
            labels({{"processor", node}}), owner_);
      }
      it->second.set(count);
    }
  }
  e2e_latency_.merge_and_reset(e2e_latency_ms);
  for (auto& [name, entry] : entries_) {
    auto* kv = static_cast<BytesKeyValueStore*>(entry.second);
    entry.first->set(static_cast<double>(kv->approximate_num_entries()));
  }
}

}  // namespace eddy::runtime
