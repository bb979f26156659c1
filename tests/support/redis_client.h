// The test side of Redis: which redis-server the tests use and a plain hiredis client for
// checking what the sinks wrote (the integration tests share it).
#pragma once

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace eddy::testing_support {

// The redis-server the tests talk to: 127.0.0.1:$EDDY_REDIS_PORT, default 6379 (the port
// scripts/redis.sh starts it on).
inline int redis_port() {
  const char* env = std::getenv("EDDY_REDIS_PORT");
  return env != nullptr && *env != '\0' ? std::atoi(env) : 6379;
}

class RedisClient {
 public:
  RedisClient() {
    context_ = redisConnectWithTimeout("127.0.0.1", redis_port(), timeval{2, 0});
    if (context_ != nullptr && context_->err != 0) {
      redisFree(context_);
      context_ = nullptr;
    }
    if (context_ != nullptr) redisSetTimeout(context_, timeval{10, 0});
  }
  ~RedisClient() {
    if (context_ != nullptr) redisFree(context_);
  }
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  bool connected() const { return context_ != nullptr; }

  struct Deleter {
    void operator()(redisReply* r) const { freeReplyObject(r); }
  };
  using Reply = std::unique_ptr<redisReply, Deleter>;

  // Runs one command; throws when the connection fails.
  Reply cmd(const std::vector<std::string>& args) {
    if (context_ == nullptr) throw std::runtime_error("redis: not connected");
    std::vector<const char*> argv;
    std::vector<size_t> len;
    for (const auto& a : args) {
      argv.push_back(a.data());
      len.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(
        redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), len.data()));
    if (r == nullptr) throw std::runtime_error(std::string("redis: ") + context_->errstr);
    return Reply(r);
  }
  std::map<std::string, std::string> hgetall(const std::string& key) {
    std::map<std::string, std::string> out;
    auto r = cmd({"HGETALL", key});
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
      out[std::string(r->element[i]->str, r->element[i]->len)] =
          std::string(r->element[i + 1]->str, r->element[i + 1]->len);
    }
    return out;
  }
  long long integer(const std::vector<std::string>& args) { return cmd(args)->integer; }
  std::optional<std::string> get(const std::string& key) {
    auto r = cmd({"GET", key});
    if (r->type != REDIS_REPLY_STRING) return std::nullopt;
    return std::string(r->str, r->len);
  }
  // The keys matching `pattern`, sorted.
  std::vector<std::string> keys(const std::string& pattern) {
    std::vector<std::string> out;
    auto r = cmd({"KEYS", pattern});
    for (size_t i = 0; i < r->elements; ++i)
      out.emplace_back(r->element[i]->str, r->element[i]->len);
    std::sort(out.begin(), out.end());
    return out;
  }
  // A sorted set's members and (integer) scores.
  std::map<std::string, long long> zrange_with_scores(const std::string& key) {
    std::map<std::string, long long> out;
    auto r = cmd({"ZRANGE", key, "0", "-1", "WITHSCORES"});
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
      out[std::string(r->element[i]->str, r->element[i]->len)] =
          std::stoll(std::string(r->element[i + 1]->str, r->element[i + 1]->len));
    }
    return out;
  }
  // Deletes every key matching `pattern`.
  void delete_matching(const std::string& pattern) {
    std::string cursor = "0";
    do {
      auto r = cmd({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
      cursor = std::string(r->element[0]->str, r->element[0]->len);
      for (size_t i = 0; i < r->element[1]->elements; ++i) {
        cmd({"DEL", std::string(r->element[1]->element[i]->str, r->element[1]->element[i]->len)});
      }
    } while (cursor != "0");
  }

 private:
  redisContext* context_ = nullptr;
};

}  // namespace eddy::testing_support
