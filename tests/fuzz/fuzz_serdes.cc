// libFuzzer target: the built-in serdes (string, bytes, int64, double, json, time- and
// session-windowed keys) on arbitrary bytes. A deserializer may refuse input only with
// eddy::SerdeError; what it accepts must serialize back to bytes that read as the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "eddy/dsl/windowed.h"
#include "eddy/errors.h"
#include "eddy/serde/serdes.h"

namespace {

template <typename T>
void round_trip(const eddy::Serde<T>& serde, std::string_view bytes) {
  T value;
  try {
    value = serde.deserialize(bytes);
  } catch (const eddy::SerdeError&) {
    return;  // refused, as documented
  }
  std::string out;
  serde.serialize(value, out);
  const T again = serde.deserialize(out);
  std::string out_again;
  serde.serialize(again, out_again);
  if (out != out_again) std::abort();  // not a fixed point after one round trip
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  round_trip(eddy::serdes::string(), bytes);
  round_trip(eddy::serdes::int64(), bytes);
  round_trip(eddy::serdes::double_(), bytes);
  round_trip(eddy::serdes::json(), bytes);
  round_trip(eddy::serdes::time_windowed(eddy::serdes::string()), bytes);
  round_trip(eddy::serdes::time_windowed(eddy::serdes::string(), 60'000), bytes);
  round_trip(eddy::serdes::time_windowed(eddy::serdes::int64(), 5'000), bytes);
  round_trip(eddy::serdes::session_windowed(eddy::serdes::string()), bytes);
  round_trip(eddy::serdes::session_windowed(eddy::serdes::json()), bytes);
  return 0;
}
