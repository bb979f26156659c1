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

std::string error_name(int code);

// True when the group moved on without this member (unknown member, illegal generation, a
// rebalance in progress): what it owned may be someone else's now.
bool group_membership_lost(const KafkaError& error);

}  // namespace eddy::kafka
