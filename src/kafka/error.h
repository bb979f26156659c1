// Translating librdkafka errors into eddy::KafkaError, once, here.
#pragma once

#include <string>

#include "eddy/errors.h"

struct rd_kafka_error_s;

namespace eddy::kafka {

// Throws KafkaError("<what>: <reason>") for a non-zero librdkafka response code.
void throw_if_error(int code, const std::string& what);

// Consumes (destroys) `error` and throws it as KafkaError with its retriable/fatal flags;
// does nothing when `error` is null.
void throw_if_error(rd_kafka_error_s* error, const std::string& what);

// A transactional call failed in a way that leaves the open transaction unable to commit
// (librdkafka's "transaction requires abort"): abort it and redo its work in a new one.
class TransactionAbortableError : public KafkaError {
 public:
  using KafkaError::KafkaError;
};

std::string error_name(int code);

// True for a delivery (or produce) error after which the records may well be accepted on a
// retry: timeouts, a broker or leader away, too few in-sync replicas, a transaction left
// abortable, a fenced or fatally failed producer (a new one can go on). Under exactly-once
// such a failure aborts the transaction and its work is redone; a refusal of the record
// itself (too large, unknown topic, not authorized) is not one.
bool delivery_error_is_transient(int code);

// True when the group moved on without this member (unknown member, illegal generation, a
// rebalance in progress): what it owned may be someone else's now.
bool group_membership_lost(const KafkaError& error);

}  // namespace eddy::kafka
