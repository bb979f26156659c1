// eddy-checkout-alerts: alerts when a customer's checkouts keep failing.
//
// Reads retail.events (docs/retail-events.md), counts checkout_failed events per customer in
// tumbling windows (--window), and the first time a window's count reaches --threshold sends
// one alert to checkout.alerts (key customer_id):
//   {"customer_id":"customer-42","window_start":1700000000000,"window_end":1700000010000,"failures":3}
// Later failures in the same window send nothing more. See docs/examples.md.
//
//   eddy-checkout-alerts --bootstrap-servers localhost:9092 --window 10s --threshold 3
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>

#include "checkout_alerts/checkout_alerts_topology.h"
#include "common/app_options.h"
#include "common/duration.h"
#include "eddy/errors.h"
#include "eddy/kafka_streams.h"

namespace ex = eddy::examples;

int main(int argc, char** argv) {
  CLI::App cli{"eddy-checkout-alerts: one alert per window when checkouts keep failing"};
  ex::AppOptions app{.application_id = "eddy-checkout-alerts"};
  ex::add_app_options(cli, app);
  ex::CheckoutAlertsOptions alerts;
  int partitions = 8;
  ex::add_duration_option(cli, "--window", alerts.window, "tumbling window length (default 10s)");
  cli.add_option("--threshold", alerts.threshold, "failures in one window that raise the alert")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cli.add_option("--events-topic", alerts.events_topic, "input topic")->capture_default_str();
  cli.add_option("--alerts-topic", alerts.alerts_topic, "output topic")->capture_default_str();
  cli.add_option("--partitions", partitions, "partitions of topics this app creates")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  CLI11_PARSE(cli, argc, argv);
  alerts.grace = app.grace;

  try {
    const eddy::StreamsConfig config = app.streams_config();
    std::printf("bootstrap.servers=%s%s\n", ex::reachable_bootstrap(config).c_str(),
                config.uses_embedded_broker() ? " (embedded broker, in this process)" : "");
    std::fflush(stdout);
    // Reads from the earliest offset on first start. The input is created when missing so the
    // app may start before the producer; the alerts topic gets the input's partition count.
    ex::create_topics_if_missing(config, {{.name = alerts.events_topic, .partitions = partitions}});
    const int output_partitions =
        ex::topic_partitions(config, alerts.events_topic).value_or(partitions);
    ex::create_topics_if_missing(config,
                                 {{.name = alerts.alerts_topic, .partitions = output_partitions}});

    eddy::StreamsBuilder builder;
    ex::add_checkout_alerts(builder, alerts);
    eddy::KafkaStreams streams(builder.build(config), config);
    // records_processed() counts running threads only, so sample it while running.
    int64_t processed = 0;
    ex::RunOptions run;
    run.on_tick = [&] { processed = std::max(processed, streams.records_processed()); };
    const int exit_code = ex::run_until_signal(streams, run);
    std::fprintf(stderr, "eddy-checkout-alerts: %lld events processed (as of the last second)\n",
                 static_cast<long long>(processed));
    return exit_code;
  } catch (const eddy::Error& e) {
    std::fprintf(stderr, "eddy-checkout-alerts: %s\n", e.what());
    return 2;
  }
}
