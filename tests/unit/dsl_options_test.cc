// The option objects (Consumed, Grouped, Materialized, Produced, Named) carry serdes and names
// into the topology.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "dsl_test_support.h"

namespace eddy {
namespace {

using test::read_rows;
using test::Rows;
using test::test_config;

// A temperature reading. No to_json / from_json: default_serde<Reading>() is empty, so every
// source, repartition, store and sink it passes through needs the serde from an option.
struct Reading {
  std::string sensor;
  int64_t millideg = 0;
  bool operator==(const Reading&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Reading& r) {
  return os << r.sensor << "|" << r.millideg;
}

// "sensor|millideg"
Serde<Reading> reading_serde() {
  return Serde<Reading>(
      [](const Reading& r, std::string& out) {
        out += r.sensor + "|" + std::to_string(r.millideg);
      },
      [](std::string_view bytes) {
        const size_t bar = bytes.find('|');
        if (bar == std::string_view::npos) throw SerdeError("a reading has no '|'");
        return Reading{std::string(bytes.substr(0, bar)),
                       std::stoll(std::string(bytes.substr(bar + 1)))};
      },
      "reading");
}

TEST(DslOptions, SerdesAndNamesFromOptionsReachSourcesRepartitionsStoresAndSinks) {
  ASSERT_FALSE(default_serde<Reading>());
  StreamsBuilder builder;
  auto names = builder.table<std::string, std::string>(
      "sensor-names", Consumed<std::string, std::string>::as("sensor-names-source"),
      Materialized<std::string, std::string>::as("sensor-names-store"));
  // Keyed by device; calibrated readings lose the source's serde (map_values makes a new one).
  auto calibrated =
      builder
          .stream<std::string, Reading>(
              "readings", Consumed<std::string, Reading>::with(serdes::string(), reading_serde()))
          .map_values(
              [](const Reading& r) {
                return Reading{r.sensor, r.millideg + 500};
              },
              Named::as("calibrate"));
  calibrated.to("calibrated",
                Produced<std::string, Reading>::with(serdes::string(), reading_serde())
                    .with_name("calibrated-sink"));
  auto max_per_sensor =
      calibrated
          .group_by([](const std::string&, const Reading& r) { return r.sensor; },
                    Grouped<std::string, Reading>::with(serdes::string(), reading_serde()))
          .aggregate([] { return Reading{}; },
                     [](const std::string&, const Reading& r, const Reading& best) {
                       return best.sensor.empty() || r.millideg > best.millideg ? r : best;
                     },
                     Materialized<std::string, Reading>::with(serdes::string(), reading_serde()),
                     Named::as("max-per-sensor"));
  max_per_sensor
      .join(
          names,
          [](const Reading& r, const std::string& name) {
            return name + "=" + std::to_string(r.millideg);
          },
          {}, Named::as("label"))
      .to_stream(Named::as("labelled-changes"))
      .to("sensor-max", Produced<std::string, std::optional<std::string>>::as("sensor-max-sink"));
  const auto topology = builder.build(test_config());

  const std::string store = max_per_sensor.store_name();
  const std::string described = topology.describe();
  for (const std::string& line : std::vector<std::string>{
           "Source: sensor-names-source (topics: [sensor-names])",
           "Processor: calibrate (stores: [])",
           "Sink: calibrated-sink (topic: calibrated)",
           "Processor: max-per-sensor (stores: [" + store + "])",
           "Processor: label (stores: [sensor-names-store])",
           "Processor: labelled-changes (stores: [])",
           "Sink: sensor-max-sink (topic: sensor-max)",
       }) {
    EXPECT_NE(described.find(line), std::string::npos) << line << "\nnot in:\n" << described;
  }
  ASSERT_EQ(topology.repartition_topics().size(), 1u);
  const std::string repartition_topic = *topology.repartition_topics().begin();
  EXPECT_EQ(repartition_topic, "app-" + store + "-repartition");

  TopologyTestDriver driver(topology, test_config());
  auto names_in = driver.create_input_topic<std::string, std::string>("sensor-names");
  auto readings = driver.create_input_topic<std::string, Reading>("readings", serdes::string(),
                                                                  reading_serde());
  names_in.pipe_input("s1", "hall", 1);
  names_in.pipe_input("s2", "roof", 2);
  readings.pipe_input("d1", Reading{"s1", 20000}, 10);
  readings.pipe_input("d2", Reading{"s2", 15000}, 11);
  readings.pipe_input("d3", Reading{"s1", 19000}, 12);  // not a new max: same value, later time
  readings.pipe_input("d1", Reading{"s1", 21000}, 13);
  names_in.pipe_input("s2", "attic", 20);  // the table side of the join changes

  auto calibrated_out = driver.create_output_topic<std::string, Reading>(
      "calibrated", serdes::string(), reading_serde());
  EXPECT_EQ(read_rows(calibrated_out),
            (Rows<std::string, Reading>{{"d1", Reading{"s1", 20500}, 10},
                                        {"d2", Reading{"s2", 15500}, 11},
                                        {"d3", Reading{"s1", 19500}, 12},
                                        {"d1", Reading{"s1", 21500}, 13}}));
  auto repartitioned = driver.create_output_topic<std::string, Reading>(
      repartition_topic, serdes::string(), reading_serde());
  EXPECT_EQ(read_rows(repartitioned),
            (Rows<std::string, Reading>{{"s1", Reading{"s1", 20500}, 10},
                                        {"s2", Reading{"s2", 15500}, 11},
                                        {"s1", Reading{"s1", 19500}, 12},
                                        {"s1", Reading{"s1", 21500}, 13}}));
  auto labelled = driver.create_output_topic<std::string, std::string>("sensor-max");
  EXPECT_EQ(read_rows(labelled), (Rows<std::string, std::string>{{"s1", "hall=20500", 10},
                                                                 {"s2", "roof=15500", 11},
                                                                 {"s1", "hall=20500", 12},
                                                                 {"s1", "hall=21500", 13},
                                                                 {"s2", "attic=15500", 20}}));

  auto max_store =
      driver.key_value_store<std::string, Reading>(store, serdes::string(), reading_serde());
  EXPECT_EQ(max_store.get("s1"), (Reading{"s1", 21500}));
  EXPECT_EQ(max_store.get("s2"), (Reading{"s2", 15500}));
  EXPECT_EQ(max_store.all().size(), 2u);
  auto names_store = driver.key_value_store<std::string, std::string>("sensor-names-store");
  EXPECT_EQ(names_store.get("s2"), "attic");
}

}  // namespace
}  // namespace eddy
