// eddy/sink/redis_sink.h — RedisSink: serves features from Redis, with versioned writes
// so a replay can never overwrite a newer feature with an older one.
//
// Hash mode (the default): each key is a hash `<key_prefix><key>` holding the feature
// fields plus `version_field` ("_v" = "<event_time>:<partition>:<offset>"). A write replaces
// the whole hash (fields absent from the update disappear) and sets an optional TTL. A
// delete removes the hash and leaves a tombstone marker `<tombstone_prefix><key_prefix><key>`
// holding the delete's version for `tombstone_retention`, so an older write arriving after
// the delete (a replay, a zombie instance) is rejected instead of resurrecting the key.
// Readers never see the marker in the feature key. After the retention the marker expires
// and a write older than the delete could be applied again: keep the retention longer than
// the longest replay (commit interval + restore time + consumer lag), 24 h by default.
//
// Sorted-set mode (rankings, e.g. trending SKUs): each key is a member of `sorted_set_key`,
// scored by the feature `score_field`; a delete removes the member. Versions live in the
// hash `eddy:versions:<sorted_set_key>` (member -> version), kept after a delete as its
// tombstone (no TTL: Redis 7.0 cannot expire hash fields; one small field per member).
//
// Writes go through a Lua script (EVALSHA; SCRIPT LOAD on connect, reloaded on NOSCRIPT)
// that applies each only if its version is >= the stored one (see FeatureVersion), a chunk
// of writes_per_call updates per call; the calls of a batch are pipelined. A lost connection is
// reconnected on the next attempt (with the base class's backoff), the batch is kept and retried
// whole, and stats().connection_losses counts it.
//
//   eddy::RedisSinkOptions options;
//   options.sink.name = "customer-features";
//   options.port = 6379;
//   options.key_prefix = "cf:";
//   options.ttl = std::chrono::hours(24);
//   eddy::RedisSink sink(options);
//   sink.submit(eddy::FeatureUpdate::upsert("c-42", {{"views_5m", "17"}}, ts, {"clicks", 3, 99}));
//   sink.flush();   // HGETALL cf:c-42 -> views_5m 17 _v 1700000000000:3:99
//
// Authentication: a Redis 6+ ACL user (`username` + `password`: AUTH <user> <password>) or the
// legacy `requirepass` password alone. No TLS (hiredis 0.14 has none): run the connection
// through a TLS tunnel (stunnel, or a service mesh sidecar) to a TLS-only Redis; see
// docs/sinks.md. The password never appears in a log line or an exception message.
//
// hiredis is used only inside src/sink/; this header needs none of it.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "eddy/config.h"
#include "eddy/sink/feature_sink.h"

namespace eddy {

enum class RedisSinkMode {
  kHash,       // HSET <key_prefix><key> field value ... (+ PEXPIRE ttl)
  kSortedSet,  // ZADD <sorted_set_key> <fields[score_field]> <key>
};

struct RedisSinkOptions {
  // Batching, budget, backpressure, retries, SLO (see feature_sink.h).
  SinkOptions sink;
  // Where redis-server listens. Defaults: 127.0.0.1:6379, database 0 (SELECT on connect),
  // no authentication.
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  // Redis 6+ ACL user: AUTH <username> <password> on connect. Empty: the `default` user
  // (legacy AUTH <password> when a password is set). A refused user fails the write with a
  // non-retriable SinkError naming the user. Default: "".
  std::string username;
  // AUTH password (a secret: never logged). Default: "" (no AUTH unless username is set).
  std::string password;
  // Connect and per-command socket timeouts; a timeout drops the connection and the batch is
  // retried on a new one. Defaults: 1 s, 2 s.
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{2000};

  // Updates applied per EVALSHA call; the calls of a batch are pipelined. Larger chunks
  // amortize the script call but hold the server longer per call. Default: 64.
  std::size_t writes_per_call = 64;

  RedisSinkMode mode = RedisSinkMode::kHash;
  // Hash mode: Redis key = key_prefix + key. Default: "" (the key itself).
  std::string key_prefix;
  // Hash mode: PEXPIRE each written hash after this long; 0 = never expires. Default: 0.
  std::chrono::milliseconds ttl{0};
  // Hash mode: the hash field holding the write's version. Must not be a feature name.
  std::string version_field = "_v";
  // Hash mode: delete markers live at tombstone_prefix + key_prefix + key for
  // tombstone_retention; 0 = no markers (a late older write may then resurrect a deleted
  // key). Defaults: "eddy:tomb:", 24 h.
  std::string tombstone_prefix = "eddy:tomb:";
  std::chrono::milliseconds tombstone_retention{std::chrono::hours(24)};

  // Sorted-set mode: the set and the feature field that holds each member's score (a
  // number; see invalid_updates for an update without one).
  std::string sorted_set_key;
  std::string score_field;

  // An update this sink cannot write (sorted-set mode: no numeric score; hash mode: a
  // feature named like version_field). kLogAndFail: the sink fails with a SinkError naming
  // the key (the instance stops; offsets stay uncommitted). kLogAndContinue: it is logged,
  // skipped and counted in stats().skipped_invalid. kDeadLetter is not supported here.
  // Default: kLogAndFail.
  ErrorHandling invalid_updates = ErrorHandling::kLogAndFail;
};

class RedisSink final : public FeatureSink {
 public:
  // Checks the options (ConfigError naming the field); connects on the first write, so
  // Redis may start after the sink.
  explicit RedisSink(RedisSinkOptions options);
  ~RedisSink() override;

  const RedisSinkOptions& redis_options() const { return redis_options_; }
  // The Redis key a feature key is written to (hash mode) or the set (sorted-set mode).
  std::string redis_key(const std::string& key) const;

 protected:
  void write_batch(std::span<const FeatureUpdate> batch, std::span<WriteOutcome> outcomes) override;

 private:
  struct Connection;
  RedisSinkOptions redis_options_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace eddy
