// SessionFeatures: what eddy-session-scoring computes per customer session (issue 8, item 1),
// how one event adds to it, how two sessions merge, and the propensity score.
//
//   SessionFeatures f;
//   f = f.add(event);                  // per event
//   f = SessionFeatures::merge(a, b);  // when an event bridges two sessions
//   f.score();                         // 1 / (1 + e^-(0.05 views + 0.4 adds - 0.2 removes
//                                      //              + checkouts - 0.5 failures - 2)), 4 decimals
//   f.to_json(window_start, window_end);
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "common/retail_event.h"
#include "eddy/serde/serde.h"
#include "eddy/sink/feature_update.h"

namespace eddy::examples {

struct SessionFeatures {
  int64_t views = 0;      // page_view
  int64_t adds = 0;       // add_to_cart
  int64_t removes = 0;    // remove_from_cart
  int64_t checkouts = 0;  // checkout_started
  int64_t failures = 0;   // checkout_failed
  int64_t purchases = 0;  // purchase
  double cart_value = 0;  // Σ price×quantity over adds − the same over removes
  double revenue = 0;     // Σ price×quantity over purchases

  // This session with `event` counted in.
  SessionFeatures add(const RetailEvent& event) const;
  // One session made of two (an event fell between them, closer than the gap to both).
  static SessionFeatures merge(const SessionFeatures& a, const SessionFeatures& b);

  // The logistic propensity score, rounded to 4 decimals.
  double score() const;

  // The published form: every feature, the session bounds and the score. Money is rounded
  // to cents so sums like 0.1 + 0.2 read 0.3.
  nlohmann::json to_json(int64_t window_start, int64_t window_end) const;
  // The same, as Redis hash fields (numbers written as in the JSON).
  FeatureFields to_fields(int64_t window_start, int64_t window_end) const;

  bool operator==(const SessionFeatures&) const = default;
};

// The store's JSON: every field, unrounded.
void to_json(nlohmann::json& j, const SessionFeatures& f);
void from_json(const nlohmann::json& j, SessionFeatures& f);

// The session store's serde: the same JSON object as to_json/from_json, written and read
// field by field instead of through a JSON document, which cost about a third of the
// session-scoring topology's CPU (the aggregate is read and written back on every event).
// It reads anything to_json wrote (stores and changelogs of earlier versions); a value in
// another shape (white space, escapes, other fields) goes through from_json, errors alike.
Serde<SessionFeatures> session_features_serde();

}  // namespace eddy::examples
