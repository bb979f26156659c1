// eddy/config.h — StreamsConfig: Eddy's settings, under Kafka Streams' names.
//
// Build it from properties, the way Kafka Streams users do, or set fields directly.
// Keys Eddy knows are parsed into typed fields; any other key is passed to librdkafka
// (prefix it with `consumer.`, `producer.` or `admin.` to reach only that client).
// Every key and value is checked by `validate()`, which `KafkaStreams::start()` and the
// tools call: an unknown key or a bad value throws ConfigError naming the key.
//
//   auto config = eddy::StreamsConfig::from_properties({
//       {"application.id", "session-scoring"},
//       {"bootstrap.servers", "localhost:9092"},      // "" or "embedded": in-process broker
//       {"processing.guarantee", "exactly_once_v2"},
//       {"linger.ms", "5"},                           // passed through to librdkafka
//   });
//
// Secure clusters (TLS, SASL) take librdkafka's own keys, passed through to every client
// Eddy makes (see docs/security.md); keep them in a properties file:
//   auto props = eddy::read_properties_file("/etc/my-app/kafka.properties");
//   props["application.id"] = "session-scoring";
//   auto config = eddy::StreamsConfig::from_properties(props);
// Values of secret keys (is_secret_key(): passwords, SASL JAAS configs, private keys) never
// appear in Eddy's log lines, metrics, exception messages or redacted_properties().
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "eddy/error_handlers.h"
#include "eddy/state/rocksdb_config_setter.h"

namespace eddy {

using Properties = std::map<std::string, std::string>;

enum class ProcessingGuarantee { kAtLeastOnce, kExactlyOnceV2 };

// What to do with a record that failed. kDeadLetter sends it, with the error in headers,
// to `errors.dead.letter.queue.topic.name`, then continues.
enum class ErrorHandling { kLogAndContinue, kLogAndFail, kDeadLetter };

// What start() does when the topology differs from the one the application last ran with in
// a way that orphans state (eddy.topology.change.check).
enum class TopologyChangeCheck { kFail, kWarn, kOff };

// How much the metrics record: kDebug adds per-operation store latencies.
enum class MetricsRecordingLevel { kInfo, kDebug };

struct StreamsConfig {
  // application.id — required. Names the consumer group, the state folder and the prefix
  // of every internal topic (`<application.id>-<name>-changelog`). Letters, digits, '.',
  // '_' and '-' only. Changing it orphans all state.
  std::string application_id;

  // bootstrap.servers — comma-separated host:port list. Empty or "embedded" starts
  // librdkafka's in-process mock cluster (no broker needed; see docs/embedded-broker.md
  // for what it cannot do). Default: "" (embedded).
  std::string bootstrap_servers;

  // state.dir — root of local state; each application and task gets a folder under it.
  // Default: "/tmp/eddy".
  std::string state_dir = "/tmp/eddy";

  // num.stream.threads — processing threads, each with its own consumer and producer.
  // Default: 1.
  int num_stream_threads = 1;

  // num.standby.replicas — how many other instances keep a warm copy of each task's persistent
  // stores from its changelogs (standby tasks: they never process or produce). When the
  // active owner dies and the task lands on an instance holding a standby, only the tail of
  // the changelog is restored. Placement rule: docs/runtime.md, "Standby replicas". Each
  // standby reads its changelogs continuously (one more consumer per instance). Default: 0.
  int num_standby_replicas = 0;

  // processing.guarantee — "at_least_once" (default) or "exactly_once_v2".
  ProcessingGuarantee processing_guarantee = ProcessingGuarantee::kAtLeastOnce;

  // commit.interval.ms — how often offsets are committed (after caches, stores, producer and
  // sinks are flushed). Default: 30000 under at-least-once, 100 under exactly-once (as in
  // Kafka Streams). Lower means less replay after a crash and more commit overhead.
  std::optional<std::chrono::milliseconds> commit_interval;

  // statestore.cache.max.bytes — total bytes of the record caches in front of stores; 0
  // turns caching off (every update goes downstream). Default: 10 MiB.
  int64_t cache_max_bytes = int64_t{10} * 1024 * 1024;

  // eddy.memory.budget.bytes — one budget for the process: RocksDB block cache and
  // memtables of all stores, record caches and suppress buffers. Default: 256 MiB.
  int64_t memory_budget_bytes = int64_t{256} * 1024 * 1024;

  // rocksdb.config.setter — called once for every RocksDB store each task opens (and again
  // when a task moves here and reopens it), with the store's name and its rocksdb::Options,
  // after Eddy has set them from the memory budget; see
  // eddy/state/rocksdb_config_setter.h. It runs on stream threads, so it must be
  // thread-safe. Not a property: set the field. Default: unset (Eddy's options as they are).
  RocksDbConfigSetter rocksdb_config_setter;

  // max.task.idle.ms — how long a task waits for data on an empty input partition before
  // processing its other partitions out of timestamp order. Default: 0.
  std::chrono::milliseconds max_task_idle{0};

  // repartition.purge.interval.ms — how often, at most, the records of repartition topics
  // that every task reading them has committed are deleted (DeleteRecords, after a commit).
  // Repartition topics keep records forever (retention.ms=-1, so a backfill of old events
  // loses none), so this is what keeps them small. -1 turns purging off. Default: 30000.
  std::chrono::milliseconds repartition_purge_interval{30'000};

  // buffered.records.per.partition — records buffered per input partition before the
  // partition is paused. Default: 1000.
  int buffered_records_per_partition = 1000;

  // poll.ms — the longest one consumer poll blocks. Default: 100.
  std::chrono::milliseconds poll_interval{100};

  // replication.factor — of the internal topics Eddy creates; -1 uses the broker's default.
  // Default: -1.
  int replication_factor = -1;

  // default.deserialization.exception.handler — a record a source cannot deserialize (or
  // whose timestamp extractor throws or returns a negative time): log_and_continue
  // (default), log_and_fail, dead_letter. Every skipped record is counted in a metric.
  ErrorHandling deserialization_error_handling = ErrorHandling::kLogAndContinue;

  // processing.exception.handler — a processor, a store's serde or a punctuator threw while
  // handling a record: log_and_fail (default), log_and_continue, dead_letter.
  ErrorHandling processing_error_handling = ErrorHandling::kLogAndFail;

  // default.production.exception.handler — a sink could not serialize an output record, or
  // Kafka refused it for good (too large for the topic's max.message.bytes, a null key for a
  // compacted topic, ...): log_and_fail (default), log_and_continue, dead_letter. Records
  // Kafka could not deliver in time (broker away) are not for the handler: the thread
  // recovers and re-processes them. Under exactly_once_v2 only a refusal at send time can
  // be skipped (librdkafka then never adds the record to the transaction); one the broker
  // reports later makes the transaction abortable, so the thread fails whatever the handler
  // says (docs/runtime.md, "Failures").
  ErrorHandling production_error_handling = ErrorHandling::kLogAndFail;

  // errors.dead.letter.queue.topic.name — where dead_letter handlers send records. Required
  // when any handler is dead_letter. Once set, log_and_continue and log_and_fail send the
  // failed record there too, as Kafka Streams' built-in handlers do. Default: "" (none).
  std::string dead_letter_topic;

  // Handler callbacks (eddy/error_handlers.h). Set, they replace the built-in handler the
  // setting above names. Not properties: set the fields. Default: unset.
  ErrorHandler deserialization_exception_handler;
  ErrorHandler processing_exception_handler;
  ErrorHandler production_exception_handler;

  // group.instance.id — static membership: a restart within session.timeout.ms causes no
  // rebalance. Default: unset.
  std::string group_instance_id;

  // metrics.port — serves Prometheus text on http://<metrics.host>:<port>/metrics from start()
  // to close(); 0 turns the endpoint off (KafkaStreams::metrics() and metrics_source() still
  // work: a host with its own prometheus-cpp Exposer registers Eddy's metrics there instead,
  // see eddy/metrics_prometheus.h). A port already in use fails start(). Default: 0.
  int metrics_port = 0;

  // metrics.host — the address the endpoint binds: 127.0.0.1 (loopback only), 0.0.0.0 (every
  // interface, e.g. so a pod can be scraped) or one interface's address. Default: 127.0.0.1.
  std::string metrics_host = "127.0.0.1";

  // metrics.recording.level — info (default) or debug. debug adds the per-operation latency
  // of every store (eddy_store_operation_seconds_total); info keeps operation counts only.
  MetricsRecordingLevel metrics_recording_level = MetricsRecordingLevel::kInfo;

  // metrics.log.interval.ms — every this long each stream thread logs one summary line at
  // info level (records/s, lag, commits, p99 process latency); 0 turns it off. Default: 60 s.
  std::chrono::milliseconds metrics_log_interval{60'000};

  // __emit.interval.ms.kstreams.outer.join.spurious.results.fix__ — Kafka Streams' (internal)
  // throttle of left and outer stream-stream joins: at most once per this much wall-clock
  // time does a join scan for records whose window closed without a partner and emit them.
  // A record whose window closed can thus wait up to this long (and until the next record
  // of the join's stream time) before its non-joined result goes out. 0 scans on every
  // record (what tests comparing with Kafka Streams set on both sides). Default: 1000 ms.
  std::chrono::milliseconds outer_join_emit_interval{1000};

  // eddy.malloc.return.freed.memory — glibc only, and process-wide: fixes malloc's mmap
  // threshold at 128 KiB at start(), so the large blocks RocksDB frees (memtables, SST
  // buffers) go back to the OS; without it resident memory after a flush can sit ~35 MiB above
  // eddy.memory.budget.bytes. It changes the host process's allocator, so it is off unless you
  // opt in. Default: false.
  bool malloc_return_freed_memory = false;

  // eddy.run.until.end — a bounded run (a backfill, a reconciliation): at start() the end
  // offset of every partition of the source topics is taken, each task processes its
  // partitions up to those offsets (never past them) and repartition topics to their end,
  // everything is committed, and the instance shuts itself down: state PENDING_SHUTDOWN, then
  // NOT_RUNNING (KafkaStreams::wait_until_stopped()). Final window results whose windows
  // closed by then (stream time past end + grace) are emitted; later windows stay open in
  // the stores, as after any stop. See docs/runtime.md, "Bounded runs". Default: false.
  bool run_until_end = false;

  // eddy.topology.change.check — start() compares the topology (its sub-topologies, stores
  // and internal topics) with the one the application last started with, kept in the
  // compacted internal topic <application.id>-eddy-topology-changelog. A change that would
  // orphan state — a store or an internal topic gone or renamed, a store moved to another
  // sub-topology — makes start() throw TopologyError naming them ("fail", the default), or
  // log a warning ("warn"); "off" skips the check and the topic. An accepted topology
  // becomes the new reference. Resetting the application (docs/operations.md) deletes the
  // topic with the other internal topics. Not on the embedded broker. Default: fail.
  TopologyChangeCheck topology_change_check = TopologyChangeCheck::kFail;

  // Everything else: passed to librdkafka. Keys prefixed `consumer.`, `producer.`, `admin.`
  // go to that client only (prefix stripped); others go to all clients.
  Properties client_properties;

  // Parses `properties` (Kafka Streams names; see each field) and checks the result.
  // Throws ConfigError naming the first bad key.
  static StreamsConfig from_properties(const Properties& properties);

  // Checks fields and pass-through keys (against librdkafka's own list). Throws ConfigError.
  void validate() const;

  // Every setting as properties (Kafka Streams names, pass-through keys as given), with the
  // value of each secret key (is_secret_key()) replaced by "[hidden]": safe to log or show.
  // KafkaStreams::start() logs it at info level.
  Properties redacted_properties() const;

  // The librdkafka properties a producer of this config gets: bootstrap.servers, the
  // unprefixed pass-through keys and the `producer.` ones (prefix stripped). Hand them to a
  // KafkaTopicSink (KafkaTopicSinkOptions::producer_properties) so it connects as the
  // runtime's clients do (security.protocol, ssl.*, sasl.*).
  Properties producer_properties() const;

  // commit.interval.ms with the guarantee's default applied.
  std::chrono::milliseconds effective_commit_interval() const;

  // True when bootstrap.servers selects the in-process mock cluster.
  bool uses_embedded_broker() const;

  bool exactly_once() const { return processing_guarantee == ProcessingGuarantee::kExactlyOnceV2; }

  // The handler in effect for `kind`: the callback when set, else the built-in the
  // ErrorHandling setting names (with dead_letter_topic).
  ErrorHandler error_handler(ErrorKind kind) const;
};

// True when the value of `key` is a secret: its name (without a `consumer.`, `producer.` or
// `admin.` prefix) contains "password", "secret", "jaas" or "token", or it holds a private
// key or credentials (e.g. sasl.password, sasl.jaas.config, ssl.key.password, ssl.key.pem,
// ssl.keystore.password, sasl.oauthbearer.client.secret, sasl.oauthbearer.config).
bool is_secret_key(std::string_view key);

// The text that stands for a secret value wherever Eddy shows a configuration.
inline constexpr std::string_view kHiddenValue = "[hidden]";

// Reads a Java-style .properties file: `key=value` or `key: value` lines, `#` and `!`
// comments, blank lines, a trailing backslash continuing a line, surrounding whitespace
// trimmed. Throws ConfigError naming the file and line (never a value) when the file cannot be
// read or a line has no key. Logs a warning when the file holds a secret (is_secret_key()) and
// other users may read it (chmod 600 it).
Properties read_properties_file(const std::string& path);

}  // namespace eddy
