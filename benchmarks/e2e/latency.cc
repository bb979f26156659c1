// eddy-bench-latency: end-to-end latency of a fixed-rate run. Reads the output topic from the
// beginning and, for every record, takes (wall clock when it is consumed here) - (the record's
// timestamp). The live loader stamps each input record with the wall clock when it produces
// it, and every workload's output keeps the input timestamp (or, for aggregations, the max
// timestamp of the records that built it), so this is event time -> visible in the output
// topic. Records stamped in the first --warmup-s seconds after --start-ms (or the first record) are
// not counted (start-up, group join, JIT). Runs until SIGTERM/SIGINT or --max-s, then prints one
// JSON line with the percentiles (ms).
#include <librdkafka/rdkafka.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_common.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "eddy-bench-latency: error: %s\n", message.c_str());
  std::exit(1);
}

void set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof errstr) !=
      RD_KAFKA_CONF_OK) {
    die("config " + key + "=" + value + ": " + errstr);
  }
}

double percentile(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return -1;
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(q * (sorted.size() - 1) + 0.5));
  return static_cast<double>(sorted[i]);
}

}  // namespace

int main(int argc, char** argv) {
  std::string bootstrap = "localhost:9092";
  std::string topic;
  std::string group = "eddy-bench-latency";
  double warmup_s = 10;
  double max_s = 3600;
  int64_t start_ms = -1;
  CLI::App app{"End-to-end latency (now - record timestamp) of an output topic"};
  app.add_option("--bootstrap", bootstrap, "bootstrap.servers")->capture_default_str();
  app.add_option("--topic", topic, "output topic to read from the beginning")->required();
  app.add_option("--group", group, "group.id (only for the client; no group join)")
      ->capture_default_str();
  app.add_option("--warmup-s", warmup_s, "skip records stamped in the first S seconds")
      ->capture_default_str();
  app.add_option("--start-ms", start_ms,
                 "wall clock (ms) the live load started; default: the first record's timestamp");
  app.add_option("--max-s", max_s, "stop after S seconds even without a signal")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);

  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "client.id", "eddy-bench-latency");
  set(conf, "group.id", group);
  set(conf, "auto.offset.reset", "earliest");
  set(conf, "enable.auto.commit", "false");
  set(conf, "fetch.wait.max.ms", "5");
  set(conf, "isolation.level", "read_committed");  // EOS outputs count when committed
  set(conf, "topic.metadata.refresh.interval.ms", "1000");
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (rk == nullptr) die(std::string("consumer: ") + errstr);
  rd_kafka_poll_set_consumer(rk);
  // assign() every partition from the beginning: no group join, so no join delay.
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  if (auto err = rd_kafka_metadata(rk, 0, rkt, &md, 10000); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    die("metadata for " + topic + ": " + rd_kafka_err2str(err));
  }
  if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    die("topic " + topic + " not found");
  }
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  for (int p = 0; p < md->topics[0].partition_cnt; ++p) {
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(rkt);
  if (auto err = rd_kafka_assign(rk, parts); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    die(std::string("assign: ") + rd_kafka_err2str(err));
  }
  rd_kafka_topic_partition_list_destroy(parts);

  std::vector<int64_t> latencies;
  latencies.reserve(1 << 20);
  int64_t first_ts = start_ms;
  int64_t seen = 0;
  int64_t skipped = 0;
  const double t0 = eddy::bench::now_s();
  while (!g_stop && eddy::bench::now_s() - t0 < max_s) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const int64_t now = eddy::bench::wall_clock_ms();
      const int64_t ts = rd_kafka_message_timestamp(m, nullptr);
      ++seen;
      if (first_ts < 0) first_ts = ts;
      if (ts < first_ts + static_cast<int64_t>(warmup_s * 1000)) {
        ++skipped;
      } else {
        latencies.push_back(now - ts);
      }
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);

  std::sort(latencies.begin(), latencies.end());
  std::printf(
      "{\"latency_records\":%zu,\"latency_skipped_warmup\":%lld,\"output_seen\":%lld,"
      "\"latency_p50_ms\":%.0f,\"latency_p90_ms\":%.0f,\"latency_p99_ms\":%.0f,"
      "\"latency_p999_ms\":%.0f,\"latency_max_ms\":%.0f}\n",
      latencies.size(), static_cast<long long>(skipped), static_cast<long long>(seen),
      percentile(latencies, 0.50), percentile(latencies, 0.90), percentile(latencies, 0.99),
      percentile(latencies, 0.999),
      latencies.empty() ? -1.0 : static_cast<double>(latencies.back()));
  return 0;
}
