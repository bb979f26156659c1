// How librdkafka's error codes become KafkaError flags: what the stream thread recovers from
// (fatal: new clients; retriable: try again) and what it lets end it.
#include "kafka/error.h"

#include <gtest/gtest.h>

#include <librdkafka/rdkafka.h>

#include "eddy/errors.h"

namespace eddy::kafka {
namespace {

KafkaError thrown(rd_kafka_resp_err_t code) {
  try {
    throw_if_error(code, "commit offsets");
  } catch (const KafkaError& e) {
    return e;
  }
  ADD_FAILURE() << "no error thrown for " << rd_kafka_err2name(code);
  return KafkaError("none");
}

TEST(KafkaErrorFlags, AFencedStaticMemberIsFatalSoItsClientsAreRecreated) {
  // A commit after a broker outage that outlived the session meets the fencing first.
  const KafkaError fenced = thrown(RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID);
  EXPECT_TRUE(fenced.fatal());
  EXPECT_EQ(fenced.code(), RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID);
  EXPECT_NE(std::string(fenced.what()).find("commit offsets"), std::string::npos);
  EXPECT_TRUE(thrown(RD_KAFKA_RESP_ERR__FATAL).fatal());
}

TEST(KafkaErrorFlags, TimeoutsAndCoordinatorMovesAreRetriableOthersAreNot) {
  EXPECT_TRUE(thrown(RD_KAFKA_RESP_ERR__TIMED_OUT).retriable());
  EXPECT_TRUE(thrown(RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS).retriable());
  const KafkaError denied = thrown(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  EXPECT_FALSE(denied.retriable());
  EXPECT_FALSE(denied.fatal());
  EXPECT_NO_THROW(throw_if_error(RD_KAFKA_RESP_ERR_NO_ERROR, "commit offsets"));
}

TEST(KafkaErrorFlags, MembershipLostIsTheGroupMovingOnNotAFencing) {
  EXPECT_TRUE(group_membership_lost(thrown(RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID)));
  EXPECT_TRUE(group_membership_lost(thrown(RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION)));
  EXPECT_FALSE(group_membership_lost(thrown(RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID)));
}

}  // namespace
}  // namespace eddy::kafka
