// eddy/processor/fixed_key_processor.h — FixedKeyProcessor: a custom processor that may change
// values, timestamps and headers but never the key (Kafka Streams' processValues).
//
// Because the key cannot change, KStream::process_values does not mark the stream for
// repartitioning: a later group_by_key or join reads it where it is. The type system keeps the
// promise: a processor can forward only FixedKeyRecords, and it gets those only from its input
// (changing their value, timestamp or headers with with_value / with_timestamp /
// with_headers).
//
//   class Enrich : public eddy::FixedKeyProcessor<std::string, Order, EnrichedOrder> {
//    public:
//     void init(eddy::FixedKeyProcessorContext<std::string, EnrichedOrder>& context) override {
//       context_ = &context;
//       recent_ = context.get_window_store<std::string, int64_t>("recent-orders");
//     }
//     void process(const eddy::FixedKeyRecord<std::string, Order>& r) override {
//       recent_->put(r.key(), r.value.qty, r.timestamp);
//       context_->forward(r.with_value(EnrichedOrder{r.value, count_recent(r.key())}));
//     }
//     ...
//   };
//   orders.process_values<EnrichedOrder>([] { return std::make_unique<Enrich>(); },
//                                        {"recent-orders"});
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "eddy/processor/processor_context.h"
#include "eddy/processor/record.h"

namespace eddy {

template <typename K, typename V>
class FixedKeyRecord;

namespace detail {
template <typename K, typename VIn, typename VOut>
class FixedKeyProcessorNode;
}

// A record whose key is the input record's: value, timestamp and headers may be replaced.
template <typename K, typename V>
class FixedKeyRecord {
 public:
  V value{};
  int64_t timestamp = 0;
  Headers headers;

  const K& key() const { return key_; }

  template <typename VR>
  FixedKeyRecord<K, VR> with_value(VR v) const {
    return FixedKeyRecord<K, VR>(key_, null_key_, std::move(v), timestamp, headers);
  }
  FixedKeyRecord with_timestamp(int64_t ts) const {
    return FixedKeyRecord(key_, null_key_, value, ts, headers);
  }
  FixedKeyRecord with_headers(Headers h) const {
    return FixedKeyRecord(key_, null_key_, value, timestamp, std::move(h));
  }

 private:
  FixedKeyRecord(K key, bool null_key, V v, int64_t ts, Headers h)
      : value(std::move(v)),
        timestamp(ts),
        headers(std::move(h)),
        key_(std::move(key)),
        null_key_(null_key) {}

  template <typename, typename>
  friend class FixedKeyRecord;
  template <typename, typename, typename>
  friend class detail::FixedKeyProcessorNode;
  template <typename, typename>
  friend class FixedKeyProcessorContext;

  K key_{};
  bool null_key_ = false;  // the Kafka key was null (and stays null)
};

// What a FixedKeyProcessor can do: the same as ProcessorContext (stores, metadata,
// punctuation), except that forward() takes a FixedKeyRecord.
template <typename K, typename VOut>
class FixedKeyProcessorContext {
 public:
  FixedKeyProcessorContext(detail::TaskContext& task, const detail::Output<K, VOut>& out,
                           std::string node, std::vector<std::string> stores)
      : task_(&task), out_(&out), context_(task, out, std::move(node), std::move(stores)) {}

  // Sends `record` to every child of this processor, with its key unchanged.
  void forward(const FixedKeyRecord<K, VOut>& record) const {
    Headers& current = task_->headers();
    Headers saved = std::exchange(current, record.headers);
    detail::Stamp stamp;
    stamp.timestamp = record.timestamp;
    stamp.null_key = record.null_key_;
    out_->forward(record.key_, record.value, stamp);
    current = std::move(saved);
  }

  template <typename SK, typename SV>
  KeyValueStore<SK, SV> get_key_value_store(const std::string& name,
                                            Serde<SK> key_serde = default_serde<SK>(),
                                            Serde<SV> value_serde = default_serde<SV>()) const {
    return context_.template get_key_value_store<SK, SV>(name, std::move(key_serde),
                                                         std::move(value_serde));
  }
  template <typename SK, typename SV>
  WindowStore<SK, SV> get_window_store(const std::string& name,
                                       Serde<SK> key_serde = default_serde<SK>(),
                                       Serde<SV> value_serde = default_serde<SV>()) const {
    return context_.template get_window_store<SK, SV>(name, std::move(key_serde),
                                                      std::move(value_serde));
  }
  template <typename SK, typename SV>
  SessionStore<SK, SV> get_session_store(const std::string& name,
                                         Serde<SK> key_serde = default_serde<SK>(),
                                         Serde<SV> value_serde = default_serde<SV>()) const {
    return context_.template get_session_store<SK, SV>(name, std::move(key_serde),
                                                       std::move(value_serde));
  }
  template <typename SK, typename SV>
  void on_expiry(
      const std::string& name,
      std::function<void(const SK& key, const SV& old_value, int64_t expiry_time)> listener,
      Serde<SK> key_serde = default_serde<SK>(),
      Serde<SV> value_serde = default_serde<SV>()) const {
    context_.template on_expiry<SK, SV>(name, std::move(listener), std::move(key_serde),
                                        std::move(value_serde));
  }
  std::optional<RecordMetadata> record_metadata() const { return context_.record_metadata(); }
  int64_t current_stream_time() const { return context_.current_stream_time(); }
  int64_t current_system_time() const { return context_.current_system_time(); }
  const std::string& application_id() const { return context_.application_id(); }
  const std::string& task_id() const { return context_.task_id(); }
  int32_t partition() const { return context_.partition(); }
  Cancellable schedule(std::chrono::milliseconds interval, PunctuationType type,
                       Punctuator punctuator) const {
    return context_.schedule(interval, type, std::move(punctuator));
  }

 private:
  detail::TaskContext* task_;
  const detail::Output<K, VOut>* out_;
  ProcessorContext<K, VOut> context_;
};

template <typename K, typename VIn, typename VOut>
class FixedKeyProcessor {
 public:
  virtual ~FixedKeyProcessor() = default;
  virtual void init(FixedKeyProcessorContext<K, VOut>& /*context*/) {}
  virtual void process(const FixedKeyRecord<K, VIn>& record) = 0;
  virtual void close() {}
};

// Makes one processor per task.
template <typename K, typename VIn, typename VOut>
using FixedKeyProcessorSupplier = std::function<std::unique_ptr<FixedKeyProcessor<K, VIn, VOut>>()>;

namespace detail {

// Runs a FixedKeyProcessor inside the typed graph (internal).
template <typename K, typename VIn, typename VOut>
class FixedKeyProcessorNode final : public Node<K, VIn, K, VOut> {
 public:
  FixedKeyProcessorNode(std::string name, std::unique_ptr<FixedKeyProcessor<K, VIn, VOut>> p,
                        std::vector<std::string> stores)
      : Node<K, VIn, K, VOut>(std::move(name)),
        processor_(std::move(p)),
        stores_(std::move(stores)) {}

  void init(TaskContext& context) override {
    NodeInstance::init(context);
    processor_context_.emplace(context, this->out_, this->name(), stores_);
    processor_->init(*processor_context_);
  }
  void close() override { processor_->close(); }
  void process(const K& key, const VIn& value, Stamp stamp) override {
    processor_->process(FixedKeyRecord<K, VIn>(key, stamp.null_key, value, stamp.timestamp,
                                               this->context_->headers()));
  }

 private:
  std::unique_ptr<FixedKeyProcessor<K, VIn, VOut>> processor_;
  std::vector<std::string> stores_;
  std::optional<FixedKeyProcessorContext<K, VOut>> processor_context_;
};

}  // namespace detail
}  // namespace eddy
