// The Lua scripts RedisSink runs with EVALSHA. Each applies a chunk of writes and deletes,
// each one only if its version (event time, partition, offset) is >= the version Redis
// holds for the key, and returns an array with 1 (applied) or 0 (rejected as older) per
// item. A chunk per call amortizes the script call (measured: ~8 of 12 us per single-key
// call were the call itself).
#pragma once

namespace eddy::detail {

// Shared prelude: `older(stored, ts, part, off)` is true when (ts, part, off) is older than
// the stored "<event_time>:<partition>:<offset>" string (false when nothing or garbage is
// stored). Lua numbers are doubles: exact for event times and offsets below 2^53.
#define EDDY_REDIS_VERSION_PRELUDE                                           \
  "local function older(stored, ts, part, off)\n"                            \
  "  if not stored then return false end\n"                                  \
  "  local t, p, o = string.match(stored, '^(%-?%d+):(%-?%d+):(%-?%d+)$')\n" \
  "  if not t then return false end\n"                                       \
  "  t, p, o = tonumber(t), tonumber(p), tonumber(o)\n"                      \
  "  if ts ~= t then return ts < t end\n"                                    \
  "  if part ~= p then return part < p end\n"                                \
  "  return off < o\n"                                                       \
  "end\n"

// KEYS: per item, the feature hash and its tombstone marker (2 keys an item).
// ARGV: 1 ttl ms (0 none), 2 tombstone retention ms (0 = no marker), 3 version field, then
// per item: op ("W" write, "D" delete), event time, partition, offset, n, n field/value pairs.
inline constexpr const char* kHashScript = EDDY_REDIS_VERSION_PRELUDE
    "local ttl, keep, vf = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]\n"
    "local results = {}\n"
    "local a = 4\n"
    "for i = 1, #KEYS, 2 do\n"
    "  local key, tomb, op = KEYS[i], KEYS[i + 1], ARGV[a]\n"
    "  local ts, part, off = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])\n"
    "  local version = ARGV[a + 1] .. ':' .. ARGV[a + 2] .. ':' .. ARGV[a + 3]\n"
    "  local first = a + 5\n"
    "  a = first + 2 * tonumber(ARGV[a + 4])\n"
    "  local stored = redis.call('HGET', key, vf)\n"
    "  local tombstoned = false\n"
    "  if not stored then\n"
    "    stored = redis.call('GET', tomb)\n"
    "    tombstoned = stored and true or false\n"
    "  end\n"
    "  if older(stored, ts, part, off) then\n"
    "    results[#results + 1] = 0\n"
    "  else\n"
    "    redis.call('DEL', key)\n"
    "    if op == 'D' then\n"
    "      if keep > 0 then redis.call('SET', tomb, version, 'PX', keep) end\n"
    "    else\n"
    "      redis.call('HSET', key, vf, version, unpack(ARGV, first, a - 1))\n"
    "      if ttl > 0 then redis.call('PEXPIRE', key, ttl) end\n"
    "      if tombstoned then redis.call('DEL', tomb) end\n"
    "    end\n"
    "    results[#results + 1] = 1\n"
    "  end\n"
    "end\n"
    "return results\n";

// KEYS[1] = the sorted set, KEYS[2] = the hash of member versions.
// ARGV: per item: op ("W" / "D"), event time, partition, offset, member, score.
inline constexpr const char* kSortedSetScript = EDDY_REDIS_VERSION_PRELUDE
    "local results = {}\n"
    "for a = 1, #ARGV, 6 do\n"
    "  local ts, part, off = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])\n"
    "  local member = ARGV[a + 4]\n"
    "  if older(redis.call('HGET', KEYS[2], member), ts, part, off) then\n"
    "    results[#results + 1] = 0\n"
    "  else\n"
    "    if ARGV[a] == 'D' then\n"
    "      redis.call('ZREM', KEYS[1], member)\n"
    "    else\n"
    "      redis.call('ZADD', KEYS[1], ARGV[a + 5], member)\n"
    "    end\n"
    "    redis.call('HSET', KEYS[2], member, ARGV[a + 1] .. ':' .. ARGV[a + 2] .. ':' .. ARGV[a + "
    "3])\n"
    "    results[#results + 1] = 1\n"
    "  end\n"
    "end\n"
    "return results\n";

#undef EDDY_REDIS_VERSION_PRELUDE

}  // namespace eddy::detail
