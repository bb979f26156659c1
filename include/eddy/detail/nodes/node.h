// eddy/detail/nodes/node.h — typed processor-node machinery (internal).
//
// A task instantiates one node object per logical node. Records travel between nodes by a
// direct typed call, `Input<K,V>::process(key, value, stamp)`: no boxing, no allocation, no
// per-record copies of keys or values unless an operator produces new ones.
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eddy/detail/task/task_context.h"
#include "eddy/errors.h"

namespace eddy::detail {

// Per-record facts that travel with a key and value.
struct Stamp {
  int64_t timestamp = 0;
  bool null_key = false;  // the Kafka key was null (the key object is value-initialized)
};

class NodeInstance {
 public:
  explicit NodeInstance(std::string name) : name_(std::move(name)) {}
  virtual ~NodeInstance() = default;
  NodeInstance(const NodeInstance&) = delete;
  NodeInstance& operator=(const NodeInstance&) = delete;

  const std::string& name() const { return name_; }
  virtual void init(TaskContext& context) { context_ = &context; }
  virtual void close() {}
  // Called at commit, after the task's stores flushed: push buffered output down (sinks).
  virtual void flush() {}
  // Erasure: a node that keeps the data of store `store` in memory too (a suppress buffer)
  // forgets every entry of the key bytes `key` there and in the store, and returns how many;
  // -1: not this node's store (the task erases it through the store).
  virtual int64_t erase_key(const std::string& /*store*/, std::string_view /*key*/) { return -1; }
  // Wires `child` to output `port` (0 unless the node has several outputs, like a split).
  virtual void connect(NodeInstance* child, int /*port*/) {
    throw TopologyError("node '" + name_ + "' cannot have children (connecting '" + child->name() +
                        "')");
  }

 protected:
  TaskContext* context_ = nullptr;

 private:
  std::string name_;
};

// A node that receives typed records.
template <typename K, typename V>
class Input : public NodeInstance {
 public:
  using NodeInstance::NodeInstance;
  virtual void process(const K& key, const V& value, Stamp stamp) = 0;
};

// Thrown (with the original exception nested, std::throw_with_nested) when a node's process()
// throws, so the task can tell its error handler which node failed (Kafka Streams'
// processorNodeId). Costs nothing unless something throws.
class NodeFailure : public std::exception {
 public:
  explicit NodeFailure(const std::string& node)
      : node_(node), what_("processor node '" + node + "' failed") {}
  const std::string& node() const noexcept { return node_; }
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  std::string node_;
  std::string what_;
};

// A node's downstream list for one output.
template <typename K, typename V>
class Output {
 public:
  void add(Input<K, V>* child) { children_.push_back(child); }
  void connect(const NodeInstance& parent, NodeInstance* child) {
    auto* typed = dynamic_cast<Input<K, V>*>(child);
    if (typed == nullptr) {
      throw TopologyError("node '" + child->name() + "' cannot take the records of '" +
                          parent.name() + "': key/value types differ");
    }
    add(typed);
  }
  void forward(const K& key, const V& value, Stamp stamp) const {
    if (children_.size() == 1) {
      call(children_.front(), key, value, stamp);
      return;
    }
    for (auto* child : children_) call(child, key, value, stamp);
  }

 private:
  static void call(Input<K, V>* child, const K& key, const V& value, Stamp stamp) {
    try {
      child->process(key, value, stamp);
    } catch (const NodeFailure&) {
      throw;  // a node further down already said which
    } catch (...) {
      std::throw_with_nested(NodeFailure(child->name()));
    }
  }
  std::vector<Input<K, V>*> children_;
};

// A node with one typed input and one typed output.
template <typename KIn, typename VIn, typename KOut, typename VOut>
class Node : public Input<KIn, VIn> {
 public:
  using Input<KIn, VIn>::Input;
  void connect(NodeInstance* child, int /*port*/) override { out_.connect(*this, child); }

 protected:
  Output<KOut, VOut> out_;
};

// A source node: receives the serialized record from the task.
class SourceInstance : public NodeInstance {
 public:
  using NodeInstance::NodeInstance;
  virtual void process_raw(std::optional<std::string_view> key,
                           std::optional<std::string_view> value, int64_t timestamp) = 0;
};

}  // namespace eddy::detail
