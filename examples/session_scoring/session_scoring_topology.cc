#include "session_scoring/session_scoring_topology.h"

#include <optional>

#include "eddy/dsl/streams_builder.h"
#include "eddy/dsl/suppressed.h"
#include "eddy/dsl/windows.h"
#include "eddy/sink/redis_sink.h"

namespace eddy::examples {

void to_json(nlohmann::json& j, const ClosedSession& s) {
  j = s.features.to_json(s.window_start, s.window_end);
}

void from_json(const nlohmann::json& j, ClosedSession& s) {
  from_json(j, s.features);
  j.at("window_start").get_to(s.window_start);
  j.at("window_end").get_to(s.window_end);
}

Topology session_scoring_topology(const StreamsConfig& config,
                                  const SessionScoringOptions& options) {
  using Session = Windowed<std::string>;                 // customer_id + session bounds
  using MaybeFeatures = std::optional<SessionFeatures>;  // nullopt: a session merged away

  auto materialized = Materialized<std::string, SessionFeatures>::as(kSessionStore)
                          .with_value_serde(session_features_serde());
  if (options.cache_sessions) materialized.with_caching_enabled();

  StreamsBuilder builder;
  KTable<Session, SessionFeatures> sessions =
      builder.stream<std::string, RetailEvent>(options.events_topic, retail_events_consumed())
          .group_by_key()  // the key is already customer_id: no repartition
          .windowed_by(SessionWindows::of_inactivity_gap_and_grace(options.gap, options.grace))
          .aggregate<SessionFeatures>(
              [] { return SessionFeatures{}; },
              [](const std::string&, const RetailEvent& event, const SessionFeatures& features) {
                return features.add(event);
              },
              [](const std::string&, const SessionFeatures& a, const SessionFeatures& b) {
                return SessionFeatures::merge(a, b);
              },
              materialized, Named::as("score-sessions"));

  auto has_features = [](const Session&, const MaybeFeatures& features) {
    return features.has_value();
  };

  // Hot path: the open session's features after every event. A merge first deletes the
  // merged-away sessions; those deletes are skipped here, the merged session's update follows.
  if (options.live_sink) {
    sessions.to_stream(Named::as("open-session-updates"))
        .filter(has_features)
        .to_sink(options.live_sink, [](const Session& session, const MaybeFeatures& features) {
          return FeatureRow{session.key, features->to_fields(session.start, session.end)};
        });
  }

  // Final path: one result per session, once it can no longer change.
  auto until_closed = Suppressed::until_window_closes().with_name(kClosedSessionsBuffer);
  if (options.idle_close.count() > 0) until_closed.with_idle_close(options.idle_close);
  KStream<std::string, ClosedSession> closed =
      sessions.suppress(until_closed)
          .to_stream(Named::as("closed-session-results"))
          .filter(has_features)
          .map([](const Session& session, const MaybeFeatures& features) {
            return std::pair{session.key, ClosedSession{session.start, session.end, *features}};
          });

  closed.to(options.output_topic, Produced<std::string, ClosedSession>::with(
                                      serdes::string(), serdes::json<ClosedSession>()));
  if (options.final_sink) {
    closed.to_sink(options.final_sink, [](const std::string& customer, const ClosedSession& s) {
      return FeatureRow{customer, s.features.to_fields(s.window_start, s.window_end)};
    });
  }
  if (options.on_closed) {
    closed.foreach (
        [on_closed = options.on_closed](const std::string& customer, const ClosedSession& s) {
          on_closed(customer, s);
        });
  }
  if (!options.erasure_topic.empty()) {
    builder
        .stream<std::string, std::optional<std::string>>(
            options.erasure_topic, Consumed<std::string, std::optional<std::string>>::with(
                                       serdes::string(), serdes::nullable(serdes::string())))
        .erase(Erasure::of_stores({kSessionStore, kClosedSessionsStore}),
               Named::as("forget-customers"));
  }
  return builder.build(config);
}

std::shared_ptr<FeatureSink> redis_hash_sink(const RedisEndpoint& endpoint,
                                             const std::string& key_prefix) {
  RedisSinkOptions options;
  options.sink.name = "redis " + key_prefix + "*";
  options.sink.produced_time_header = std::string(kProducedAtHeader);
  options.host = endpoint.host;
  options.port = endpoint.port;
  options.username = endpoint.username;
  options.password = endpoint.password;
  options.db = endpoint.db;
  options.key_prefix = key_prefix;
  return std::make_shared<RedisSink>(options);
}

}  // namespace eddy::examples
