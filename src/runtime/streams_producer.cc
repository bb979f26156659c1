#include "runtime/streams_producer.h"

#include <algorithm>

#include "kafka/client_config.h"

namespace eddy::runtime {

StreamsProducer::StreamsProducer(const StreamsConfig& config, std::string transactional_id)
    : config_(config), transactional_id_(std::move(transactional_id)) {}

void StreamsProducer::create(std::chrono::milliseconds init_timeout) {
  reset();
  kafka::ProducerOptions options{
      .properties = kafka::client_properties(config_, kafka::ClientKind::kProducer),
      .transactional_id = transactional_id_,
      .on_delivery = [](const kafka::DeliveryReport& report) {
        if (report.opaque != nullptr && report.error_code == 0) {
          auto* slot = static_cast<int64_t*>(report.opaque);
          *slot = std::max(*slot, report.offset + 1);
        }
      }};
  if (auto it = options.properties.find("transaction.timeout.ms"); it != options.properties.end()) {
    try {
      transaction_timeout_ = std::chrono::milliseconds(std::stoll(it->second));
    } catch (const std::exception&) {
      // Validated with the config; the default stays if the client would not parse it either.
    }
  }
  producer_ = std::make_unique<kafka::Producer>(std::move(options));
  if (transactional()) producer_->init_transactions(init_timeout);
}

void StreamsProducer::reset() {
  producer_.reset();
  in_transaction_ = false;
}

void StreamsProducer::begin_if_needed() {
  if (!transactional() || in_transaction_) return;
  producer_->begin_transaction();
  in_transaction_ = true;
  transaction_started_ = Clock::now();
}

bool StreamsProducer::transaction_half_expired() const {
  return in_transaction_ && Clock::now() - transaction_started_ >= transaction_timeout_ / 2;
}

void StreamsProducer::commit(const std::vector<kafka::TopicPartitionOffset>& offsets,
                             const void* consumer_group_metadata,
                             std::chrono::milliseconds timeout) {
  begin_if_needed();
  if (!offsets.empty()) {
    producer_->send_offsets_to_transaction(offsets, consumer_group_metadata, timeout);
  }
  producer_->commit_transaction(timeout);
  in_transaction_ = false;
}

void StreamsProducer::abort(std::chrono::milliseconds timeout) {
  if (!in_transaction_ || !producer_) return;
  in_transaction_ = false;
  producer_->abort_transaction(timeout);
}

}  // namespace eddy::runtime
