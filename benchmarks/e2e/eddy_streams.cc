// eddy-bench-streams: the Eddy runner of the end-to-end benchmarks (benchmarks/runners/eddy.sh).
// Builds the workload's topology with Eddy's DSL, runs it with eddy::KafkaStreams (one stream
// thread, String serdes, at-least-once unless stated), stops once --records input records are
// processed, closes (flush + commit) and prints one JSON line last (see README.md beside this
// file). Same semantics and output format as benchmarks/kstreams/EddyBench.java.
//
//   W0     stream(in).to(out)
//   W1     filter (bench_common.h w1_keep) + map_values (w1_map) + to
//   W7     W1's topology (the harness feeds the input live)
//   W2     group_by_key + windowed_by(tumbling 1 s, no grace) + count (record cache on)
//   W2-nc  W2 with statestore.cache.max.bytes=0 and commit.interval.ms=100
//   W3     W2 with hopping windows: 1 s advancing by 500 ms
//   W8     W2 under exactly_once_v2
//   W4     tumbling 60 s count per key (record cache on) under a 256 MiB memory budget
//          (eddy.memory.budget.bytes); the harness feeds it 10 M keys and samples the RSS
//   W6     group_by_key + count into the key-value store "eddybench-w6" (record cache on),
//          whose changelog the harness pre-loaded (eddy-bench-load produce --changelog): the
//          run restores it from the broker, then processes --records input records. Started
//          again on the same state dir (the harness's W6-restart), it finds a valid
//          checkpoint. Adds the restore figures (restore_*) and first_record_s (process start
//          -> first input record processed) to the JSON line.
//   W9     the session-scoring example's topology itself (examples/session_scoring:
//          session_scoring_topology(), linked, not copied): retail events (its strict JSON
//          serde, event time from "ts") -> session windows per customer (gap --w9-gap-ms,
//          grace --w9-grace-ms) -> aggregate SessionFeatures -> suppress until the session
//          closes -> the output topic (key customer_id, the published JSON of ClosedSession).
//          No Redis sinks (final_sink / live_sink null). The harness feeds it events shaped by
//          eddy-bench-load produce --shape retail. The record cache is on in front of the
//          session store, as Kafka Streams' default cache is on for its peer.
//   W9-nc  W9 with the cache off (the example's default), its peer with a 0-byte cache.
// Windowed counts go out as key "<customer>@<window start ms>", value "<count>" (strings), the
// format of the Kafka Streams peer. Runner defaults below can be overridden with --prop.
//
// Stop condition: the main thread polls KafkaStreams::records_processed() (every 1 ms until the
// first record, then every 20 ms) and calls close() once it reaches --records. W0/W1 have one
// sub-topology, so the count is input records. The processing window (proc_*) starts when the
// main thread first sees a non-zero count; proc_records_per_cpu_s uses only the records
// processed inside that window.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.h"
#include "eddy/config.h"
#include "eddy/dsl/streams_builder.h"
#include "eddy/errors.h"
#include "eddy/kafka_streams.h"
#include "eddy/logging.h"
#ifdef EDDY_BENCH_HAS_W9
#include "session_scoring/session_scoring_topology.h"
#endif

namespace {

using eddy::bench::now_s;
using namespace std::chrono_literals;

struct Options {
  std::string workload;
  std::string bootstrap = "localhost:9092";
  std::string input;
  std::string output;
  int64_t records = 0;
  std::string app_id;
  std::string state_dir;
  double timeout_s = 600;
  int64_t w9_gap_ms = 30000;       // W9: the sessions' inactivity gap (event time)
  int64_t w9_grace_ms = 0;         // W9: their grace
  std::vector<std::string> props;  // extra StreamsConfig properties key=value
};

constexpr int kExitError = 1;
constexpr int kExitTimeout = 2;
constexpr int kExitNotClosed = 3;

void log_error(const std::string& message) {
  std::fprintf(stderr, "eddy-bench-streams: error: %s\n", message.c_str());
}

// The workload's own settings, applied before the user's --prop overrides, as the Kafka
// Streams peer sets them (EddyBench.java).
void apply_workload_settings(const std::string& workload, eddy::Properties& props) {
  if (workload == "W4") {
    props["eddy.memory.budget.bytes"] = std::to_string(256LL << 20);
  } else if (workload == "W2-nc") {
    props["statestore.cache.max.bytes"] = "0";
    props["commit.interval.ms"] = "100";
  } else if (workload == "W8") {
    props["processing.guarantee"] = "exactly_once_v2";
  }
}

// Kafka Streams caches stores by default and Eddy does not (docs/dsl.md), so the runner asks
// for the cache explicitly; W2-nc runs without it, as its peer does with a 0-byte cache.
void windowed_count(const eddy::KStream<std::string, std::string>& stream,
                    const eddy::TimeWindows& windows, bool caching, const std::string& output) {
  auto materialized = eddy::Materialized<std::string, int64_t>::as("eddybench-counts");
  if (caching) materialized.with_caching_enabled();
  stream.group_by_key()
      .windowed_by(windows)
      .count(materialized)
      .to_stream()
      // A table's stream carries optional values (nullopt: a delete); counts are never deleted.
      .map([](const eddy::Windowed<std::string>& key, const std::optional<int64_t>& count) {
        return std::make_pair(key.key + "@" + std::to_string(key.start),
                              std::to_string(count.value_or(0)));
      })
      .to(output);
}

// W6's restore figures, from the runtime's own log lines ("task 0_1: restore started (...)",
// "task 0_1: restore finished: N records in M ms"): the first start to the last finish, and
// the process's CPU over that span. Every line still goes to stderr.
struct RestoreWatch {
  std::mutex mu;
  int started = 0;
  int finished = 0;
  int64_t records = 0;
  double t_first_start = 0;
  double t_last_finish = 0;
  eddy::bench::Usage u_first_start;
  eddy::bench::Usage u_last_finish;

  void on_line(std::string_view message) {
    constexpr std::string_view kStarted = ": restore started";
    constexpr std::string_view kFinished = ": restore finished: ";
    if (message.find(kStarted) != std::string_view::npos) {
      std::lock_guard lock(mu);
      if (started++ == 0) {
        t_first_start = now_s();
        u_first_start = eddy::bench::self_usage();
      }
    } else if (const auto at = message.find(kFinished); at != std::string_view::npos) {
      const long long n = std::atoll(std::string(message.substr(at + kFinished.size())).c_str());
      std::lock_guard lock(mu);
      ++finished;
      records += n;
      t_last_finish = now_s();
      u_last_finish = eddy::bench::self_usage();
    }
  }
  bool done() {
    std::lock_guard lock(mu);
    return started > 0 && finished == started;
  }
};

RestoreWatch g_restore;

eddy::Topology build_topology(const Options& opt, const eddy::StreamsConfig& config) {
  if (opt.workload == "W9" || opt.workload == "W9-nc") {
#ifdef EDDY_BENCH_HAS_W9
    eddy::examples::SessionScoringOptions options;
    options.events_topic = opt.input;
    options.output_topic = opt.output;
    options.gap = std::chrono::milliseconds(opt.w9_gap_ms);
    options.grace = std::chrono::milliseconds(opt.w9_grace_ms);
    options.cache_sessions = opt.workload == "W9";
    return eddy::examples::session_scoring_topology(config, options);
#else
    throw std::runtime_error(
        "W9 needs the session-scoring example: configure with -DEDDY_BUILD_EXAMPLES=ON");
#endif
  }
  eddy::StreamsBuilder builder;
  auto source = builder.stream<std::string, std::string>(opt.input);
  if (opt.workload == "W0") {
    source.to(opt.output);
  } else if (opt.workload == "W6") {
    auto materialized = eddy::Materialized<std::string, int64_t>::as("eddybench-w6");
    materialized.with_caching_enabled();
    source.group_by_key()
        .count(materialized)
        .to_stream()
        .map_values(
            [](const std::optional<int64_t>& count) { return std::to_string(count.value_or(0)); })
        .to(opt.output);
  } else if (opt.workload == "W2" || opt.workload == "W2-nc" || opt.workload == "W8") {
    windowed_count(source, eddy::TimeWindows::of_size_with_no_grace(1s),
                   /*caching=*/opt.workload != "W2-nc", opt.output);
  } else if (opt.workload == "W4") {
    windowed_count(source, eddy::TimeWindows::of_size_with_no_grace(60s), /*caching=*/true,
                   opt.output);
  } else if (opt.workload == "W3") {
    windowed_count(source, eddy::TimeWindows::of_size_with_no_grace(1s).advance_by(500ms),
                   /*caching=*/true, opt.output);
  } else {  // W1, W7
    source
        .filter([](const std::string&, const std::string& value) {
          return eddy::bench::w1_keep(value);
        })
        .map_values([](const std::string& value) -> std::string {
          std::string mapped;
          mapped.reserve(value.size() + eddy::bench::kW1Suffix.size());
          eddy::bench::w1_map(value, mapped);
          return mapped;
        })
        .to(opt.output);
  }
  return builder.build(config);
}

}  // namespace

int main(int argc, char** argv) {
  const double t_start = now_s();
  Options opt;
  CLI::App app{"Eddy runner of the end-to-end benchmarks (KafkaStreams + DSL topology)"};
  app.add_option("--workload", opt.workload, "workload id")
      ->required()
      ->check(
          CLI::IsMember({"W0", "W1", "W2", "W2-nc", "W3", "W4", "W6", "W7", "W8", "W9", "W9-nc"}));
  app.add_option("--bootstrap", opt.bootstrap, "bootstrap.servers")->capture_default_str();
  app.add_option("--input", opt.input, "input topic")->required();
  app.add_option("--output", opt.output, "output topic (must exist)")->required();
  app.add_option("--records", opt.records, "stop after processing this many input records")
      ->required()
      ->check(CLI::PositiveNumber);
  app.add_option("--app-id", opt.app_id, "application.id")->required();
  app.add_option("--state-dir", opt.state_dir, "state.dir")->required();
  app.add_option("--timeout-s", opt.timeout_s, "give up (exit 2) after this many seconds")
      ->capture_default_str();
  app.add_option("--w9-gap-ms", opt.w9_gap_ms, "W9: session inactivity gap, ms of event time")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--w9-grace-ms", opt.w9_grace_ms, "W9: session grace, ms")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--prop", opt.props,
                 "extra StreamsConfig property key=value (overrides the runner's defaults)");
  CLI11_PARSE(app, argc, argv);

  eddy::Properties props{
      {"application.id", opt.app_id},
      {"bootstrap.servers", opt.bootstrap},
      {"state.dir", opt.state_dir},
      {"num.stream.threads", "1"},
      {"processing.guarantee", "at_least_once"},
      // Eddy's producer defaults to lz4; both peers write uncompressed (the raw pipe sets
      // none, Kafka Streams' default is none), so compare like with like.
      {"producer.compression.type", "none"},
  };
  apply_workload_settings(opt.workload, props);
  for (const auto& kv : opt.props) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos) {
      log_error("--prop '" + kv + "' is not key=value");
      return kExitError;
    }
    props[kv.substr(0, eq)] = kv.substr(eq + 1);
  }

  if (opt.workload == "W6") {
    eddy::set_log_callback([](const eddy::LogRecord& r) {
      if (r.source == "eddy") g_restore.on_line(r.message);
      static constexpr const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
      std::fprintf(stderr, "[%s] [%.*s] %.*s\n", kLevels[static_cast<int>(r.level)],
                   static_cast<int>(r.source.size()), r.source.data(),
                   static_cast<int>(r.message.size()), r.message.data());
    });
  }

  std::unique_ptr<eddy::KafkaStreams> streams;
  try {
    const auto config = eddy::StreamsConfig::from_properties(props);
    streams = std::make_unique<eddy::KafkaStreams>(build_topology(opt, config), config);
    streams->set_uncaught_error_handler([](std::exception_ptr error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        log_error(std::string("stream thread failed: ") + e.what());
      } catch (...) {
        log_error("stream thread failed");
      }
      return false;
    });
    streams->start();
  } catch (const std::exception& e) {
    log_error(e.what());
    return kExitError;
  }

  const double deadline = t_start + opt.timeout_s;
  double t_first = 0;
  int64_t at_first = 0;
  eddy::bench::Usage u_first;
  double next_progress = now_s() + 5;
  int64_t processed = 0;
  double t_first_record = 0;
  // W6 also waits until every task's restore finished (a task restored early processes
  // while the others still restore).
  while ((processed = streams->records_processed()) < opt.records ||
         (opt.workload == "W6" && !g_restore.done())) {
    std::this_thread::sleep_for(t_first == 0 ? 1ms : 20ms);
    const auto state = streams->state();
    if (state == eddy::KafkaStreams::State::kError ||
        state == eddy::KafkaStreams::State::kNotRunning) {
      log_error(std::string("streams stopped early in state ") +
                eddy::KafkaStreams::state_name(state));
      streams->close(30s);
      return kExitError;
    }
    const double now = now_s();
    if (t_first == 0) {
      if (const int64_t n = streams->records_processed(); n > 0) {
        t_first = now;
        t_first_record = now;
        at_first = n;
        u_first = eddy::bench::self_usage();
      }
    }
    if (now > deadline) {
      std::fprintf(stderr, "eddy-bench-streams: timeout after %.0f s with %lld/%lld records\n",
                   opt.timeout_s, static_cast<long long>(streams->records_processed()),
                   static_cast<long long>(opt.records));
      streams->close(30s);
      return kExitTimeout;
    }
    if (now > next_progress) {
      std::fprintf(stderr, "eddy-bench-streams: %s %lld/%lld records\n", opt.workload.c_str(),
                   static_cast<long long>(streams->records_processed()),
                   static_cast<long long>(opt.records));
      next_progress = now + 5;
    }
  }
  if (t_first == 0) {  // everything arrived within the first poll
    t_first = now_s();
    t_first_record = t_first;
    at_first = 0;
    u_first = eddy::bench::self_usage();
  }
  // The count is taken before close(): the runtime releases its threads (and their counters)
  // on close. close() flushes the producer (every output acknowledged), then commits.
  const int64_t records = streams->records_processed();
  const bool closed = streams->close(60s);
  const double t_done = now_s();
  const eddy::bench::Usage u_done = eddy::bench::self_usage();
  if (!closed) log_error("close() timed out");
  if (records != opt.records) {
    std::fprintf(stderr, "eddy-bench-streams: warning: processed %lld records, asked for %lld\n",
                 static_cast<long long>(records), static_cast<long long>(opt.records));
  }
  streams.reset();

  const eddy::bench::Usage u = eddy::bench::self_usage();
  const double wall = now_s() - t_start;
  const double proc_wall = t_done - t_first;
  const double proc_cpu = u_done.cpu_s() - u_first.cpu_s();
  const int64_t proc_records = records - at_first;
  std::printf(
      "{\"runner\":\"eddy\",\"workload\":\"%s\",\"records\":%lld,\"wall_s\":%.3f,"
      "\"cpu_s\":%.3f,\"cpu_user_s\":%.3f,\"cpu_sys_s\":%.3f,\"max_rss_kb\":%ld,"
      "\"records_per_cpu_s\":%.0f,\"proc_records\":%lld,\"proc_wall_s\":%.3f,"
      "\"proc_cpu_s\":%.3f,\"proc_records_per_cpu_s\":%.0f,\"closed_cleanly\":%s",
      opt.workload.c_str(), static_cast<long long>(records), wall, u.cpu_s(), u.user_s, u.sys_s,
      u.max_rss_kb, records / std::max(u.cpu_s(), 1e-9), static_cast<long long>(proc_records),
      proc_wall, proc_cpu, proc_records / std::max(proc_cpu, 1e-9), closed ? "true" : "false");
  if (opt.workload == "W6") {  // the restore's figures, in the same (last) line
    std::lock_guard lock(g_restore.mu);
    const double restore_wall = g_restore.t_last_finish - g_restore.t_first_start;
    const double restore_cpu = g_restore.u_last_finish.cpu_s() - g_restore.u_first_start.cpu_s();
    std::printf(
        ",\"restore_tasks\":%d,\"restore_records\":%lld,\"restore_wall_s\":%.3f,"
        "\"restore_cpu_s\":%.3f,\"restore_records_per_s\":%.0f,"
        "\"restore_records_per_cpu_s\":%.0f,\"restore_done_s\":%.3f,"
        "\"first_record_s\":%.3f",
        g_restore.finished, static_cast<long long>(g_restore.records), restore_wall, restore_cpu,
        static_cast<double>(g_restore.records) / std::max(restore_wall, 1e-9),
        static_cast<double>(g_restore.records) / std::max(restore_cpu, 1e-9),
        g_restore.t_last_finish - t_start, t_first_record - t_start);
  }
  std::printf("}\n");
  std::fflush(stdout);
  return closed ? 0 : kExitNotClosed;
}
