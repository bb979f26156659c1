#include "kafka/error.h"

#include <librdkafka/rdkafka.h>

namespace eddy::kafka {

void throw_if_error(int code, const std::string& what) {
  if (code == RD_KAFKA_RESP_ERR_NO_ERROR) return;
  const auto err = static_cast<rd_kafka_resp_err_t>(code);
  const bool retriable =
      err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT ||
      err == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT || err == RD_KAFKA_RESP_ERR_NOT_COORDINATOR ||
      err == RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS ||
      err == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION ||
      err == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE ||
      err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__WAIT_COORD ||
      err == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS;
  // A static member fenced by another with its group.instance.id (say, after a broker outage
  // outlived its session) cannot go on: librdkafka raises it as a fatal error, but a call that
  // meets it first (a commit) returns the broker's code. Fatal, so the thread recreates its
  // clients instead of dying (StreamThread::run).
  const bool fatal = err == RD_KAFKA_RESP_ERR__FATAL || err == RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID;
  throw KafkaError(what + ": " + rd_kafka_err2str(err) + " (" + rd_kafka_err2name(err) + ")", code,
                   retriable, fatal);
}

void throw_if_error(rd_kafka_error_s* error, const std::string& what) {
  if (error == nullptr) return;
  const int code = rd_kafka_error_code(error);
  const std::string message =
      what + ": " + rd_kafka_error_string(error) + " (" + rd_kafka_error_name(error) + ")";
  const bool retriable = rd_kafka_error_is_retriable(error) != 0;
  const bool fatal = rd_kafka_error_is_fatal(error) != 0;
  const bool abortable = rd_kafka_error_txn_requires_abort(error) != 0;
  rd_kafka_error_destroy(error);
  if (abortable) throw TransactionAbortableError(message, code, retriable, fatal);
  throw KafkaError(message, code, retriable, fatal);
}

std::string error_name(int code) {
  return rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(code));
}

bool delivery_error_is_transient(int code) {
  switch (static_cast<rd_kafka_resp_err_t>(code)) {
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
    case RD_KAFKA_RESP_ERR__STATE:
    case RD_KAFKA_RESP_ERR__FENCED:
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
    case RD_KAFKA_RESP_ERR_PRODUCER_FENCED:
    case RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH:
    case RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID:
    case RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER:
    case RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS:
      return true;
    default:
      return false;
  }
}

bool group_membership_lost(const KafkaError& error) {
  switch (error.code()) {
    case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
    case RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
      return true;
    default:
      return false;
  }
}

}  // namespace eddy::kafka
