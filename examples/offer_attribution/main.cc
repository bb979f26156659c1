// eddy-offer-attribution: which offers turn into purchases.
//
// Reads retail.events (docs/retail-events.md) and joins each purchase with the offer
// exposures of the same customer in the --window before it (a KStream-KStream join); a
// purchase of the exposed SKU is attributed to its first such exposure, once. Each
// attribution goes to offer.attributions (key customer_id):
//   {"customer_id":"customer-42","sku":"sku-7","offer_id":"offer-7","exposure_ts":1700000000000,
//    "purchase_ts":1700000042500,"seconds_to_purchase":42.5}
// and, with --redis, the hash attribution:<offer_id> holds the offer's conversion count
// (field conversions). See docs/examples.md.
//
//   eddy-offer-attribution --bootstrap-servers localhost:9092 --redis 127.0.0.1:6379
//   redis-cli HGETALL attribution:offer-7
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "common/app_options.h"
#include "common/duration.h"
#include "eddy/errors.h"
#include "eddy/kafka_streams.h"
#include "eddy/sink/redis_sink.h"
#include "offer_attribution/offer_attribution_topology.h"
#include "offer_attribution/offer_scoreboard.h"

namespace ex = eddy::examples;

int main(int argc, char** argv) {
  CLI::App cli{"eddy-offer-attribution: purchases attributed to the offers shown before them"};
  ex::AppOptions app{.application_id = "eddy-offer-attribution"};
  ex::add_app_options(cli, app);
  ex::OfferAttributionOptions attribution;
  int partitions = 8;
  bool progress = false;
  std::size_t top_n = 10;
  std::string key_prefix = "attribution:";
  ex::add_duration_option(cli, "--window", attribution.window,
                          "how long before a purchase an exposure counts (default 30m)");
  cli.add_option("--events-topic", attribution.events_topic, "input topic")->capture_default_str();
  cli.add_option("--attributions-topic", attribution.attributions_topic, "output topic")
      ->capture_default_str();
  cli.add_option("--partitions", partitions, "partitions of topics this app creates")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cli.add_option("--key-prefix", key_prefix, "Redis hashes of the offers: <prefix><offer_id>")
      ->capture_default_str();
  cli.add_flag("--progress", progress, "print a progress line every second");
  cli.add_option("--top", top_n, "offers listed in the summary at exit")->capture_default_str();
  CLI11_PARSE(cli, argc, argv);
  attribution.grace = app.grace;

  try {
    const eddy::StreamsConfig config = app.streams_config();
    std::printf("bootstrap.servers=%s%s\n", ex::reachable_bootstrap(config).c_str(),
                config.uses_embedded_broker() ? " (embedded broker, in this process)" : "");
    std::fflush(stdout);
    // Reads from the earliest offset on first start; the input is created when missing so the
    // app may start before the producer. The output is keyed by customer like the input.
    ex::create_topics_if_missing(config,
                                 {{.name = attribution.events_topic, .partitions = partitions}});
    const int output_partitions =
        ex::topic_partitions(config, attribution.events_topic).value_or(partitions);
    ex::create_topics_if_missing(
        config, {{.name = attribution.attributions_topic, .partitions = output_partitions}});

    if (const auto redis = app.redis_endpoint()) {
      eddy::RedisSinkOptions options;
      options.sink.name = "redis " + key_prefix + "*";
      options.sink.produced_time_header = std::string(ex::kProducedAtHeader);
      options.host = redis->host;
      options.port = redis->port;
      options.key_prefix = key_prefix;
      attribution.conversions_sink = std::make_shared<eddy::RedisSink>(options);
    }
    auto board = std::make_shared<ex::OfferScoreboard>();
    attribution.on_attribution = [board](const std::string&, const nlohmann::json& row) {
      board->record(row);
    };

    eddy::StreamsBuilder builder;
    ex::add_offer_attribution(builder, attribution);
    eddy::KafkaStreams streams(builder.build(config), config);
    streams.set_state_listener([](auto, eddy::KafkaStreams::State to) {
      if (to == eddy::KafkaStreams::State::kRunning) {
        std::printf("state=RUNNING\n");
        std::fflush(stdout);
      }
    });
    // records_processed() counts running threads only, so sample it while running.
    int64_t processed = 0;
    int64_t last_attributed = 0;
    ex::RunOptions run;
    run.on_tick = [&] {
      processed = std::max(processed, streams.records_processed());
      const int64_t attributed = board->total();
      if (progress) {
        std::fprintf(stderr, "processed %8lld | attributions %6lld (+%lld/s)\n",
                     static_cast<long long>(processed), static_cast<long long>(attributed),
                     static_cast<long long>(attributed - last_attributed));
      }
      last_attributed = attributed;
    };
    const int exit_code = ex::run_until_signal(streams, run);
    if (attribution.conversions_sink) attribution.conversions_sink->close();
    std::fprintf(stderr, "\neddy-offer-attribution summary\n");
    std::fprintf(stderr, "  records processed %lld, purchases attributed %lld\n",
                 static_cast<long long>(std::max(processed, streams.records_processed())),
                 static_cast<long long>(board->total()));
    board->print_top(stderr, top_n);
    return exit_code;
  } catch (const eddy::Error& e) {
    std::fprintf(stderr, "eddy-offer-attribution: %s\n", e.what());
    return 2;
  }
}
