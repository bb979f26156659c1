#include "state/restore/checkpoint_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/log.h"
#include "eddy/errors.h"

namespace eddy::state {
namespace {
constexpr const char* kHeader = "eddy-checkpoint 1";
}

std::optional<ChangelogOffsets> CheckpointFile::read() const {
  std::ifstream in(path_);
  if (!in) return std::nullopt;
  std::string line;
  if (!std::getline(in, line) || line != kHeader) {
    EDDY_LOG_WARN("checkpoint {} is corrupt (bad header); ignoring it", path_.string());
    return std::nullopt;
  }
  ChangelogOffsets offsets;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string topic;
    fields >> topic;
    if (topic == "end") {
      size_t count = 0;
      if (fields >> count && count == offsets.size()) return offsets;
      break;
    }
    int32_t partition = 0;
    int64_t offset = 0;
    if (!(fields >> partition >> offset) || offset < 0) break;
    offsets[{topic, partition}] = offset;
  }
  EDDY_LOG_WARN("checkpoint {} is corrupt (truncated or malformed); ignoring it", path_.string());
  return std::nullopt;
}

void CheckpointFile::write(const ChangelogOffsets& offsets) const {
  std::ostringstream out;
  out << kHeader << "\n";
  for (const auto& [tp, offset] : offsets)
    out << tp.first << " " << tp.second << " " << offset << "\n";
  out << "end " << offsets.size() << "\n";
  const std::string text = out.str();
  const std::filesystem::path temp = path_.string() + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    throw StateStoreError("checkpoint " + temp.string() + ": open: " + std::strerror(errno));
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok)
    throw StateStoreError("checkpoint " + temp.string() + ": write: " + std::strerror(saved));
  std::error_code ec;
  std::filesystem::rename(temp, path_, ec);
  if (ec) throw StateStoreError("checkpoint " + path_.string() + ": rename: " + ec.message());
}

void CheckpointFile::remove() const {
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

}  // namespace eddy::state
