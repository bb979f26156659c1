// eddy-session-scoring: scores every shopper's session as it happens.
//
// Reads retail.events (docs/retail-events.md), cuts each customer's events into sessions
// (--gap of inactivity ends one), and keeps per session the counts of views, adds, removes,
// checkouts, failures and purchases, the cart value, the revenue and a purchase-propensity
// score. While a session is open its features are pushed on every event to the Redis hash
// session-live:<customer_id>; once it closes, its final features go to the topic
// session.features and the hash session:<customer_id>. Without --redis the features are
// served from this process's memory instead. See docs/examples.md for a walk-through.
//
//   eddy-session-scoring --bootstrap-servers localhost:9092 --redis 127.0.0.1:6379
//   eddy-session-scoring --gap 5s --idle-close 2s --progress   # embedded broker, demo pace
//   eddy-session-scoring ... --erasure-topic erasure.requests  # "forget this customer"
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/app_options.h"
#include "common/duration.h"
#include "eddy/errors.h"
#include "eddy/kafka_streams.h"
#include "session_scoring/memory_feature_sink.h"
#include "session_scoring/scoreboard.h"
#include "session_scoring/session_scoring_topology.h"

namespace ex = eddy::examples;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  CLI::App cli{"eddy-session-scoring: per-customer session features and a propensity score"};
  ex::AppOptions app{.application_id = "eddy-session-scoring"};
  ex::add_app_options(cli, app);
  ex::SessionScoringOptions scoring;
  int partitions = 8;
  bool progress = false;
  std::size_t top_n = 10;
  ex::add_duration_option(cli, "--gap", scoring.gap,
                          "inactivity that ends a session (default 30m)");
  ex::add_duration_option(cli, "--idle-close", scoring.idle_close,
                          "also close sessions after this much wall-clock time without events "
                          "(default: off)");
  cli.add_option("--events-topic", scoring.events_topic, "input topic")->capture_default_str();
  cli.add_option("--output-topic", scoring.output_topic, "closed sessions' topic")
      ->capture_default_str();
  cli.add_option("--erasure-topic", scoring.erasure_topic,
                 "erasure requests (key customer_id): forget the customer in every store and "
                 "Redis hash (default: none; docs/operations.md \"Erasure\")");
  cli.add_option("--partitions", partitions, "partitions of topics this app creates")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cli.add_flag("--progress", progress, "print a progress line every second");
  cli.add_option("--top", top_n, "sessions listed in the summary at exit")->capture_default_str();
  CLI11_PARSE(cli, argc, argv);
  scoring.grace = app.grace;

  try {
    const eddy::StreamsConfig config = app.streams_config();
    // Printed first, on stdout, so a script can start the load generator on the same broker
    // (the embedded one lives in this process and listens on a random loopback port).
    std::printf("bootstrap.servers=%s%s\n", ex::reachable_bootstrap(config).c_str(),
                config.uses_embedded_broker() ? " (embedded broker, in this process)" : "");
    std::fflush(stdout);

    // Reads from the earliest offset on first start (no committed offsets yet). Creating the
    // input topic when missing lets the app start before the producer does.
    ex::create_topics_if_missing(config,
                                 {{.name = scoring.events_topic, .partitions = partitions}});
    const int output_partitions =
        ex::topic_partitions(config, scoring.events_topic).value_or(partitions);
    ex::create_topics_if_missing(config,
                                 {{.name = scoring.output_topic, .partitions = output_partitions}});
    // Co-partitioned with the events, so a request reaches the task holding its customer.
    if (!scoring.erasure_topic.empty()) {
      ex::create_topics_if_missing(
          config, {{.name = scoring.erasure_topic, .partitions = output_partitions}});
    }

    // Hot path and final results: Redis when given, else this process's memory.
    if (const auto redis = app.redis_endpoint()) {
      scoring.live_sink = ex::redis_hash_sink(*redis, "session-live:");
      scoring.final_sink = ex::redis_hash_sink(*redis, "session:");
    } else {
      eddy::SinkOptions options;
      options.name = "memory session-live:*";
      options.produced_time_header = std::string(ex::kProducedAtHeader);
      scoring.live_sink = std::make_shared<ex::MemoryFeatureSink>(options);
    }
    auto scoreboard = std::make_shared<ex::SessionScoreboard>(top_n);
    scoring.on_closed = [scoreboard](const std::string& customer, const ex::ClosedSession& s) {
      scoreboard->record(customer, s);
    };

    eddy::KafkaStreams streams(ex::session_scoring_topology(config, scoring), config);
    // On stdout too, so a script knows when to start producing (scripts/demo.sh waits for it).
    streams.set_state_listener([](auto, eddy::KafkaStreams::State to) {
      if (to == eddy::KafkaStreams::State::kRunning) {
        std::printf("state=RUNNING\n");
        std::fflush(stdout);
      }
    });

    int64_t last_in = 0;  // records_processed() counts running threads only: keep the last
    int64_t last_closed = 0;
    ex::RunOptions run;
    run.on_tick = [&] {
      const int64_t in = std::max(last_in, streams.records_processed());
      const int64_t closed = scoreboard->closed();
      const auto window = scoring.live_sink->freshness().append_time_window;
      if (progress) {
        std::fprintf(stderr,
                     "in %6lld ev/s | out %5lld sessions/s | sessions closed %7lld | live "
                     "freshness p99 %7.1f ms\n",
                     static_cast<long long>(in - last_in),
                     static_cast<long long>(closed - last_closed), static_cast<long long>(closed),
                     window.p99_ms);
      }
      last_in = in;
      last_closed = closed;
    };
    const int exit_code = ex::run_until_signal(streams, run);

    std::fprintf(stderr, "\neddy-session-scoring summary\n");
    std::fprintf(stderr, "  events processed %lld, sessions closed %lld\n",
                 static_cast<long long>(std::max(last_in, streams.records_processed())),
                 static_cast<long long>(scoreboard->closed()));
    scoreboard->print_top(stderr);
    ex::print_freshness(stderr, "open session (every event)", *scoring.live_sink);
    if (scoring.final_sink) ex::print_freshness(stderr, "closed session", *scoring.final_sink);
    return exit_code;
  } catch (const eddy::Error& e) {
    std::fprintf(stderr, "eddy-session-scoring: %s\n", e.what());
    return 2;
  }
}
