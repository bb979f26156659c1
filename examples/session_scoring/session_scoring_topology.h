// The eddy-session-scoring topology, shared by its main.cc and its tests.
//
// retail.events (key customer_id)
//   -> session windows per customer (inactivity gap, grace)
//   -> aggregate SessionFeatures, merging sessions an event bridges
//   -> every update of an open session  -> live_sink  (Redis hash session-live:<customer_id>)
//   -> suppress until the session closes (stream time, or wall-clock idleness)
//        -> topic session.features (key customer_id, JSON ClosedSession)
//        -> final_sink (Redis hash session:<customer_id>)
// erasure.requests (key customer_id; optional)
//   -> erase: the customer's sessions, buffered results and both Redis hashes are forgotten
//
//   SessionScoringOptions options{.gap = std::chrono::minutes(30)};
//   options.final_sink = redis_hash_sink(endpoint, "session:");
//   eddy::Topology topology = session_scoring_topology(config, options);
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "common/app_options.h"
#include "eddy/config.h"
#include "eddy/dsl/topology.h"
#include "eddy/sink/feature_sink.h"
#include "session_scoring/session_features.h"

namespace eddy::examples {

// One closed session as published: its bounds (first and last event time) and features.
struct ClosedSession {
  int64_t window_start = 0;
  int64_t window_end = 0;
  SessionFeatures features;

  bool operator==(const ClosedSession&) const = default;
};

// The published JSON: every feature, window_start, window_end and score (see
// SessionFeatures::to_json). Reading it back gives the features rounded as published.
void to_json(nlohmann::json& j, const ClosedSession& s);
void from_json(const nlohmann::json& j, ClosedSession& s);

struct SessionScoringOptions {
  std::string events_topic = "retail.events";
  std::string output_topic = "session.features";
  // A session ends after this long without an event of its customer.
  std::chrono::milliseconds gap{std::chrono::minutes(30)};
  // How long after a session's end + gap a late event may still join it.
  std::chrono::milliseconds grace{0};
  // Also close sessions once no event reached the operator for this long of wall-clock time
  // (an idle partition); 0: off, sessions close on stream time only.
  std::chrono::milliseconds idle_close{0};
  // The record cache in front of the session store: updates of a session combine until the
  // next commit (or cache flush), so the store, its changelog, live_sink and the suppress
  // buffer see fewer of them. The closed sessions are the same. Default off: live_sink gets
  // every event's update.
  bool cache_sessions = false;
  // Final features of each closed session, keyed by customer_id; null: none.
  std::shared_ptr<FeatureSink> final_sink;
  // Features of the open session after every event, keyed by customer_id; null: none.
  std::shared_ptr<FeatureSink> live_sink;
  // Erasure requests ("forget this customer"), keyed by customer_id like events_topic and
  // with as many partitions; any value (or none). Empty: no erasure. Each request removes the
  // customer from the session store and the closed-sessions buffer (changelog tombstones)
  // and deletes both sinks' keys (docs/operations.md, "Erasure").
  std::string erasure_topic;
  // Called for each closed session (on the stream thread), e.g. to count or rank them.
  std::function<void(const std::string& customer_id, const ClosedSession&)> on_closed;
};

// Names of the stores, stable so a restart finds its state (<app>-<store>-changelog).
inline constexpr const char* kSessionStore = "session-features";
inline constexpr const char* kClosedSessionsBuffer = "closed-sessions";
// The suppress buffer's store (Suppressed::with_name(n) names it n-store).
inline constexpr const char* kClosedSessionsStore = "closed-sessions-store";

Topology session_scoring_topology(const StreamsConfig& config,
                                  const SessionScoringOptions& options);

// A RedisSink writing hashes <key_prefix><customer_id>, named after the prefix.
std::shared_ptr<FeatureSink> redis_hash_sink(const RedisEndpoint& endpoint,
                                             const std::string& key_prefix);

}  // namespace eddy::examples
