// eddy/dsl/joined.h — Joined: the name and grace period of a stream-table join.
//
//   auto prices = builder.table<std::string, double>(
//       "prices", {}, eddy::Materialized<std::string, double>::as_versioned("prices", 1h));
//   clicks.join(prices, [](const Click& c, double price) { return Priced{c, price}; },
//               eddy::Joined::with_grace_period(std::chrono::seconds(30)));
//   // each click waits up to 30 s of stream time, then is joined with the price valid at
//   // the click's timestamp
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace eddy {

struct Joined {
  std::string name;  // the join's processor name; empty: generated (KSTREAM-JOIN-...)
  // Versioned tables only: stream records wait this long (in stream time) in a buffer (store
  // <name>-Buffer, logged) before they are joined, so table updates that arrive late within
  // it are seen. Unset: every record is joined when it arrives.
  std::optional<std::chrono::milliseconds> grace_period;

  static Joined as(std::string name) {
    Joined j;
    j.name = std::move(name);
    return j;
  }
  static Joined with_grace_period(std::chrono::milliseconds grace) {
    Joined j;
    j.grace_period = grace;
    return j;
  }
  Joined& with_name(std::string n) {
    name = std::move(n);
    return *this;
  }
  Joined& and_grace_period(std::chrono::milliseconds grace) {
    grace_period = grace;
    return *this;
  }
};

}  // namespace eddy
