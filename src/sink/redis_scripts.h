// The Lua scripts RedisSink runs with EVALSHA: each applies one write or delete only if
// its version (event time, partition, offset) is >= the version Redis holds for the key.
// Both return 1 (applied) or 0 (rejected as older than the stored version).
#pragma once

namespace eddy::detail {

// Shared prelude: `older(ARGV[2..4], stored)` is true when the incoming version is older
// than the stored "<event_time>:<partition>:<offset>" string. Lua numbers are doubles:
// exact for event times and offsets below 2^53.
#define EDDY_REDIS_VERSION_PRELUDE                                                  \
  "local ts, part, off = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])\n" \
  "local function older(stored)\n"                                                  \
  "  if not stored then return false end\n"                                         \
  "  local t, p, o = string.match(stored, '^(%-?%d+):(%-?%d+):(%-?%d+)$')\n"        \
  "  if not t then return false end\n"                                              \
  "  t, p, o = tonumber(t), tonumber(p), tonumber(o)\n"                             \
  "  if ts ~= t then return ts < t end\n"                                           \
  "  if part ~= p then return part < p end\n"                                       \
  "  return off < o\n"                                                              \
  "end\n"                                                                           \
  "local version = ARGV[2] .. ':' .. ARGV[3] .. ':' .. ARGV[4]\n"

// KEYS[1] = the feature hash, KEYS[2] = its tombstone marker.
// ARGV: 1 op ("W" write, "D" delete), 2 event time, 3 partition, 4 offset, 5 ttl ms (0 none),
// 6 tombstone retention ms (0 = no marker), 7 version field, 8.. field value pairs.
inline constexpr const char* kHashScript = EDDY_REDIS_VERSION_PRELUDE
    "local stored = redis.call('HGET', KEYS[1], ARGV[7])\n"
    "local tombstoned = false\n"
    "if not stored then\n"
    "  stored = redis.call('GET', KEYS[2])\n"
    "  tombstoned = stored and true or false\n"
    "end\n"
    "if older(stored) then return 0 end\n"
    "redis.call('DEL', KEYS[1])\n"
    "if ARGV[1] == 'D' then\n"
    "  local keep = tonumber(ARGV[6])\n"
    "  if keep > 0 then redis.call('SET', KEYS[2], version, 'PX', keep) end\n"
    "  return 1\n"
    "end\n"
    "redis.call('HSET', KEYS[1], ARGV[7], version, unpack(ARGV, 8))\n"
    "local ttl = tonumber(ARGV[5])\n"
    "if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end\n"
    "if tombstoned then redis.call('DEL', KEYS[2]) end\n"
    "return 1\n";

// KEYS[1] = the sorted set, KEYS[2] = the hash of member versions.
// ARGV: 1 op ("W" / "D"), 2 event time, 3 partition, 4 offset, 5 member, 6 score.
inline constexpr const char* kSortedSetScript = EDDY_REDIS_VERSION_PRELUDE
    "if older(redis.call('HGET', KEYS[2], ARGV[5])) then return 0 end\n"
    "if ARGV[1] == 'D' then\n"
    "  redis.call('ZREM', KEYS[1], ARGV[5])\n"
    "else\n"
    "  redis.call('ZADD', KEYS[1], ARGV[6], ARGV[5])\n"
    "end\n"
    "redis.call('HSET', KEYS[2], ARGV[5], version)\n"
    "return 1\n";

#undef EDDY_REDIS_VERSION_PRELUDE

}  // namespace eddy::detail
