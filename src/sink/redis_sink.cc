// RedisSink: versioned, pipelined writes through hiredis (the only hiredis user in Eddy).
#include "eddy/sink/redis_sink.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/log.h"
#include "sink/redis_scripts.h"

namespace eddy {

namespace {

struct ReplyDeleter {
  void operator()(redisReply* reply) const {
    if (reply != nullptr) freeReplyObject(reply);
  }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

timeval to_timeval(std::chrono::milliseconds d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.starts_with(prefix);
}

// Server errors worth retrying: the server is busy, loading, failing over or out of memory.
bool retriable_server_error(std::string_view message) {
  for (std::string_view p : {"LOADING", "BUSY", "TRYAGAIN", "OOM", "MASTERDOWN", "READONLY",
                             "CLUSTERDOWN", "NOREPLICAS"}) {
    if (starts_with(message, p)) return true;
  }
  return false;
}

bool is_number(const std::string& s) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return errno == 0 && end == s.c_str() + s.size();
}

}  // namespace

// One hiredis connection and the SHA1 of the loaded script; used by one thread at a time
// (write_batch() never runs concurrently).
struct RedisSink::Connection {
  redisContext* context = nullptr;
  std::string script_sha;
  bool was_connected = false;  // a later connect is a reconnect
  ~Connection() { reset(); }
  void reset() {
    if (context != nullptr) redisFree(context);
    context = nullptr;
  }
};

RedisSink::RedisSink(RedisSinkOptions options)
    : FeatureSink(options.sink),
      redis_options_(std::move(options)),
      connection_(std::make_unique<Connection>()) {
  const auto& o = redis_options_;
  const std::string where = "redis sink " + o.sink.name;
  if (o.port <= 0 || o.port > 65535) throw ConfigError(where + " port", "must be 1..65535");
  if (o.host.empty()) throw ConfigError(where + " host", "must not be empty");
  if (o.mode == RedisSinkMode::kSortedSet) {
    if (o.sorted_set_key.empty()) {
      throw ConfigError(where + " sorted_set_key", "sorted-set mode needs the set's key");
    }
    if (o.score_field.empty()) {
      throw ConfigError(where + " score_field", "sorted-set mode needs the score's field name");
    }
  } else if (o.version_field.empty()) {
    throw ConfigError(where + " version_field", "must not be empty");
  }
  if (o.invalid_updates == ErrorHandling::kDeadLetter) {
    throw ConfigError(where + " invalid_updates",
                      "kDeadLetter is not supported by sinks; use kLogAndFail or kLogAndContinue");
  }
  if (o.ttl.count() < 0 || o.tombstone_retention.count() < 0) {
    throw ConfigError(where + " ttl", "ttl and tombstone_retention must be >= 0");
  }
}

RedisSink::~RedisSink() {
  stop_flushing();
}

std::string RedisSink::redis_key(const std::string& key) const {
  if (redis_options_.mode == RedisSinkMode::kSortedSet) return redis_options_.sorted_set_key;
  return redis_options_.key_prefix + key;
}

namespace {

// Runs one command on a connected context; nullptr means the connection broke.
ReplyPtr run(redisContext* context, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  return ReplyPtr(static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data())));
}

}  // namespace

void RedisSink::write_batch(std::span<const FeatureUpdate> batch,
                            std::span<WriteOutcome> outcomes) {
  const auto& o = redis_options_;
  Connection& c = *connection_;
  const std::string where = "redis sink " + name() + " (" + o.host + ":" + std::to_string(o.port) +
                            (o.username.empty() ? "" : ", user '" + o.username + "'") + ")";

  // A broken connection: drop it, count it, retry the whole batch on a new one.
  auto lost = [&](const std::string& doing) -> SinkError {
    std::string reason = c.context != nullptr ? c.context->errstr : "no context";
    c.reset();
    count_connection_loss();
    EDDY_LOG_WARN("{}: connection lost while {}: {}", where, doing, reason);
    return SinkError(where + ": connection lost while " + doing + ": " + reason, true);
  };
  auto load_script = [&] {
    auto reply = run(c.context, {"SCRIPT", "LOAD",
                                 o.mode == RedisSinkMode::kHash ? detail::kHashScript
                                                                : detail::kSortedSetScript});
    if (!reply) throw lost("loading the script");
    if (reply->type != REDIS_REPLY_STRING) {
      const std::string error = reply->type == REDIS_REPLY_ERROR
                                    ? std::string(reply->str, reply->len)
                                    : "unexpected reply type " + std::to_string(reply->type);
      throw SinkError(where + ": SCRIPT LOAD failed: " + error, true);
    }
    c.script_sha.assign(reply->str, reply->len);
  };

  if (c.context == nullptr) {
    redisContext* context =
        redisConnectWithTimeout(o.host.c_str(), o.port, to_timeval(o.connect_timeout));
    if (context == nullptr || context->err != 0) {
      std::string reason = context != nullptr ? context->errstr : "out of memory";
      if (context != nullptr) redisFree(context);
      throw SinkError(where + ": cannot connect: " + reason, true);
    }
    c.context = context;
    redisSetTimeout(context, to_timeval(o.command_timeout));
    redisEnableKeepAlive(context);
    auto setup = [&](const std::vector<std::string>& args, const std::string& what) {
      auto reply = run(c.context, args);
      if (!reply) throw lost(what);
      if (reply->type == REDIS_REPLY_ERROR) {
        std::string error(reply->str, reply->len);
        c.reset();
        // A wrong password or database cannot heal by retrying.
        throw SinkError(where + ": " + what + " failed: " + error, retriable_server_error(error));
      }
    };
    if (!o.username.empty()) {
      setup({"AUTH", o.username, o.password}, "AUTH");
    } else if (!o.password.empty()) {
      setup({"AUTH", o.password}, "AUTH");
    }
    if (o.db != 0) setup({"SELECT", std::to_string(o.db)}, "SELECT");
    load_script();
    if (c.was_connected) EDDY_LOG_INFO("{}: reconnected", where);
    c.was_connected = true;
  }

  // Updates this sink cannot write: fail, or skip them (per invalid_updates).
  std::vector<std::string> scores(o.mode == RedisSinkMode::kSortedSet ? batch.size() : 0);
  std::vector<std::size_t> valid;
  valid.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const FeatureUpdate& u = batch[i];
    std::string problem;
    if (u.fields && o.mode == RedisSinkMode::kHash) {
      for (const auto& [field, value] : *u.fields) {
        if (field == o.version_field) {
          problem = "has a feature named '" + field +
                    "', the version field; rename it or set version_field";
        }
      }
    } else if (u.fields) {
      bool found = false;
      for (const auto& [field, value] : *u.fields) {
        if (field == o.score_field) {
          scores[i] = value;
          found = true;
        }
      }
      if (!found || !is_number(scores[i])) {
        problem = (found ? "has a non-numeric score '" + scores[i] + "'" : "has no score") +
                  " in field '" + o.score_field + "'";
      }
    } else if (o.mode == RedisSinkMode::kSortedSet) {
      scores[i] = "0";  // a delete needs no score
    }
    if (problem.empty()) {
      valid.push_back(i);
    } else if (o.invalid_updates == ErrorHandling::kLogAndContinue) {
      outcomes[i] = WriteOutcome::kInvalid;
      EDDY_LOG_WARN("{}: skipping key '{}': it {}", where, u.key, problem);
    } else {
      throw SinkError(where + ": key '" + u.key + "' " + problem, false);
    }
  }

  // One EVALSHA per chunk of writes_per_call updates.
  struct Chunk {
    std::vector<std::size_t> items;  // indices into batch
    std::vector<std::string> args;
  };
  std::vector<Chunk> chunks;
  const std::size_t per_call = std::max<std::size_t>(1, o.writes_per_call);
  for (std::size_t begin = 0; begin < valid.size(); begin += per_call) {
    Chunk& chunk = chunks.emplace_back();
    chunk.items.assign(
        valid.begin() + static_cast<std::ptrdiff_t>(begin),
        valid.begin() + static_cast<std::ptrdiff_t>(std::min(valid.size(), begin + per_call)));
    auto& args = chunk.args;
    const std::size_t n = chunk.items.size();
    if (o.mode == RedisSinkMode::kHash) {
      args.reserve(6 + 2 * n + 9 * n);
      args = {"EVALSHA", c.script_sha, std::to_string(2 * n)};
      for (std::size_t i : chunk.items) {
        args.push_back(o.key_prefix + batch[i].key);
        args.push_back(o.tombstone_prefix + o.key_prefix + batch[i].key);
      }
      args.push_back(std::to_string(o.ttl.count()));
      args.push_back(std::to_string(o.tombstone_retention.count()));
      args.push_back(o.version_field);
      for (std::size_t i : chunk.items) {
        const FeatureUpdate& u = batch[i];
        args.push_back(u.is_delete() ? "D" : "W");
        args.push_back(std::to_string(u.event_time_ms));
        args.push_back(std::to_string(u.source.partition));
        args.push_back(std::to_string(u.source.offset));
        args.push_back(std::to_string(u.fields ? u.fields->size() : 0));
        if (!u.fields) continue;
        for (const auto& [field, value] : *u.fields) {
          args.push_back(field);
          args.push_back(value);
        }
      }
    } else {
      args.reserve(5 + 6 * n);
      args = {"EVALSHA", c.script_sha, "2", o.sorted_set_key, "eddy:versions:" + o.sorted_set_key};
      for (std::size_t i : chunk.items) {
        const FeatureUpdate& u = batch[i];
        args.push_back(u.is_delete() ? "D" : "W");
        args.push_back(std::to_string(u.event_time_ms));
        args.push_back(std::to_string(u.source.partition));
        args.push_back(std::to_string(u.source.offset));
        args.push_back(u.key);
        args.push_back(std::move(scores[i]));
      }
    }
  }

  // Pipelined: append all chunks, then read all replies (so the connection stays in sync
  // even when some fail). NOSCRIPT (the server restarted or ran SCRIPT FLUSH): load the
  // script again and resend those chunks.
  std::vector<std::size_t> todo(chunks.size());
  for (std::size_t i = 0; i < todo.size(); ++i) todo[i] = i;
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (int round = 0; round < 3 && !todo.empty(); ++round) {
    for (std::size_t k : todo) {
      auto& args = chunks[k].args;
      args[1] = c.script_sha;
      argv.clear();
      lengths.clear();
      for (const auto& a : args) {
        argv.push_back(a.data());
        lengths.push_back(a.size());
      }
      if (redisAppendCommandArgv(c.context, static_cast<int>(argv.size()), argv.data(),
                                 lengths.data()) != REDIS_OK) {
        throw lost("queueing a write");
      }
    }
    std::vector<std::size_t> noscript;
    std::string first_error;
    bool error_retriable = true;
    for (std::size_t k : todo) {
      const Chunk& chunk = chunks[k];
      void* raw = nullptr;
      if (redisGetReply(c.context, &raw) != REDIS_OK || raw == nullptr) {
        throw lost("waiting for a reply");
      }
      ReplyPtr reply(static_cast<redisReply*>(raw));
      const std::string keys =
          "keys '" + batch[chunk.items.front()].key + "'" +
          (chunk.items.size() > 1 ? " .. '" + batch[chunk.items.back()].key + "'" : std::string());
      if (reply->type == REDIS_REPLY_ARRAY && reply->elements == chunk.items.size()) {
        for (std::size_t j = 0; j < reply->elements; ++j) {
          const redisReply* r = reply->element[j];
          outcomes[chunk.items[j]] = r->type == REDIS_REPLY_INTEGER && r->integer == 0
                                         ? WriteOutcome::kStale
                                         : WriteOutcome::kApplied;
        }
      } else if (reply->type == REDIS_REPLY_ERROR) {
        std::string_view error(reply->str, reply->len);
        if (starts_with(error, "NOSCRIPT")) {
          noscript.push_back(k);
        } else if (first_error.empty()) {
          first_error = keys + ": " + std::string(error);
          error_retriable = retriable_server_error(error);
        }
      } else if (first_error.empty()) {
        first_error = keys + ": unexpected reply (type " + std::to_string(reply->type) + ")";
        error_retriable = false;
      }
    }
    if (!first_error.empty()) throw SinkError(where + ": " + first_error, error_retriable);
    if (!noscript.empty()) {
      EDDY_LOG_INFO("{}: script not cached on the server (NOSCRIPT), loading it again", where);
      load_script();
    }
    todo = std::move(noscript);
  }
  if (!todo.empty()) throw SinkError(where + ": the server keeps answering NOSCRIPT", true);
}

}  // namespace eddy
