// eddy/eddy.h — the whole public API in one include: the DSL, the Processor API, stores,
// serdes, sinks, KafkaStreams and its configuration, errors, handlers, logging and metrics.
//
//   #include "eddy/eddy.h"
//
//   eddy::StreamsBuilder builder;
//   builder.stream<std::string, std::string>("clicks").group_by_key().count();
//   eddy::KafkaStreams streams(builder.build(), config);
//   streams.start();
//
// Not included, because they pull in a third-party library's headers or are for tests:
// eddy/logging_spdlog.h (spdlog), eddy/metrics_prometheus.h (prometheus-cpp), and
// eddy/testing/ (the TopologyTestDriver and its topics). eddy/detail/ is internal.
#pragma once

#include "eddy/config.h"
#include "eddy/dsl/branched.h"
#include "eddy/dsl/branched_kstream.h"
#include "eddy/dsl/consumed.h"
#include "eddy/dsl/emit_strategy.h"
#include "eddy/dsl/erasure.h"
#include "eddy/dsl/fixed_windowed_kstream.h"
#include "eddy/dsl/global_ktable.h"
#include "eddy/dsl/grouped.h"
#include "eddy/dsl/join_windows.h"
#include "eddy/dsl/joined.h"
#include "eddy/dsl/kgrouped_stream.h"
#include "eddy/dsl/kgrouped_table.h"
#include "eddy/dsl/kstream.h"
#include "eddy/dsl/ktable.h"
#include "eddy/dsl/late_records.h"
#include "eddy/dsl/materialized.h"
#include "eddy/dsl/named.h"
#include "eddy/dsl/produced.h"
#include "eddy/dsl/repartitioned.h"
#include "eddy/dsl/session_windowed_kstream.h"
#include "eddy/dsl/sliding_windowed_kstream.h"
#include "eddy/dsl/stream_joined.h"
#include "eddy/dsl/stream_partitioner.h"
#include "eddy/dsl/streams_builder.h"
#include "eddy/dsl/suppressed.h"
#include "eddy/dsl/time_windowed_kstream.h"
#include "eddy/dsl/topology.h"
#include "eddy/dsl/windowed.h"
#include "eddy/dsl/windows.h"
#include "eddy/error_handlers.h"
#include "eddy/errors.h"
#include "eddy/headers.h"
#include "eddy/kafka_streams.h"
#include "eddy/logging.h"
#include "eddy/metrics.h"
#include "eddy/processor/fixed_key_processor.h"
#include "eddy/processor/processor.h"
#include "eddy/processor/processor_context.h"
#include "eddy/processor/punctuation.h"
#include "eddy/processor/record.h"
#include "eddy/serde/serde.h"
#include "eddy/serde/serdes.h"
#include "eddy/sink/feature_sink.h"
#include "eddy/sink/feature_update.h"
#include "eddy/sink/freshness.h"
#include "eddy/sink/kafka_topic_sink.h"
#include "eddy/sink/redis_sink.h"
#include "eddy/sink/stdout_sink.h"
#include "eddy/state/bytes_stores.h"
#include "eddy/state/key_value_store.h"
#include "eddy/state/queryable_store.h"
#include "eddy/state/rocksdb_config_setter.h"
#include "eddy/state/session_store.h"
#include "eddy/state/state_store.h"
#include "eddy/state/stores.h"
#include "eddy/state/versioned_key_value_store.h"
#include "eddy/state/window_store.h"
