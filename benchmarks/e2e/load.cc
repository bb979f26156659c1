// eddy-bench-load: prepares and inspects the end-to-end benchmark topics.
//
//   eddy-bench-load produce --topic T --partitions P --records N [--keys K] [--rate R] [--seed S]
//       creates T (P partitions, retention.ms=-1) and pre-loads N retail-like JSON events:
//       key = customer id drawn from K keys, event time = start + i * 1000 / R ms (so R events
//       per event-time second, increasing), deterministic for a given --seed and --start-ms.
//   eddy-bench-load produce --shape retail ...  the example apps' events instead
//       (examples/loadgen/retail_generator.h, docs/retail-events.md): shopping sessions of
//       page views, cart adds/removes, checkouts and purchases, ~50 interleaved, customer ids
//       "customer-<n>" of K customers, the same event-time pacing; the input of W9
//   eddy-bench-load produce --changelog plain|stamped --topic T ...  the same keys, each value
//       a count store's changelog value: "plain", an 8-byte big-endian count (Java's
//       LongSerializer: Kafka Streams' changelog); "stamped", the record's timestamp (8 bytes,
//       big-endian) then that count (Eddy's changelog holds its stores' stamped values). The
//       topic is created compacted. The changelog a restore benchmark (W6) replays
//   eddy-bench-load live --topic T --rate R --seconds S  fixed-rate load stamped with the wall
//       clock (for latency runs; runs beside the measured process)
//   eddy-bench-load create --topic T --partitions P     create an (output) topic
//   eddy-bench-load count --topic T                     print the number of records in T
//   eddy-bench-load dump --topic T                      print every record of T (all
//       partitions, up to their end when called) as one line "<key>\t<value>"
//   eddy-bench-load delete --prefix P                   delete every topic whose name starts with P
//
// The pre-load happens before the measured process starts, so the generator never competes
// with it for the CPU.
#include <librdkafka/rdkafka.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "bench_common.h"
#include "kafka/admin.h"
#include "loadgen/retail_generator.h"

namespace {

using eddy::bench::now_s;

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "eddy-bench-load: error: %s\n", message.c_str());
  std::exit(1);
}

void set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof errstr) !=
      RD_KAFKA_CONF_OK) {
    die("config " + key + "=" + value + ": " + errstr);
  }
}

std::atomic<int64_t> g_errors{0};
void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR && g_errors.fetch_add(1) < 5) {
    std::fprintf(stderr, "eddy-bench-load: delivery failed: %s\n", rd_kafka_err2str(message->err));
  }
}

eddy::Properties admin_props(const std::string& bootstrap) {
  return {{"bootstrap.servers", bootstrap}};
}

// `log_append_time`: the broker stamps each record when it appends it (the events keep their
// own time in the JSON field "ts"), so a reader can tell broker time from event time.
// `compacted`: cleanup.policy=compact, as a store's changelog is created.
void create_topic(const std::string& bootstrap, const std::string& topic, int partitions,
                  bool log_append_time = false, bool compacted = false) {
  eddy::kafka::Admin admin(admin_props(bootstrap));
  if (auto existing = admin.describe_topic(topic)) {
    if (existing->partitions != partitions) {
      die("topic " + topic + " exists with " + std::to_string(existing->partitions) +
          " partitions, not " + std::to_string(partitions));
    }
    std::fprintf(stderr, "eddy-bench-load: topic %s already exists\n", topic.c_str());
    return;
  }
  eddy::Properties configs{{"retention.ms", "-1"}, {"retention.bytes", "-1"}};
  if (log_append_time) configs["message.timestamp.type"] = "LogAppendTime";
  if (compacted) configs["cleanup.policy"] = "compact";
  admin.create_topics({{.name = topic, .partitions = partitions, .configs = std::move(configs)}});
}

// ---- the retail event generator --------------------------------------------------------------
constexpr const char* kCategories[] = {"electronics", "grocery", "apparel", "home",
                                       "toys",        "books",   "beauty",  "sports"};

struct Generator {
  std::mt19937_64 rng;
  int64_t keys;
  explicit Generator(uint64_t seed, int64_t k) : rng(seed), keys(k) {}

  // Fills key and value for event i with event time ts.
  void next(int64_t i, int64_t ts, std::string& key, std::string& value) {
    const uint64_t r1 = rng();
    const uint64_t r2 = rng();
    const int64_t customer = static_cast<int64_t>(r1 % static_cast<uint64_t>(keys));
    const unsigned roll = static_cast<unsigned>((r1 >> 40) % 100);
    const char* type = roll < 70 ? "page_view" : roll < 90 ? "add_to_cart" : "purchase";
    const char* category = kCategories[(r2 >> 3) % 8];
    const unsigned sku = static_cast<unsigned>((r2 >> 8) % 20000);
    const unsigned qty = 1 + static_cast<unsigned>((r2 >> 24) % 5);
    const unsigned cents = 199 + static_cast<unsigned>((r2 >> 32) % 49800);
    char kbuf[32];
    const int klen = std::snprintf(kbuf, sizeof kbuf, "c%07lld", static_cast<long long>(customer));
    key.assign(kbuf, static_cast<size_t>(klen));
    char vbuf[320];
    const int vlen = std::snprintf(
        vbuf, sizeof vbuf,
        R"({"event_id":%lld,"customer_id":"%s","type":"%s","category":"%s","sku":"sku-%05u","qty":%u,"price":%u.%02u,"ts":%lld})",
        static_cast<long long>(i), kbuf, type, category, sku, qty, cents / 100, cents % 100,
        static_cast<long long>(ts));
    value.assign(vbuf, static_cast<size_t>(vlen));
  }
};

struct ProduceOptions {
  std::string topic;
  int partitions = 4;
  int64_t records = 1000000;
  int64_t keys = 10000;
  int64_t rate = 1000;
  int64_t start_ms = -1;
  uint64_t seed = 42;
  bool create = true;
  std::string changelog;  // "plain" / "stamped": count-store changelog values, not JSON events
  std::string shape = "bench";  // "retail": the example apps' session-shaped events
};

int run_produce(const std::string& bootstrap, const ProduceOptions& opt) {
  const double t0 = now_s();
  if (opt.create) create_topic(bootstrap, opt.topic, opt.partitions, false, !opt.changelog.empty());
  // Event time ends about now (so broker time-based policies never see ancient records)
  // unless --start-ms pins it; aligned to a whole second so windows line up across runs.
  const int64_t span_ms = opt.records * 1000 / opt.rate;
  const int64_t start =
      opt.start_ms >= 0 ? opt.start_ms : (eddy::bench::wall_clock_ms() - span_ms) / 1000 * 1000;

  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "client.id", "eddy-bench-load");
  set(conf, "acks", "all");
  set(conf, "enable.idempotence", "true");  // keeps per-partition order (event time increasing)
  set(conf, "linger.ms", "20");
  set(conf, "batch.num.messages", "10000");
  set(conf, "batch.size", "1000000");
  set(conf, "queue.buffering.max.messages", "1000000");
  set(conf, "compression.type", "none");
  set(conf, "partitioner", "murmur2_random");  // the Java client's key partitioning
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == nullptr) die(std::string("producer: ") + errstr);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, opt.topic.c_str(), nullptr);

  Generator gen(opt.seed, opt.keys);
  // --shape retail: the examples' generator, paced like the bench one (rate events per
  // event-time second from `start`), in order, no inventory updates.
  eddy::examples::RetailGenerator retail({.seed = opt.seed,
                                          .customers = static_cast<int>(opt.keys),
                                          .start_time_ms = start,
                                          .events_per_event_second = static_cast<double>(opt.rate),
                                          .inventory_every = 0});
  const bool retail_shape = opt.shape == "retail";
  std::string key;
  std::string value;
  int64_t bytes = 0;
  double next_progress = now_s() + 1;
  for (int64_t i = 0; i < opt.records; ++i) {
    int64_t ts = start + i * 1000 / opt.rate;
    if (retail_shape) {
      eddy::examples::GeneratedRecord record = retail.next();
      ts = record.timestamp_ms;
      key = std::move(record.key);
      value = std::move(record.value);
    } else {
      gen.next(i, ts, key, value);
    }
    if (!opt.changelog.empty()) {
      // A count store's changelog: the key's running count (the event index + 1, so a later
      // record of a key holds a larger value), as Java's LongSerializer writes it, after the
      // record's timestamp when stamped.
      value.clear();
      const auto put_u64 = [&value](uint64_t v) {
        for (int b = 0; b < 8; ++b) value.push_back(static_cast<char>(v >> (56 - 8 * b)));
      };
      if (opt.changelog == "stamped") put_u64(static_cast<uint64_t>(ts));
      put_u64(static_cast<uint64_t>(i + 1));
    }
    bytes += static_cast<int64_t>(key.size() + value.size());
    for (;;) {
      const rd_kafka_resp_err_t err = rd_kafka_producev(
          rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_VALUE(value.data(), value.size()),
          RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
        die(std::string("produce: ") + rd_kafka_err2str(err));
      rd_kafka_poll(rk, 10);
    }
    if ((i & 1023) == 0) {
      rd_kafka_poll(rk, 0);
      if (now_s() >= next_progress) {
        std::fprintf(stderr, "eddy-bench-load: %s %lld/%lld (%.0f%%)\n", opt.topic.c_str(),
                     static_cast<long long>(i), static_cast<long long>(opt.records),
                     100.0 * static_cast<double>(i) / static_cast<double>(opt.records));
        next_progress += 1;
      }
    }
  }
  while (rd_kafka_flush(rk, 10000) == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    std::fprintf(stderr, "eddy-bench-load: flush still waiting (%d queued)\n",
                 rd_kafka_outq_len(rk));
  }
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  if (g_errors.load() != 0) die(std::to_string(g_errors.load()) + " records failed delivery");
  const double wall = now_s() - t0;
  std::fprintf(stderr,
               "eddy-bench-load: loaded %lld records (%.1f MB, avg %.0f B) into %s "
               "(%d partitions, %lld keys) in %.1f s\n",
               static_cast<long long>(opt.records), static_cast<double>(bytes) / 1e6,
               static_cast<double>(bytes) / static_cast<double>(opt.records), opt.topic.c_str(),
               opt.partitions, static_cast<long long>(opt.keys), wall);
  std::printf(
      "{\"topic\":\"%s\",\"records\":%lld,\"partitions\":%d,\"keys\":%lld,\"rate\":%lld,"
      "\"start_ms\":%lld,\"end_ms\":%lld,\"seed\":%llu,\"bytes\":%lld,\"wall_s\":%.3f}\n",
      opt.topic.c_str(), static_cast<long long>(opt.records), opt.partitions,
      static_cast<long long>(opt.keys), static_cast<long long>(opt.rate),
      static_cast<long long>(start),
      static_cast<long long>(start + (opt.records - 1) * 1000 / opt.rate),
      static_cast<unsigned long long>(opt.seed), static_cast<long long>(bytes), wall);
  return 0;
}

// Fixed-rate live load: the same events, stamped with the wall clock when produced, paced in
// 1 ms steps so the input arrives at --rate records per second for --seconds.
int run_live(const std::string& bootstrap, const ProduceOptions& opt, double seconds) {
  if (opt.create) create_topic(bootstrap, opt.topic, opt.partitions, false, !opt.changelog.empty());
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "client.id", "eddy-bench-load-live");
  set(conf, "acks", "all");
  set(conf, "enable.idempotence", "true");
  set(conf, "linger.ms", "1");
  set(conf, "compression.type", "none");
  set(conf, "partitioner", "murmur2_random");
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == nullptr) die(std::string("producer: ") + errstr);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, opt.topic.c_str(), nullptr);

  const int64_t total = static_cast<int64_t>(seconds * static_cast<double>(opt.rate));
  Generator gen(opt.seed, opt.keys);
  std::string key;
  std::string value;
  const double t0 = now_s();
  double next_progress = t0 + 5;
  int64_t i = 0;
  while (i < total) {
    const double elapsed = now_s() - t0;
    const int64_t due =
        std::min(total, static_cast<int64_t>(elapsed * static_cast<double>(opt.rate)) + 1);
    for (; i < due; ++i) {
      const int64_t ts = eddy::bench::wall_clock_ms();
      gen.next(i, ts, key, value);
      for (;;) {
        const rd_kafka_resp_err_t err = rd_kafka_producev(
            rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_VALUE(value.data(), value.size()),
            RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
          die(std::string("produce: ") + rd_kafka_err2str(err));
        rd_kafka_poll(rk, 1);
      }
    }
    rd_kafka_poll(rk, 1);  // serves delivery reports and paces in ~1 ms steps
    if (now_s() >= next_progress) {
      std::fprintf(stderr, "eddy-bench-load: live %s %lld/%lld\n", opt.topic.c_str(),
                   static_cast<long long>(i), static_cast<long long>(total));
      next_progress += 5;
    }
  }
  while (rd_kafka_flush(rk, 10000) == RD_KAFKA_RESP_ERR__TIMED_OUT) {
  }
  const double wall = now_s() - t0;
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  if (g_errors.load() != 0) die(std::to_string(g_errors.load()) + " records failed delivery");
  std::printf(
      "{\"topic\":\"%s\",\"records\":%lld,\"target_rate\":%lld,\"achieved_rate\":%.0f,"
      "\"wall_s\":%.3f}\n",
      opt.topic.c_str(), static_cast<long long>(total), static_cast<long long>(opt.rate),
      static_cast<double>(total) / wall, wall);
  return 0;
}

// The topic's partition count, from the broker's metadata; dies if the topic is missing.
int partition_count(rd_kafka_t* rk, const std::string& topic) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  if (auto err = rd_kafka_metadata(rk, 0, rkt, &md, 10000); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    die("metadata for " + topic + ": " + rd_kafka_err2str(err));
  }
  if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    die("topic " + topic + " not found");
  }
  const int partitions = md->topics[0].partition_cnt;
  rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(rkt);
  return partitions;
}

// Records in a topic: sum over partitions of (high - low watermark).
int run_count(const std::string& bootstrap, const std::string& topic) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == nullptr) die(std::string("client: ") + errstr);
  int64_t total = 0;
  const int partitions = partition_count(rk, topic);
  for (int p = 0; p < partitions; ++p) {
    int64_t low = 0;
    int64_t high = 0;
    if (auto err = rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, 10000);
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      die("watermarks of " + topic + ": " + rd_kafka_err2str(err));
    }
    total += high - low;
  }
  rd_kafka_destroy(rk);
  std::printf("%lld\n", static_cast<long long>(total));
  return 0;
}

// Every record of a topic, "<key>\t<value>" a line, partition after partition, each read from
// its low to its high watermark as they are when called.
int run_dump(const std::string& bootstrap, const std::string& topic) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "group.id", "eddy-bench-load-dump");  // assign() only: never joins or commits
  set(conf, "enable.auto.commit", "false");
  set(conf, "isolation.level", "read_committed");
  set(conf, "enable.partition.eof", "true");
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (rk == nullptr) die(std::string("consumer: ") + errstr);
  const int partitions = partition_count(rk, topic);
  int64_t total = 0;
  for (int p = 0; p < partitions; ++p) {
    int64_t low = 0;
    int64_t high = 0;
    if (auto err = rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, 10000);
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      die("watermarks of " + topic + ": " + rd_kafka_err2str(err));
    }
    if (high <= low) continue;
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = low;
    if (auto err = rd_kafka_assign(rk, list); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      die("assign " + topic + ": " + rd_kafka_err2str(err));
    }
    rd_kafka_topic_partition_list_destroy(list);
    int64_t next = low;
    double deadline = now_s() + 60;
    // Under read_committed, transaction markers take offsets too: stop at the high watermark
    // or at the end of the partition.
    while (next < high) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 500);
      if (now_s() > deadline) die("reading " + topic + " timed out");
      if (m == nullptr) continue;
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        rd_kafka_message_destroy(m);
        break;
      }
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        const std::string what = rd_kafka_message_errstr(m);
        rd_kafka_message_destroy(m);
        die("reading " + topic + ": " + what);
      }
      std::fwrite(m->key, 1, m->key_len, stdout);
      std::fputc('\t', stdout);
      std::fwrite(m->payload, 1, m->len, stdout);
      std::fputc('\n', stdout);
      next = m->offset + 1;
      ++total;
      rd_kafka_message_destroy(m);
    }
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  std::fprintf(stderr, "eddy-bench-load: dumped %lld records of %s\n",
               static_cast<long long>(total), topic.c_str());
  return 0;
}

int run_delete(const std::string& bootstrap, const std::string& prefix) {
  if (prefix.size() < 4) die("refusing to delete by a prefix shorter than 4 characters");
  eddy::kafka::Admin admin(admin_props(bootstrap));
  std::vector<std::string> names;
  for (const auto& [name, partitions] : admin.list_topics()) {
    if (name.rfind(prefix, 0) == 0) names.push_back(name);
  }
  if (!names.empty()) admin.delete_topics(names);
  std::fprintf(stderr, "eddy-bench-load: deleted %zu topic(s) starting with %s\n", names.size(),
               prefix.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Prepare and inspect Eddy end-to-end benchmark topics"};
  app.require_subcommand(1);
  std::string bootstrap = "localhost:9092";
  app.add_option("--bootstrap", bootstrap, "bootstrap.servers")->capture_default_str();

  ProduceOptions popt;
  auto* produce = app.add_subcommand("produce", "create a topic and pre-load retail events");
  produce->add_option("--topic", popt.topic, "input topic")->required();
  produce->add_option("--partitions", popt.partitions, "partitions")->capture_default_str();
  produce->add_option("--records", popt.records, "events to load")->capture_default_str();
  produce->add_option("--keys", popt.keys, "distinct customer keys")->capture_default_str();
  produce->add_option("--rate", popt.rate, "events per event-time second")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  produce->add_option("--start-ms", popt.start_ms,
                      "event time of the first event (default: so the last is about now)");
  produce->add_option("--seed", popt.seed, "random seed")->capture_default_str();
  produce->add_flag("!--no-create", popt.create, "do not create the topic");
  produce
      ->add_option("--changelog", popt.changelog,
                   "a count store's changelog instead of events: plain (Kafka Streams: 8-byte "
                   "count) or stamped (Eddy: 8-byte timestamp + 8-byte count)")
      ->check(CLI::IsMember({"plain", "stamped"}));
  produce
      ->add_option("--shape", popt.shape,
                   "events: bench (flat, uniform keys) or retail (the example apps' sessions, "
                   "examples/loadgen/retail_generator.h)")
      ->check(CLI::IsMember({"bench", "retail"}))
      ->capture_default_str();

  ProduceOptions lopt;
  double live_seconds = 40;
  auto* live = app.add_subcommand(
      "live",
      "produce events at a fixed wall-clock rate, stamped with the wall clock (latency runs)");
  live->add_option("--topic", lopt.topic, "input topic")->required();
  live->add_option("--partitions", lopt.partitions, "partitions")->capture_default_str();
  live->add_option("--rate", lopt.rate, "records per second")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  live->add_option("--seconds", live_seconds, "how long")->capture_default_str();
  live->add_option("--keys", lopt.keys, "distinct customer keys")->capture_default_str();
  live->add_option("--seed", lopt.seed, "random seed")->capture_default_str();
  live->add_flag("!--no-create", lopt.create, "do not create the topic");

  std::string topic;
  int partitions = 4;
  auto* create = app.add_subcommand("create", "create a topic");
  create->add_option("--topic", topic, "topic")->required();
  create->add_option("--partitions", partitions, "partitions")->capture_default_str();
  bool log_append_time = false;
  create->add_flag("--log-append-time", log_append_time,
                   "message.timestamp.type=LogAppendTime (event time stays in the JSON \"ts\")");
  auto* count = app.add_subcommand("count", "print how many records a topic holds");
  count->add_option("--topic", topic, "topic")->required();
  auto* dump = app.add_subcommand("dump", "print every record of a topic as <key>\\t<value>");
  dump->add_option("--topic", topic, "topic")->required();
  std::string prefix;
  auto* del = app.add_subcommand("delete", "delete topics by name prefix");
  del->add_option("--prefix", prefix, "name prefix (at least 4 characters)")->required();
  CLI11_PARSE(app, argc, argv);

  try {
    if (*produce) return run_produce(bootstrap, popt);
    if (*live) return run_live(bootstrap, lopt, live_seconds);
    if (*create) {
      create_topic(bootstrap, topic, partitions, log_append_time);
      return 0;
    }
    if (*count) return run_count(bootstrap, topic);
    if (*dump) return run_dump(bootstrap, topic);
    if (*del) return run_delete(bootstrap, prefix);
  } catch (const std::exception& e) {
    die(e.what());
  }
  return 1;
}
