// eddy/detail/nodes/stateless_nodes.h — typed nodes of the stateless KStream operators (internal).
//
// Each calls the user's function inline and forwards by a direct typed call; filter and
// map_values chains allocate nothing per record beyond what the user's functions create.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "eddy/detail/nodes/node.h"

namespace eddy::detail {

template <typename K, typename V, typename Pred>
class FilterNode final : public Node<K, V, K, V> {
 public:
  FilterNode(std::string name, Pred pred, bool keep_when)
      : Node<K, V, K, V>(std::move(name)), pred_(std::move(pred)), keep_when_(keep_when) {}
  void process(const K& key, const V& value, Stamp stamp) override {
    if (static_cast<bool>(pred_(key, value)) == keep_when_) this->out_.forward(key, value, stamp);
  }

 private:
  Pred pred_;
  bool keep_when_;
};

template <typename K, typename V, typename VR, typename Fn>
class MapValuesNode final : public Node<K, V, K, VR> {
 public:
  MapValuesNode(std::string name, Fn fn) : Node<K, V, K, VR>(std::move(name)), fn_(std::move(fn)) {}
  void process(const K& key, const V& value, Stamp stamp) override {
    if constexpr (std::is_invocable_v<Fn&, const K&, const V&>) {
      this->out_.forward(key, fn_(key, value), stamp);
    } else {
      this->out_.forward(key, fn_(value), stamp);
    }
  }

 private:
  Fn fn_;
};

// map: (k, v) -> std::pair<KR, VR>.
template <typename K, typename V, typename KR, typename VR, typename Fn>
class MapNode final : public Node<K, V, KR, VR> {
 public:
  MapNode(std::string name, Fn fn) : Node<K, V, KR, VR>(std::move(name)), fn_(std::move(fn)) {}
  void process(const K& key, const V& value, Stamp stamp) override {
    auto kv = fn_(key, value);
    this->out_.forward(kv.first, kv.second, Stamp{stamp.timestamp, false});
  }

 private:
  Fn fn_;
};

// select_key: (k, v) -> KR.
template <typename K, typename V, typename KR, typename Fn>
class SelectKeyNode final : public Node<K, V, KR, V> {
 public:
  SelectKeyNode(std::string name, Fn fn) : Node<K, V, KR, V>(std::move(name)), fn_(std::move(fn)) {}
  void process(const K& key, const V& value, Stamp stamp) override {
    this->out_.forward(fn_(key, value), value, Stamp{stamp.timestamp, false});
  }

 private:
  Fn fn_;
};

// flat_map: (k, v) -> iterable of std::pair<KR, VR>.
template <typename K, typename V, typename KR, typename VR, typename Fn>
class FlatMapNode final : public Node<K, V, KR, VR> {
 public:
  FlatMapNode(std::string name, Fn fn) : Node<K, V, KR, VR>(std::move(name)), fn_(std::move(fn)) {}
  void process(const K& key, const V& value, Stamp stamp) override {
    for (const auto& kv : fn_(key, value)) {
      this->out_.forward(kv.first, kv.second, Stamp{stamp.timestamp, false});
    }
  }

 private:
  Fn fn_;
};

// flat_map_values: v (or k, v) -> iterable of VR.
template <typename K, typename V, typename VR, typename Fn>
class FlatMapValuesNode final : public Node<K, V, K, VR> {
 public:
  FlatMapValuesNode(std::string name, Fn fn)
      : Node<K, V, K, VR>(std::move(name)), fn_(std::move(fn)) {}
  void process(const K& key, const V& value, Stamp stamp) override {
    if constexpr (std::is_invocable_v<Fn&, const K&, const V&>) {
      for (const auto& v : fn_(key, value)) this->out_.forward(key, v, stamp);
    } else {
      for (const auto& v : fn_(value)) this->out_.forward(key, v, stamp);
    }
  }

 private:
  Fn fn_;
};

// peek (forwards) and foreach (terminal): calls fn(k, v).
template <typename K, typename V, typename Fn>
class PeekNode final : public Node<K, V, K, V> {
 public:
  PeekNode(std::string name, Fn fn) : Node<K, V, K, V>(std::move(name)), fn_(std::move(fn)) {}
  void process(const K& key, const V& value, Stamp stamp) override {
    fn_(key, value);
    this->out_.forward(key, value, stamp);
  }

 private:
  Fn fn_;
};

// Forwards unchanged: merge, to_stream, branch children, repartition filters.
template <typename K, typename V>
class PassThroughNode final : public Node<K, V, K, V> {
 public:
  explicit PassThroughNode(std::string name, bool drop_null_keys = false)
      : Node<K, V, K, V>(std::move(name)), drop_null_keys_(drop_null_keys) {}
  void process(const K& key, const V& value, Stamp stamp) override {
    if (drop_null_keys_ && stamp.null_key) {
      this->context_->record_dropped(this->name(), "null key");
      return;
    }
    this->out_.forward(key, value, stamp);
  }

 private:
  bool drop_null_keys_;
};

// split(): sends each record to the first branch whose predicate holds (port i), else to the
// default branch (port = number of predicates) when there is one.
template <typename K, typename V>
class BranchNode final : public Input<K, V> {
 public:
  using Predicate = std::function<bool(const K&, const V&)>;
  BranchNode(std::string name, std::vector<Predicate> predicates)
      : Input<K, V>(std::move(name)),
        predicates_(std::move(predicates)),
        outputs_(predicates_.size() + 1) {}
  void connect(NodeInstance* child, int port) override { outputs_.at(port).connect(*this, child); }
  void process(const K& key, const V& value, Stamp stamp) override {
    for (size_t i = 0; i < predicates_.size(); ++i) {
      if (predicates_[i](key, value)) {
        outputs_[i].forward(key, value, stamp);
        return;
      }
    }
    outputs_.back().forward(key, value, stamp);
  }

 private:
  std::vector<Predicate> predicates_;
  std::vector<Output<K, V>> outputs_;
};

}  // namespace eddy::detail
