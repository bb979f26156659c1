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

}  // namespace eddy::kafka
