// Shared plumbing for librdkafka client handles: creation with logging wired to Eddy's
// logger, and connectivity / metadata helpers with bounded time.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "eddy/config.h"

struct rd_kafka_s;
struct rd_kafka_conf_s;
struct rd_kafka_metadata;

namespace eddy::kafka {

struct HandleDeleter {
  void operator()(rd_kafka_s* rk) const;
};
using HandlePtr = std::unique_ptr<rd_kafka_s, HandleDeleter>;

// Partition counts of existing topics, by name, from one metadata request.
using TopicPartitionCounts = std::map<std::string, int>;

// Why a client could not talk to its brokers, from the errors librdkafka reported on the
// handle (install() on its conf, with this object as the conf's opaque, before rd_kafka_new):
// a failed SASL authentication, a TLS handshake the CA or certificate broke, a security.protocol
// that does not match the listener. librdkafka reports them from rd_kafka_poll() on the handle,
// so whoever waits on the handle must poll it (fetch_metadata() does).
class ConnectionDiagnostics {
 public:
  // `properties`: the client's configuration, for hints (mechanism, protocol); secret values
  // are never kept in the causes.
  explicit ConnectionDiagnostics(const Properties& properties);
  void install(rd_kafka_conf_s* conf);
  // The cause of the last connection failure that retrying cannot fix (authentication, TLS,
  // protocol mismatch), with how to fix it; empty when there was none.
  std::string cause() const;
  // librdkafka's code for that cause (_AUTHENTICATION, _SSL or _TRANSPORT).
  int cause_code() const;
  // Records one librdkafka error (the error callback calls it).
  void record(int code, const std::string& reason);

 private:
  mutable std::mutex mutex_;
  std::string cause_;
  int cause_code_ = 0;
  int protocol_mismatches_ = 0;
  std::string mechanism_;
  std::string protocol_;
  Properties secrets_;  // the secret properties, to scrub them from librdkafka's reasons
};

struct MetadataDeleter {
  void operator()(const struct rd_kafka_metadata* metadata) const;
};
using MetadataPtr = std::unique_ptr<const struct rd_kafka_metadata, MetadataDeleter>;

// Metadata of all topics (all_topics: naming a topic would auto-create it), asked for within
// `timeout` in slices. Throws as fetch_topic_partitions() does.
MetadataPtr fetch_metadata(rd_kafka_s* rk, const std::string& bootstrap,
                           std::chrono::milliseconds timeout,
                           const ConnectionDiagnostics* diagnostics = nullptr);

// Fetches cluster metadata for all topics within `timeout`. Throws KafkaError naming the
// bootstrap servers when no broker answers in time (the "unreachable broker" error), or,
// when `diagnostics` saw why (authentication, TLS, protocol), at once with that cause.
TopicPartitionCounts fetch_topic_partitions(rd_kafka_s* rk, const std::string& bootstrap,
                                            std::chrono::milliseconds timeout,
                                            const ConnectionDiagnostics* diagnostics = nullptr);

// Routes librdkafka's log lines into Eddy's logger (call on a conf before rd_kafka_new).
void route_logs(rd_kafka_conf_s* conf);

}  // namespace eddy::kafka
