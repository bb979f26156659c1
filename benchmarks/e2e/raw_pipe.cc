// eddy-bench-raw-pipe: W0, the limit. A raw librdkafka consume -> produce pipe written as fast
// as we can, at-least-once: group consumer on the input topic, batched consumption from the
// consumer queue, each record produced to the output topic (same key, value and timestamp, or
// the W1 filter+map), producer with linger and big batches, and every --commit-ms the producer
// is flushed and then the input offsets are committed. Stops after --records input records,
// flushes, commits, and prints one JSON line (see README.md beside this file).
//
// This is the raw baseline, so it includes librdkafka directly on purpose.
#include <librdkafka/rdkafka.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "bench_common.h"

namespace {

using eddy::bench::now_s;

struct Options {
  std::string bootstrap = "localhost:9092";
  std::string input;
  std::string output;
  std::string group;
  int64_t records = 0;
  std::string transform = "none";  // none | w1
  int commit_ms = 1000;
  int batch = 10000;
  int linger_ms = 5;
  int poll_ms = 10;
  double timeout_s = 600;
  std::vector<std::string> consumer_props;
  std::vector<std::string> producer_props;
  std::string workload = "W0";
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "eddy-bench-raw-pipe: error: %s\n", message.c_str());
  std::exit(1);
}

void set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof errstr) !=
      RD_KAFKA_CONF_OK) {
    die("config " + key + "=" + value + ": " + errstr);
  }
}

void set_kv(rd_kafka_conf_t* conf, const std::string& kv) {
  auto eq = kv.find('=');
  if (eq == std::string::npos) die("property '" + kv + "' is not key=value");
  set(conf, kv.substr(0, eq), kv.substr(eq + 1));
}

std::atomic<int64_t> g_delivery_errors{0};
std::atomic<int64_t> g_delivered{0};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (g_delivery_errors.fetch_add(1) < 5) {
      std::fprintf(stderr, "eddy-bench-raw-pipe: delivery failed: %s\n",
                   rd_kafka_err2str(message->err));
    }
  } else {
    g_delivered.fetch_add(1, std::memory_order_relaxed);
  }
}

// Next offset to commit per input partition (-1: nothing consumed there yet).
struct OffsetTracker {
  std::vector<int64_t> next;
  bool dirty = false;
  void record(int32_t partition, int64_t offset) {
    if (partition >= static_cast<int32_t>(next.size())) next.resize(partition + 1, -1);
    next[partition] = offset + 1;
    dirty = true;
  }
};

void flush_and_commit(rd_kafka_t* producer, rd_kafka_t* consumer, const std::string& topic,
                      OffsetTracker& offsets, bool sync) {
  if (!offsets.dirty) return;
  // At-least-once: every produced record is acknowledged before its input offset is committed.
  rd_kafka_resp_err_t err;
  while ((err = rd_kafka_flush(producer, 10000)) == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    std::fprintf(stderr, "eddy-bench-raw-pipe: producer flush still waiting (%d in queue)\n",
                 rd_kafka_outq_len(producer));
  }
  if (g_delivery_errors.load() != 0) die("records failed delivery; not committing");
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(offsets.next.size()));
  for (size_t p = 0; p < offsets.next.size(); ++p) {
    if (offsets.next[p] < 0) continue;
    rd_kafka_topic_partition_list_add(list, topic.c_str(), static_cast<int32_t>(p))->offset =
        offsets.next[p];
  }
  err = rd_kafka_commit(consumer, list, sync ? 0 : 1);
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::fprintf(stderr, "eddy-bench-raw-pipe: commit failed: %s\n", rd_kafka_err2str(err));
  }
  offsets.dirty = false;
}

}  // namespace

int main(int argc, char** argv) {
  const double t_start = now_s();
  Options opt;
  CLI::App app{"Raw librdkafka consume->produce pipe (W0, the limit), at-least-once"};
  app.add_option("--bootstrap", opt.bootstrap, "bootstrap.servers")->capture_default_str();
  app.add_option("--input", opt.input, "input topic")->required();
  app.add_option("--output", opt.output, "output topic (must exist)")->required();
  app.add_option("--group", opt.group, "consumer group id")->required();
  app.add_option("--records", opt.records, "stop after consuming this many input records")
      ->required()
      ->check(CLI::PositiveNumber);
  app.add_option("--transform", opt.transform, "none (W0) or w1 (W1 filter + mapValues)")
      ->check(CLI::IsMember({"none", "w1"}))
      ->capture_default_str();
  app.add_option("--workload", opt.workload, "workload label for the JSON line")
      ->capture_default_str();
  app.add_option("--commit-ms", opt.commit_ms, "flush producer + commit offsets interval")
      ->capture_default_str();
  app.add_option("--batch", opt.batch, "max records per consume batch")->capture_default_str();
  app.add_option("--linger-ms", opt.linger_ms, "producer linger.ms")->capture_default_str();
  app.add_option("--poll-ms", opt.poll_ms, "max wait of one consume batch (latency bound)")
      ->capture_default_str();
  app.add_option("--timeout-s", opt.timeout_s, "give up (exit 2) after this many seconds")
      ->capture_default_str();
  app.add_option("--consumer-prop", opt.consumer_props, "extra consumer property key=value");
  app.add_option("--producer-prop", opt.producer_props, "extra producer property key=value");
  CLI11_PARSE(app, argc, argv);
  const bool w1 = opt.transform == "w1";

  char errstr[512];
  // ---- producer
  rd_kafka_conf_t* pconf = rd_kafka_conf_new();
  set(pconf, "bootstrap.servers", opt.bootstrap);
  set(pconf, "client.id", "eddy-bench-raw-pipe");
  set(pconf, "acks", "all");
  set(pconf, "enable.idempotence", "true");
  set(pconf, "linger.ms", std::to_string(opt.linger_ms));
  set(pconf, "batch.num.messages", "10000");
  set(pconf, "batch.size", "1000000");
  set(pconf, "queue.buffering.max.messages", "1000000");
  set(pconf, "queue.buffering.max.kbytes", "1048576");
  set(pconf, "compression.type", "none");
  set(pconf, "partitioner", "murmur2_random");  // the Java client's key partitioning
  for (const auto& kv : opt.producer_props) set_kv(pconf, kv);
  rd_kafka_conf_set_dr_msg_cb(pconf, on_delivery);
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, errstr, sizeof errstr);
  if (producer == nullptr) die(std::string("producer: ") + errstr);
  rd_kafka_topic_t* out_topic = rd_kafka_topic_new(producer, opt.output.c_str(), nullptr);

  // ---- consumer
  rd_kafka_conf_t* cconf = rd_kafka_conf_new();
  set(cconf, "bootstrap.servers", opt.bootstrap);
  set(cconf, "client.id", "eddy-bench-raw-pipe");
  set(cconf, "group.id", opt.group);
  set(cconf, "auto.offset.reset", "earliest");
  set(cconf, "enable.auto.commit", "false");
  set(cconf, "enable.auto.offset.store", "false");
  set(cconf, "enable.partition.eof", "false");
  set(cconf, "queued.min.messages", "200000");
  set(cconf, "fetch.max.bytes", "52428800");
  set(cconf, "max.partition.fetch.bytes", "4194304");
  for (const auto& kv : opt.consumer_props) set_kv(cconf, kv);
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, errstr, sizeof errstr);
  if (consumer == nullptr) die(std::string("consumer: ") + errstr);
  rd_kafka_poll_set_consumer(consumer);
  rd_kafka_topic_partition_list_t* sub = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(sub, opt.input.c_str(), RD_KAFKA_PARTITION_UA);
  if (auto err = rd_kafka_subscribe(consumer, sub); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    die(std::string("subscribe: ") + rd_kafka_err2str(err));
  }
  rd_kafka_topic_partition_list_destroy(sub);
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(consumer);

  std::vector<rd_kafka_message_t*> batch(static_cast<size_t>(opt.batch));
  OffsetTracker offsets;
  std::string mapped;
  mapped.reserve(1024);
  int64_t consumed = 0;
  int64_t produced = 0;
  int64_t commits = 0;
  double t_first = 0;
  eddy::bench::Usage u_first;
  double next_commit = 0;
  const double commit_every = opt.commit_ms / 1000.0;

  while (consumed < opt.records) {
    if (now_s() - t_start > opt.timeout_s) {
      std::fprintf(stderr, "eddy-bench-raw-pipe: timeout after %.0f s with %lld/%lld records\n",
                   opt.timeout_s, static_cast<long long>(consumed),
                   static_cast<long long>(opt.records));
      return 2;
    }
    const ssize_t n = rd_kafka_consume_batch_queue(queue, opt.poll_ms, batch.data(), batch.size());
    if (n < 0) die(std::string("consume: ") + rd_kafka_err2str(rd_kafka_last_error()));
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = batch[static_cast<size_t>(i)];
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        std::fprintf(stderr, "eddy-bench-raw-pipe: consume error: %s\n",
                     rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
        continue;
      }
      if (consumed >= opt.records) {  // more input than asked for: leave it uncommitted
        rd_kafka_message_destroy(m);
        continue;
      }
      if (consumed == 0) {
        t_first = now_s();
        u_first = eddy::bench::self_usage();
        next_commit = t_first + commit_every;
      }
      ++consumed;
      const std::string_view value(static_cast<const char*>(m->payload), m->len);
      bool keep = true;
      const void* payload = m->payload;
      size_t len = m->len;
      if (w1) {
        keep = eddy::bench::w1_keep(value);
        if (keep) {
          eddy::bench::w1_map(value, mapped);
          payload = mapped.data();
          len = mapped.size();
        }
      }
      if (keep) {
        rd_kafka_timestamp_type_t tstype;
        const int64_t ts = rd_kafka_message_timestamp(m, &tstype);
        for (;;) {
          const rd_kafka_resp_err_t err = rd_kafka_producev(
              producer, RD_KAFKA_V_RKT(out_topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
              RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_VALUE(const_cast<void*>(payload), len),
              RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_END);
          if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
          if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            die(std::string("produce: ") + rd_kafka_err2str(err));
          }
          rd_kafka_poll(producer, 10);  // backpressure: serve delivery reports
        }
        ++produced;
      }
      offsets.record(m->partition, m->offset);
      rd_kafka_message_destroy(m);
    }
    rd_kafka_poll(producer, 0);
    if (consumed > 0 && now_s() >= next_commit) {
      flush_and_commit(producer, consumer, opt.input, offsets, /*sync=*/false);
      ++commits;
      next_commit = now_s() + commit_every;
    }
  }
  flush_and_commit(producer, consumer, opt.input, offsets, /*sync=*/true);
  ++commits;
  const double t_done = now_s();
  const eddy::bench::Usage u_done = eddy::bench::self_usage();

  rd_kafka_queue_destroy(queue);
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  rd_kafka_topic_destroy(out_topic);
  rd_kafka_destroy(producer);

  const eddy::bench::Usage u = eddy::bench::self_usage();
  const double wall = now_s() - t_start;
  const double proc_wall = t_done - t_first;
  const double proc_cpu = u_done.cpu_s() - u_first.cpu_s();
  std::printf(
      "{\"runner\":\"raw\",\"workload\":\"%s\",\"records\":%lld,\"produced\":%lld,"
      "\"delivered\":%lld,\"commits\":%lld,\"wall_s\":%.3f,\"cpu_user_s\":%.3f,"
      "\"cpu_sys_s\":%.3f,\"max_rss_kb\":%ld,\"records_per_cpu_s\":%.0f,"
      "\"proc_wall_s\":%.3f,\"proc_cpu_s\":%.3f,\"proc_records_per_cpu_s\":%.0f}\n",
      opt.workload.c_str(), static_cast<long long>(consumed), static_cast<long long>(produced),
      static_cast<long long>(g_delivered.load()), static_cast<long long>(commits), wall, u.user_s,
      u.sys_s, u.max_rss_kb, consumed / std::max(u.cpu_s(), 1e-9), proc_wall, proc_cpu,
      consumed / std::max(proc_cpu, 1e-9));
  std::fflush(stdout);
  return 0;
}
