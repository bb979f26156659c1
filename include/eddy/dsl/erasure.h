// eddy/dsl/erasure.h — Erasure: what KStream::erase() forgets for each request
// ("forget this customer"; docs/operations.md, "Erasure").
//
//   // erasure.requests: one record per customer to forget, keyed like retail.events
//   builder.stream<std::string, std::string>("erasure.requests")
//       .erase(eddy::Erasure::of_stores({"session-features", "closed-sessions-store"}));
//
// Each request is processed by the task that owns its key's partition, on its thread, like
// any record: the key is removed from every named store of that task (key-value: the key;
// window: every window of it; session: every session of it; a suppress buffer: every
// buffered result of it; versioned key-value: every version of it), each removal written to
// the store's changelog as a tombstone (a versioned store's: one tombstone with the header
// "eddy.erasure", which its restore reads as "drop every version" and Kafka Streams as a
// delete), and deleted from every feature sink (to_sink) of the same sub-topology. Under
// exactly-once the tombstones commit in the same transaction as the request's offset.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace eddy {

struct Erasure {
  // The stores to forget the key in, by name (Materialized::as; a suppress buffer named
  // with Suppressed::with_name(n): "n-store"; add_state_store). They must be stores of the
  // sub-topology the requests reach, keyed by the same bytes as the requests (the same key serde);
  // global stores are refused at build().
  std::vector<std::string> stores;
  // Also delete the key (the request's key bytes, as a string) in every feature sink that
  // this sub-topology writes with to_sink(). Default: on.
  bool sinks = true;

  static Erasure of_stores(std::vector<std::string> stores) {
    Erasure e;
    e.stores = std::move(stores);
    return e;
  }
  Erasure& without_sinks() {
    sinks = false;
    return *this;
  }
};

}  // namespace eddy
