// eddy/dsl/emit_strategy.h — EmitStrategy: when a windowed aggregation forwards its results.
//
// on_window_update() (the default) forwards an update for every record a window takes in.
// on_window_close() forwards exactly one final result per window, once stream time - grace
// passes its end (sessions: once stream time - gap - grace passes it; merged-away sessions
// never go out), read from the window or session store itself (Kafka Streams' EmitStrategy,
// KIP-825). Time, sliding and session windows take it:
//
//   clicks.group_by_key()
//       .windowed_by(eddy::TimeWindows::of_size_and_grace(std::chrono::minutes(1), 10s))
//       .emit_strategy(eddy::EmitStrategy::on_window_close())
//       .count();
//
// Unlike suppress(until_window_closes()) it needs no buffer beside the window store; it keeps
// one small key-value store `<window store>-emit-progress` (with a changelog) remembering which
// windows already went out. suppress(until_window_closes()) after it fails build().
#pragma once

namespace eddy {

class EmitStrategy {
 public:
  enum class Type { kOnWindowUpdate, kOnWindowClose };

  static EmitStrategy on_window_update() { return EmitStrategy(Type::kOnWindowUpdate); }
  static EmitStrategy on_window_close() { return EmitStrategy(Type::kOnWindowClose); }

  Type type() const { return type_; }
  bool on_close() const { return type_ == Type::kOnWindowClose; }

 private:
  explicit EmitStrategy(Type type) : type_(type) {}
  Type type_;
};

}  // namespace eddy
