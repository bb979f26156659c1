// libFuzzer target: a task's checkpoint file (src/state/restore/checkpoint_file.h) with
// arbitrary contents. read() must never throw or crash: a corrupt file reads as nullopt (no
// local state trusted). Offsets it accepts are written and read back unchanged.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "eddy/logging.h"
#include "state/restore/checkpoint_file.h"

namespace {

std::filesystem::path scratch_dir() {
  static const std::filesystem::path dir = [] {
    const std::filesystem::path base = std::filesystem::exists("/dev/shm")
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    auto d = base / ("eddy-fuzz-checkpoint-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    eddy::set_log_level("off");  // a corrupt file logs a WARN: one per input otherwise
    return d;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = scratch_dir() / ".checkpoint";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  const eddy::state::CheckpointFile file(path);
  const auto offsets = file.read();
  if (!offsets) return 0;
  file.write(*offsets);
  const auto again = file.read();
  if (!again || *again != *offsets) std::abort();  // a checkpoint we wrote does not read back
  return 0;
}
