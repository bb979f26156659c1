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
#include <string>
#include <thread>
#include <vector>

#include "bench_common.h"
#include "eddy/config.h"
#include "eddy/dsl/streams_builder.h"
#include "eddy/errors.h"
#include "eddy/kafka_streams.h"

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
  if (workload == "W2-nc") {
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

eddy::Topology build_topology(const Options& opt, const eddy::StreamsConfig& config) {
  eddy::StreamsBuilder builder;
  auto source = builder.stream<std::string, std::string>(opt.input);
  if (opt.workload == "W0") {
    source.to(opt.output);
  } else if (opt.workload == "W2" || opt.workload == "W2-nc" || opt.workload == "W8") {
    windowed_count(source, eddy::TimeWindows::of_size_with_no_grace(1s),
                   /*caching=*/opt.workload != "W2-nc", opt.output);
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
      ->check(CLI::IsMember({"W0", "W1", "W2", "W2-nc", "W3", "W7", "W8"}));
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
  while ((processed = streams->records_processed()) < opt.records) {
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
      "\"proc_cpu_s\":%.3f,\"proc_records_per_cpu_s\":%.0f,\"closed_cleanly\":%s}\n",
      opt.workload.c_str(), static_cast<long long>(records), wall, u.cpu_s(), u.user_s, u.sys_s,
      u.max_rss_kb, records / std::max(u.cpu_s(), 1e-9), static_cast<long long>(proc_records),
      proc_wall, proc_cpu, proc_records / std::max(proc_cpu, 1e-9), closed ? "true" : "false");
  std::fflush(stdout);
  return closed ? 0 : kExitNotClosed;
}
