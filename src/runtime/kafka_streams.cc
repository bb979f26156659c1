#include "eddy/kafka_streams.h"

#include "common/log.h"

#include "eddy/dsl/topology.h"
#include "eddy/errors.h"
#include "runtime/streams_runtime.h"
#include "runtime/topology_fingerprint.h"
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
  // A copy for the planner: `config` itself is moved into the runtime.
  StreamsConfig check_config = config;
  runtime_ = std::make_unique<runtime::StreamsRuntime>(
      std::move(factory),
      [topology, check_config = std::move(check_config)](kafka::Admin& admin) {
        // Before any internal topic is created: a topology that would orphan state stops here.
        runtime::check_topology_change(*topology.shared_plan(), check_config, admin);
        return runtime::plan_internal_topics(topology, admin);
      },
      std::move(config));
}

KafkaStreams::~KafkaStreams() {
  if (!runtime_) return;
  // After a close() that timed out (PENDING_SHUTDOWN), only a last look: that close already
  // waited its time.
  const auto timeout = runtime_->state() == State::kPendingShutdown ? std::chrono::milliseconds(0)
                                                                    : std::chrono::seconds(30);
  if (runtime_->close(timeout)) return;
  // A stream thread did not stop within the timeout (see close()): its objects must outlive
  // it, so the runtime is deliberately leaked rather than destroyed under a running thread.
  EDDY_LOG_ERROR("KafkaStreams destroyed with stream threads still running: abandoning them");
  static_cast<void>(runtime_.release());
}

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

void KafkaStreams::clean_up() {
  runtime_->clean_up();
}

bool KafkaStreams::wait_until_stopped(std::chrono::milliseconds timeout) const {
  return runtime_->wait_until_stopped(timeout);
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
