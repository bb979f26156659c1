#include "eddy/kafka_streams.h"

#include "eddy/dsl/topology.h"
#include "eddy/errors.h"
#include "runtime/streams_runtime.h"
#include "runtime/topology_task_factory.h"

namespace eddy {

KafkaStreams::KafkaStreams(std::shared_ptr<runtime::TaskFactory> factory, StreamsConfig config)
    : runtime_(std::make_unique<runtime::StreamsRuntime>(std::move(factory), nullptr,
                                                         std::move(config))) {}

KafkaStreams::KafkaStreams(const Topology& topology, StreamsConfig config) {
  if (topology.application_id() != config.application_id) {
    throw ConfigError("application.id", "is '" + config.application_id +
                                            "' but the topology was built for '" +
                                            topology.application_id() +
                                            "'; pass the same config to StreamsBuilder::build()");
  }
  auto factory = std::make_shared<runtime::TopologyTaskFactory>(topology.shared_plan());
  runtime_ = std::make_unique<runtime::StreamsRuntime>(
      std::move(factory),
      [topology](kafka::Admin& admin) { return runtime::plan_internal_topics(topology, admin); },
      std::move(config));
}

KafkaStreams::~KafkaStreams() = default;

void KafkaStreams::set_state_listener(StateListener listener) {
  runtime_->set_state_listener(std::move(listener));
}

void KafkaStreams::set_uncaught_error_handler(UncaughtErrorHandler handler) {
  runtime_->set_uncaught_error_handler(std::move(handler));
}

void KafkaStreams::start() {
  runtime_->start();
}

bool KafkaStreams::close(std::chrono::milliseconds timeout) {
  return runtime_->close(timeout);
}

KafkaStreams::State KafkaStreams::state() const {
  return runtime_->state();
}

int64_t KafkaStreams::records_processed() const {
  return runtime_->records_processed();
}

nlohmann::json KafkaStreams::metrics() const {
  return runtime_->metrics();
}

MetricsSource KafkaStreams::metrics_source() const {
  return runtime_->metrics_source();
}

QueryableStores& KafkaStreams::queryable_stores(const std::string& name, StoreKind kind) {
  return runtime_->queryable_stores(name, kind);
}

const char* KafkaStreams::state_name(State state) {
  switch (state) {
    case State::kCreated:
      return "CREATED";
    case State::kRebalancing:
      return "REBALANCING";
    case State::kRunning:
      return "RUNNING";
    case State::kPendingShutdown:
      return "PENDING_SHUTDOWN";
    case State::kNotRunning:
      return "NOT_RUNNING";
    case State::kError:
      return "ERROR";
  }
  return "?";
}

}  // namespace eddy
