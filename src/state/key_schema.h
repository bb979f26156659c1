// How window and session entries are laid out as byte keys, in every store and changelog.
//
// Window:  key bytes + 8-byte big-endian window start + 4-byte big-endian sequence number
//          (0 unless the store retains duplicates), as Kafka Streams' WindowKeySchema.
// Session: key bytes + 8-byte big-endian session end + 8-byte big-endian session start,
//          so the sessions of a key sort by end and find_sessions() can seek to an end.
// Timestamps are assumed >= 0 (as in Kafka Streams): big-endian then sorts numerically and a
// shorter key's suffix starts with 0x00, which keeps key-range scans correct.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "eddy/serde/serde.h"
#include "eddy/state/state_store.h"

namespace eddy::state {

inline void append_be64(Bytes& out, int64_t value) {
  const auto v = static_cast<uint64_t>(value);
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xFF));
}
inline void append_be32(Bytes& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((value >> shift) & 0xFF));
}
inline int64_t read_be64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return static_cast<int64_t>(v);
}
inline uint32_t read_be32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

struct WindowKeySchema {
  static constexpr size_t kSuffixSize = 12;

  static Bytes encode(std::string_view key, int64_t window_start, uint32_t seqnum) {
    Bytes out;
    out.reserve(key.size() + kSuffixSize);
    out.append(key);
    append_be64(out, window_start);
    append_be32(out, seqnum);
    return out;
  }
  static bool valid(std::string_view binary) { return binary.size() >= kSuffixSize; }
  static std::string_view key(std::string_view binary) {
    return binary.substr(0, binary.size() - kSuffixSize);
  }
  static int64_t window_start(std::string_view binary) {
    return read_be64(binary.data() + binary.size() - kSuffixSize);
  }
  static uint32_t seqnum(std::string_view binary) {
    return read_be32(binary.data() + binary.size() - 4);
  }
  // Smallest and largest binary keys of `key`'s windows starting in [from, to].
  static Bytes lower(std::string_view key, int64_t from) { return encode(key, from, 0); }
  static Bytes upper(std::string_view key, int64_t to) { return encode(key, to, 0xFFFFFFFFu); }
};

struct SessionKeySchema {
  static constexpr size_t kSuffixSize = 16;

  static Bytes encode(std::string_view key, SessionWindow window) {
    Bytes out;
    out.reserve(key.size() + kSuffixSize);
    out.append(key);
    append_be64(out, window.end);
    append_be64(out, window.start);
    return out;
  }
  static bool valid(std::string_view binary) { return binary.size() >= kSuffixSize; }
  static std::string_view key(std::string_view binary) {
    return binary.substr(0, binary.size() - kSuffixSize);
  }
  static SessionWindow window(std::string_view binary) {
    const char* suffix = binary.data() + binary.size() - kSuffixSize;
    return {.start = read_be64(suffix + 8), .end = read_be64(suffix)};
  }
};

// A key followed by the largest possible suffix: the inclusive upper bound of a scan over
// every binary key built from `key` (and from longer keys it prefixes, which callers filter).
inline Bytes max_suffixed(std::string_view key, size_t suffix_size) {
  Bytes out(key);
  out.append(suffix_size, static_cast<char>(0xFF));
  return out;
}

}  // namespace eddy::state
