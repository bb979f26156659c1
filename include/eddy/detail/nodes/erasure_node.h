// eddy/detail/nodes/erasure_node.h — the node behind KStream::erase() (internal).
//
// For each request it serializes the key with the stream's key serde and asks the task to
// forget those bytes (TaskContext::erase_key: the named stores, their suppress buffers, the
// sub-topology's feature sinks), then passes the request on unchanged. A request without a
// key is dropped and counted.
#pragma once

#include <string>
#include <vector>

#include "eddy/detail/nodes/node.h"
#include "eddy/dsl/erasure.h"

namespace eddy::detail {

template <typename K, typename V>
class ErasureNode final : public Node<K, V, K, V> {
 public:
  ErasureNode(std::string name, Erasure erasure, Serde<K> key_serde)
      : Node<K, V, K, V>(std::move(name)),
        erasure_(std::move(erasure)),
        key_serde_(std::move(key_serde)) {}

  void process(const K& key, const V& value, Stamp stamp) override {
    if (stamp.null_key) {
      this->context_->record_dropped(this->name(), "erasure request without a key");
      return;
    }
    key_buf_.clear();
    key_serde_.serialize(key, key_buf_);
    this->context_->erase_key(key_buf_, erasure_.stores, erasure_.sinks);
    this->out_.forward(key, value, stamp);
  }

 private:
  Erasure erasure_;
  Serde<K> key_serde_;
  std::string key_buf_;
};

}  // namespace eddy::detail
