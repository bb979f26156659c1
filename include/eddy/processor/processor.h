// eddy/processor/processor.h — the Processor API: custom logic with stores and punctuation.
//
// A Processor sees one record at a time, may read and write the stores it was connected to,
// forward any number of records downstream and schedule punctuators. One instance is made per
// task (the supplier is called once per task), so a processor may keep per-task members.
//
//   class Dedup : public eddy::Processor<std::string, Order, std::string, Order> {
//    public:
//     void init(eddy::ProcessorContext<std::string, Order>& context) override {
//       context_ = &context;
//       seen_ = context.get_key_value_store<std::string, int64_t>("seen");
//       context.schedule(std::chrono::minutes(1), eddy::PunctuationType::kWallClockTime,
//                        [this](int64_t now) { expire(now); });
//     }
//     void process(const eddy::Record<std::string, Order>& r) override {
//       if (seen_->get(r.value.id)) return;
//       seen_->put(r.value.id, r.timestamp);
//       context_->forward(r);
//     }
//    private:
//     eddy::ProcessorContext<std::string, Order>* context_ = nullptr;
//     std::optional<eddy::KeyValueStore<std::string, int64_t>> seen_;
//   };
//   builder.add_state_store(eddy::Stores::persistent_key_value("seen"));
//   orders.process<std::string, Order>([] { return std::make_unique<Dedup>(); }, {"seen"});
#pragma once

#include <memory>

#include "eddy/processor/processor_context.h"
#include "eddy/processor/record.h"

namespace eddy {

template <typename KIn, typename VIn, typename KOut, typename VOut>
class Processor {
 public:
  virtual ~Processor() = default;
  virtual void init(ProcessorContext<KOut, VOut>& /*context*/) {}
  virtual void process(const Record<KIn, VIn>& record) = 0;
  virtual void close() {}
};

// Makes one processor per task.
template <typename KIn, typename VIn, typename KOut, typename VOut>
using ProcessorSupplier = std::function<std::unique_ptr<Processor<KIn, VIn, KOut, VOut>>()>;

}  // namespace eddy
