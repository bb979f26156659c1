// eddy-trending-skus: which products are being looked at right now.
//
// Reads page views from retail.events and stock levels from retail.inventory
// (docs/retail-events.md), re-keys the views by sku, drops views of skus that are out of
// stock when the view is processed, and counts views per sku in hopping windows (--window
// long, one every --advance). When a window closes, its final count per sku goes to
// sku.trending (key sku):
//   {"sku":"sku-7","window_start":1700000000000,"window_end":1700000060000,"views":12}
// and, with --redis, the sorted set `trending` is replaced by that window's counts (sku
// members scored by views; skus without views in it are removed). See docs/examples.md.
//
//   eddy-trending-skus --bootstrap-servers localhost:9092 --redis 127.0.0.1:6379
//   redis-cli ZREVRANGE trending 0 9 WITHSCORES
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "common/app_options.h"
#include "common/duration.h"
#include "eddy/errors.h"
#include "eddy/kafka_streams.h"
#include "eddy/sink/redis_sink.h"
#include "trending_skus/trending_skus_topology.h"

namespace ex = eddy::examples;

int main(int argc, char** argv) {
  CLI::App cli{"eddy-trending-skus: views per sku in hopping windows, in stock only"};
  ex::AppOptions app{.application_id = "eddy-trending-skus"};
  ex::add_app_options(cli, app);
  ex::TrendingSkusOptions trending;
  std::string sorted_set = "trending";
  int partitions = 8;
  ex::add_duration_option(cli, "--window", trending.window, "hopping window length (default 60s)");
  ex::add_duration_option(cli, "--advance", trending.advance,
                          "a new window starts every ADVANCE (default 10s)");
  cli.add_option("--events-topic", trending.events_topic, "events topic")->capture_default_str();
  cli.add_option("--inventory-topic", trending.inventory_topic, "inventory topic (key sku)")
      ->capture_default_str();
  cli.add_option("--trending-topic", trending.trending_topic, "output topic")
      ->capture_default_str();
  cli.add_option("--sorted-set", sorted_set, "Redis sorted set of the latest closed window")
      ->capture_default_str();
  cli.add_option("--partitions", partitions, "partitions of topics this app creates")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  CLI11_PARSE(cli, argc, argv);
  trending.grace = app.grace;
  if (trending.advance > trending.window) {
    std::fprintf(stderr, "eddy-trending-skus: --advance must not exceed --window\n");
    return 2;
  }

  try {
    const eddy::StreamsConfig config = app.streams_config();
    std::printf("bootstrap.servers=%s%s\n", ex::reachable_bootstrap(config).c_str(),
                config.uses_embedded_broker() ? " (embedded broker, in this process)" : "");
    std::fflush(stdout);
    // Reads from the earliest offset on first start. Inputs are created when missing so the
    // app may start before the producer; the inventory is a table, so compacted. The output
    // is keyed by sku like the inventory, so it gets the inventory's partition count.
    ex::create_topics_if_missing(config, {{.name = trending.events_topic, .partitions = partitions},
                                          {.name = trending.inventory_topic,
                                           .partitions = partitions,
                                           .configs = {{"cleanup.policy", "compact"}}}});
    const int output_partitions =
        ex::topic_partitions(config, trending.inventory_topic).value_or(partitions);
    ex::create_topics_if_missing(
        config, {{.name = trending.trending_topic, .partitions = output_partitions}});

    if (const auto redis = app.redis_endpoint()) {
      eddy::RedisSinkOptions options;
      options.sink.name = "trending";
      options.host = redis->host;
      options.port = redis->port;
      options.username = redis->username;
      options.password = redis->password;
      options.db = redis->db;
      options.mode = eddy::RedisSinkMode::kSortedSet;
      options.sorted_set_key = sorted_set;
      options.score_field = "views";
      trending.ranking_sink = std::make_shared<eddy::RedisSink>(options);
    }

    eddy::StreamsBuilder builder;
    ex::add_trending_skus(builder, trending);
    eddy::KafkaStreams streams(builder.build(config), config);
    // records_processed() counts running threads only, so sample it while running.
    int64_t processed = 0;
    ex::RunOptions run;
    run.on_tick = [&] { processed = std::max(processed, streams.records_processed()); };
    const int exit_code = ex::run_until_signal(streams, run);
    if (trending.ranking_sink) trending.ranking_sink->close();
    std::fprintf(stderr, "eddy-trending-skus: %lld records processed (as of the last second)\n",
                 static_cast<long long>(processed));
    return exit_code;
  } catch (const eddy::Error& e) {
    std::fprintf(stderr, "eddy-trending-skus: %s\n", e.what());
    return 2;
  }
}
