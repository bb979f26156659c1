// eddy/detail/nodes/processor_node.h — runs a user's Processor inside the typed graph (internal).
#pragma once

#include <memory>

#include "eddy/detail/nodes/node.h"
#include "eddy/processor/processor.h"

namespace eddy::detail {

template <typename KIn, typename VIn, typename KOut, typename VOut>
class ProcessorNode final : public Node<KIn, VIn, KOut, VOut> {
 public:
  ProcessorNode(std::string name, std::unique_ptr<Processor<KIn, VIn, KOut, VOut>> processor,
                std::vector<std::string> stores)
      : Node<KIn, VIn, KOut, VOut>(std::move(name)),
        processor_(std::move(processor)),
        stores_(std::move(stores)) {}

  void init(TaskContext& context) override {
    NodeInstance::init(context);
    processor_context_.emplace(context, this->out_, this->name(), stores_);
    processor_->init(*processor_context_);
  }
  void close() override { processor_->close(); }
  void process(const KIn& key, const VIn& value, Stamp stamp) override {
    processor_->process(Record<KIn, VIn>{key, value, stamp.timestamp, this->context_->headers()});
  }

 private:
  std::unique_ptr<Processor<KIn, VIn, KOut, VOut>> processor_;
  std::vector<std::string> stores_;
  std::optional<ProcessorContext<KOut, VOut>> processor_context_;
};

}  // namespace eddy::detail
