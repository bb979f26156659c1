// eddy-demo: the four retail apps in one process, side by side on the same events — session
// scoring, checkout alerts, trending SKUs and offer attribution, each its own KafkaStreams
// instance with its own application.id (consumer group, state, internal topics), exactly as
// the separate binaries run them. scripts/demo.sh starts it next to eddy-loadgen.
//
// Why one process: with no Kafka running, the demo uses the embedded broker, which lives in
// the process that starts it and has no Admin API for other processes (docs/embedded-broker.md),
// so the apps that need internal topics (repartition, changelogs) must share its process.
// Against a real broker (--bootstrap-servers) the four binaries can equally run apart.
//
// Progress, once a second: events in, each app's output so far, the freshness of the session
// features (produced -> served, p99 over the last minute) and the late events each app
// dropped (the load generator sends some on purpose; they are counted, not logged). At exit
// (SIGINT/SIGTERM), one summary per app.
//
//   eddy-demo --gap 5s --idle-close 2s --progress     # embedded broker, prints its address
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "checkout_alerts/checkout_alerts_topology.h"
#include "common/app_options.h"
#include "common/duration.h"
#include "eddy/errors.h"
#include "eddy/kafka_streams.h"
#include "eddy/sink/redis_sink.h"
#include "offer_attribution/offer_attribution_topology.h"
#include "offer_attribution/offer_scoreboard.h"
#include "session_scoring/memory_feature_sink.h"
#include "session_scoring/scoreboard.h"
#include "session_scoring/session_scoring_topology.h"
#include "trending_skus/trending_skus_topology.h"

namespace ex = eddy::examples;
using namespace std::chrono_literals;

namespace {

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_stop_signal(int signal) {
  g_stop = signal;
}

// Alerts eddy-checkout-alerts raised: how many, and the last few.
class AlertBoard {
 public:
  void record(const nlohmann::json& alert) {
    std::lock_guard lock(mutex_);
    ++total_;
    last_.push_back(alert);
    if (last_.size() > 5) last_.erase(last_.begin());
  }
  int64_t total() const {
    std::lock_guard lock(mutex_);
    return total_;
  }
  void print(std::FILE* out) const {
    std::lock_guard lock(mutex_);
    std::fprintf(out, "  alerts raised %lld%s\n", static_cast<long long>(total_),
                 last_.empty() ? "" : "; the last ones:");
    for (const auto& a : last_) {
      std::fprintf(out, "    %-16s %lld failures in [%lld, %lld)\n",
                   a.at("customer_id").get<std::string>().c_str(),
                   static_cast<long long>(a.at("failures").get<int64_t>()),
                   static_cast<long long>(a.at("window_start").get<int64_t>()),
                   static_cast<long long>(a.at("window_end").get<int64_t>()));
    }
  }

 private:
  mutable std::mutex mutex_;
  int64_t total_ = 0;
  std::vector<nlohmann::json> last_;
};

// The final counts of the latest window eddy-trending-skus closed (by window end; a window's
// rows come from several tasks, so rows of the previous window may still arrive: ignored).
class TrendingBoard {
 public:
  void record(const nlohmann::json& row) {
    std::lock_guard lock(mutex_);
    ++rows_;
    const int64_t end = row.at("window_end").get<int64_t>();
    if (end < latest_end_) return;
    if (end > latest_end_) {
      latest_end_ = end;
      latest_start_ = row.at("window_start").get<int64_t>();
      views_.clear();
      ++windows_;
    }
    views_[row.at("sku").get<std::string>()] = row.at("views").get<int64_t>();
  }
  int64_t windows() const {
    std::lock_guard lock(mutex_);
    return windows_;
  }
  void print(std::FILE* out, std::size_t n) const {
    std::lock_guard lock(mutex_);
    std::fprintf(out, "  windows closed %lld (%lld rows)\n", static_cast<long long>(windows_),
                 static_cast<long long>(rows_));
    if (views_.empty()) return;
    std::vector<std::pair<std::string, int64_t>> top(views_.begin(), views_.end());
    std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (top.size() > n) top.resize(n);
    std::fprintf(out, "  latest window [%lld, %lld): %zu skus viewed; top %zu\n",
                 static_cast<long long>(latest_start_), static_cast<long long>(latest_end_),
                 views_.size(), top.size());
    for (const auto& [sku, views] : top) {
      std::fprintf(out, "    %-10s %5lld views\n", sku.c_str(), static_cast<long long>(views));
    }
  }

 private:
  mutable std::mutex mutex_;
  int64_t rows_ = 0;
  int64_t windows_ = 0;
  int64_t latest_start_ = 0;
  int64_t latest_end_ = -1;
  std::map<std::string, int64_t> views_;
};

// Late records an instance's windowed operators dropped so far (its metrics; kept as a
// running max, since a task's metrics go when the task does).
int64_t late_dropped(const eddy::KafkaStreams& streams) {
  double total = 0;
  for (const auto& m : streams.metrics()) {
    if (m["name"] == "eddy_late_records_dropped_total") total += m["value"].get<double>();
  }
  return static_cast<int64_t>(total);
}

std::shared_ptr<eddy::FeatureSink> memory_sink(const std::string& name) {
  eddy::SinkOptions options;
  options.name = name;
  options.produced_time_header = std::string(ex::kProducedAtHeader);
  return std::make_shared<ex::MemoryFeatureSink>(options);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"eddy-demo: session scoring, checkout alerts, trending SKUs and offer attribution"};
  ex::AppOptions app{.application_id = "eddy-demo", .log_level = "error"};
  ex::add_app_options(cli, app);
  ex::SessionScoringOptions scoring;
  ex::CheckoutAlertsOptions alerts;
  ex::TrendingSkusOptions trending;
  ex::OfferAttributionOptions attribution;
  std::string prefix;
  int partitions = 8;
  bool progress = false;
  scoring.gap = 5s;
  ex::add_duration_option(cli, "--gap", scoring.gap, "session inactivity gap (default 5s)");
  ex::add_duration_option(cli, "--idle-close", scoring.idle_close,
                          "also close sessions after this much wall-clock idleness (default off)");
  ex::add_duration_option(cli, "--alert-window", alerts.window,
                          "checkout-failure window (default 10s)");
  cli.add_option("--threshold", alerts.threshold, "failures in a window that raise an alert")
      ->capture_default_str();
  trending.window = 30s;
  ex::add_duration_option(cli, "--trending-window", trending.window,
                          "trending window length (default 30s)");
  ex::add_duration_option(cli, "--trending-advance", trending.advance,
                          "a new trending window every ADVANCE (default 10s)");
  ex::add_duration_option(cli, "--attribution-window", attribution.window,
                          "how long before a purchase an exposure counts (default 30m)");
  cli.add_option("--topic-prefix", prefix,
                 "prefix of every topic (retail.events, ...): one run's own topics on a shared "
                 "broker");
  cli.add_option("--partitions", partitions, "partitions of topics this app creates")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cli.add_flag("--progress", progress, "print a progress line every second");
  CLI11_PARSE(cli, argc, argv);
  scoring.grace = alerts.grace = trending.grace = attribution.grace = app.grace;

  const std::string events = prefix + "retail.events";
  const std::string inventory = prefix + "retail.inventory";
  scoring.events_topic = alerts.events_topic = trending.events_topic = attribution.events_topic =
      events;
  trending.inventory_topic = inventory;
  scoring.output_topic = prefix + "session.features";
  alerts.alerts_topic = prefix + "checkout.alerts";
  trending.trending_topic = prefix + "sku.trending";
  attribution.attributions_topic = prefix + "offer.attributions";

  try {
    auto config_of = [&](const std::string& name) {
      ex::AppOptions options = app;
      options.application_id = app.application_id + "-" + name;
      eddy::StreamsConfig config = options.streams_config();
      // The embedded broker answers a fetch only when fetch.wait.max.ms (librdkafka: 500 ms)
      // has passed, data or not (docs/embedded-broker.md): that wait would be most of the
      // freshness the demo shows. A real broker answers as soon as there is data.
      if (config.uses_embedded_broker()) {
        config.client_properties["consumer.fetch.wait.max.ms"] = "10";
      }
      return config;
    };
    const auto scoring_config = config_of("session-scoring");
    std::printf("bootstrap.servers=%s%s\n", ex::reachable_bootstrap(scoring_config).c_str(),
                scoring_config.uses_embedded_broker() ? " (embedded broker, in this process)" : "");
    std::fflush(stdout);
    ex::create_topics_if_missing(
        scoring_config,
        {{.name = events, .partitions = partitions},
         {.name = inventory, .partitions = partitions, .configs = {{"cleanup.policy", "compact"}}},
         {.name = scoring.output_topic, .partitions = partitions},
         {.name = alerts.alerts_topic, .partitions = partitions},
         {.name = trending.trending_topic, .partitions = partitions},
         {.name = attribution.attributions_topic, .partitions = partitions}});

    // Sinks: Redis when given (the apps' own keys), else this process's memory.
    const auto redis = app.redis_endpoint();
    if (redis) {
      scoring.live_sink = ex::redis_hash_sink(*redis, "session-live:");
      scoring.final_sink = ex::redis_hash_sink(*redis, "session:");
      eddy::RedisSinkOptions ranking;
      ranking.sink.name = "redis trending";
      ranking.sink.produced_time_header = std::string(ex::kProducedAtHeader);
      ranking.host = redis->host;
      ranking.port = redis->port;
      ranking.mode = eddy::RedisSinkMode::kSortedSet;
      ranking.sorted_set_key = "trending";
      ranking.score_field = "views";
      trending.ranking_sink = std::make_shared<eddy::RedisSink>(ranking);
      attribution.conversions_sink = ex::redis_hash_sink(*redis, "attribution:");
    } else {
      scoring.live_sink = memory_sink("memory session-live:*");
      attribution.conversions_sink = memory_sink("memory attribution:*");
    }

    auto sessions = std::make_shared<ex::SessionScoreboard>(5);
    auto alert_board = std::make_shared<AlertBoard>();
    auto trending_board = std::make_shared<TrendingBoard>();
    auto offers = std::make_shared<ex::OfferScoreboard>();
    scoring.on_closed = [sessions](const std::string& c, const ex::ClosedSession& s) {
      sessions->record(c, s);
    };
    alerts.on_alert = [alert_board](const std::string&, const nlohmann::json& a) {
      alert_board->record(a);
    };
    trending.on_trending = [trending_board](const nlohmann::json& row) {
      trending_board->record(row);
    };
    attribution.on_attribution = [offers](const std::string&, const nlohmann::json& row) {
      offers->record(row);
    };

    struct App {
      const char* name;
      std::unique_ptr<eddy::KafkaStreams> streams;
      int64_t late = 0;
    };
    std::vector<App> apps;
    apps.push_back({"session-scoring",
                    std::make_unique<eddy::KafkaStreams>(
                        ex::session_scoring_topology(scoring_config, scoring), scoring_config)});
    {
      const auto config = config_of("checkout-alerts");
      eddy::StreamsBuilder builder;
      ex::add_checkout_alerts(builder, alerts);
      apps.push_back(
          {"checkout-alerts", std::make_unique<eddy::KafkaStreams>(builder.build(config), config)});
    }
    {
      const auto config = config_of("trending-skus");
      eddy::StreamsBuilder builder;
      ex::add_trending_skus(builder, trending);
      apps.push_back(
          {"trending-skus", std::make_unique<eddy::KafkaStreams>(builder.build(config), config)});
    }
    {
      const auto config = config_of("offer-attribution");
      eddy::StreamsBuilder builder;
      ex::add_offer_attribution(builder, attribution);
      apps.push_back({"offer-attribution",
                      std::make_unique<eddy::KafkaStreams>(builder.build(config), config)});
    }

    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    for (auto& a : apps) a.streams->start();
    auto all_in = [&](eddy::KafkaStreams::State state) {
      return std::all_of(apps.begin(), apps.end(),
                         [state](const App& a) { return a.streams->state() == state; });
    };
    while (g_stop == 0 && !all_in(eddy::KafkaStreams::State::kRunning)) {
      std::this_thread::sleep_for(50ms);
    }
    // On stdout, so a script knows when to start producing (scripts/demo.sh waits for it).
    if (g_stop == 0) {
      std::printf("state=RUNNING (4 apps)\n");
      std::fflush(stdout);
    }

    int64_t last_in = 0;
    int64_t in_total = 0;
    auto next_tick = std::chrono::steady_clock::now() + 1s;
    bool failed = false;
    while (g_stop == 0) {
      for (const auto& a : apps) {
        const auto state = a.streams->state();
        if (state == eddy::KafkaStreams::State::kError ||
            state == eddy::KafkaStreams::State::kNotRunning) {
          std::fprintf(stderr, "eddy-demo: %s stopped (state %s); see the log above\n", a.name,
                       eddy::KafkaStreams::state_name(state));
          failed = true;
        }
      }
      if (failed) break;
      std::this_thread::sleep_for(50ms);
      if (std::chrono::steady_clock::now() < next_tick) continue;
      next_tick += 1s;
      // Every app reads every event (session scoring reads nothing else).
      in_total = std::max(in_total, apps[0].streams->records_processed());
      int64_t late = 0;
      for (auto& a : apps) {
        a.late = std::max(a.late, late_dropped(*a.streams));
        late += a.late;
      }
      if (progress) {
        const auto fresh = scoring.live_sink->freshness().append_time_window;
        std::fprintf(
            stderr,
            "in %5lld ev/s | sessions %6lld | alerts %4lld | trending windows %3lld | "
            "attributions %5lld | fresh p99 %6.1f ms | late dropped %lld\n",
            static_cast<long long>(in_total - last_in), static_cast<long long>(sessions->closed()),
            static_cast<long long>(alert_board->total()),
            static_cast<long long>(trending_board->windows()),
            static_cast<long long>(offers->total()), fresh.p99_ms, static_cast<long long>(late));
      }
      last_in = in_total;
    }
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);

    // Close all four at once (each commits and releases its tasks).
    std::vector<std::thread> closers;
    std::atomic<bool> closed_all{true};
    for (auto& a : apps) {
      closers.emplace_back([&a, &closed_all] {
        if (!a.streams->close(30s)) closed_all = false;
      });
    }
    for (auto& t : closers) t.join();
    in_total = std::max(in_total, apps[0].streams->records_processed());
    for (auto& a : apps) a.late = std::max(a.late, late_dropped(*a.streams));
    if (trending.ranking_sink) trending.ranking_sink->close();
    if (attribution.conversions_sink) attribution.conversions_sink->close();

    std::fprintf(stderr,
                 "\n== eddy-session-scoring: %lld events, %lld sessions closed, %lld late "
                 "events dropped\n",
                 static_cast<long long>(in_total), static_cast<long long>(sessions->closed()),
                 static_cast<long long>(apps[0].late));
    sessions->print_top(stderr);
    ex::print_freshness(stderr, "open session (every event)", *scoring.live_sink);
    if (scoring.final_sink) ex::print_freshness(stderr, "closed session", *scoring.final_sink);
    std::fprintf(stderr, "\n== eddy-checkout-alerts: %lld late failures dropped\n",
                 static_cast<long long>(apps[1].late));
    alert_board->print(stderr);
    std::fprintf(stderr, "\n== eddy-trending-skus: %lld late views dropped\n",
                 static_cast<long long>(apps[2].late));
    trending_board->print(stderr, 5);
    std::fprintf(stderr, "\n== eddy-offer-attribution: %lld purchases attributed\n",
                 static_cast<long long>(offers->total()));
    offers->print_top(stderr, 5);
    ex::print_freshness(stderr, "offer conversions", *attribution.conversions_sink);
    if (!closed_all) std::fprintf(stderr, "eddy-demo: an app did not close within 30 s\n");
    return failed || !closed_all ? 1 : 0;
  } catch (const eddy::Error& e) {
    std::fprintf(stderr, "eddy-demo: %s\n", e.what());
    return 2;
  }
}
