// libFuzzer target: the retail example apps' event parser (examples/common/retail_event.h) on
// arbitrary record values. It may refuse a value only with eddy::SerdeError; an event it
// accepts has a finite, bounded price and quantity and survives a round trip unchanged; an
// event its fast path (read_retail_event) accepts, from_json accepts and reads alike.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/retail_event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto serde = eddy::examples::retail_event_serde();
  eddy::examples::RetailEvent event;
  try {
    event = serde.deserialize(bytes);
  } catch (const eddy::SerdeError&) {
    return 0;
  }
  if (const auto fast = eddy::examples::read_retail_event(bytes);
      fast && !(*fast == eddy::serdes::json<eddy::examples::RetailEvent>().deserialize(bytes))) {
    std::abort();  // the fast path read something from_json reads otherwise (or refuses)
  }
  if (!std::isfinite(event.price) || event.price < 0 ||
      event.price > eddy::examples::kMaxRetailPrice || event.quantity < 0 ||
      event.quantity > eddy::examples::kMaxRetailQuantity || !std::isfinite(event.amount())) {
    std::abort();  // an absurd amount got past the boundary
  }
  std::string out;
  serde.serialize(event, out);
  const auto again = serde.deserialize(out);  // what we wrote must read back
  std::string out_again;
  serde.serialize(again, out_again);
  if (out != out_again) std::abort();
  return 0;
}
