// eddy/processor/punctuation.h — scheduled callbacks (punctuators) of a processor.
//
// kStreamTime punctuators fire when the task's stream time (max record timestamp seen, never
// decreasing) passes the next due time; kWallClockTime punctuators fire when the runtime (or
// TopologyTestDriver::advance_wall_clock_time) moves the wall clock past it.
//
//   cancel_ = context.schedule(std::chrono::seconds(10), eddy::PunctuationType::kStreamTime,
//                              [this](int64_t now) { emit_totals(now); });
//   cancel_.cancel();   // stops it
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace eddy {

enum class PunctuationType { kStreamTime, kWallClockTime };

// Receives the time (stream time or wall-clock ms) at which it fires.
using Punctuator = std::function<void(int64_t timestamp)>;

// Returned by schedule(); cancel() stops future firings. Copies share the same schedule.
class Cancellable {
 public:
  Cancellable() = default;
  explicit Cancellable(std::shared_ptr<bool> cancelled) : cancelled_(std::move(cancelled)) {}
  void cancel() {
    if (cancelled_) *cancelled_ = true;
  }

 private:
  std::shared_ptr<bool> cancelled_;
};

}  // namespace eddy
