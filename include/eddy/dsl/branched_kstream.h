// eddy/dsl/branched_kstream.h — BranchedKStream: the branches of KStream::split().
//
// Each record goes to the first branch whose predicate holds, else to the default branch
// (or nowhere without one). The result maps branch names (prefix + name) to streams.
//
//   auto branches = orders.split(eddy::Named::as("orders-"))
//                       .branch([](auto&, const Order& o) { return o.total > 100; },
//                               eddy::Branched::as("big"))
//                       .default_branch(eddy::Branched::as("small"));
//   branches.at("orders-big").to("big-orders");
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "eddy/dsl/kstream.h"

namespace eddy {

template <typename K, typename V>
class BranchedKStream {
 public:
  using Predicate = std::function<bool(const K&, const V&)>;

  BranchedKStream(KStream<K, V> parent, int split_node, std::string prefix,
                  std::shared_ptr<std::vector<Predicate>> predicates)
      : parent_(std::move(parent)),
        split_node_(split_node),
        prefix_(std::move(prefix)),
        predicates_(std::move(predicates)) {}

  BranchedKStream& branch(Predicate predicate, const Branched& branched = {}) {
    const int port = static_cast<int>(predicates_->size());
    predicates_->push_back(std::move(predicate));
    add_child(branched.name.empty() ? std::to_string(port + 1) : branched.name, port);
    return *this;
  }

  // Ends the split; records no predicate matched go to this branch.
  std::map<std::string, KStream<K, V>> default_branch(const Branched& branched = {}) {
    add_child(branched.name.empty() ? "0" : branched.name, static_cast<int>(predicates_->size()));
    return branches_;
  }
  // Ends the split; records no predicate matched are dropped.
  std::map<std::string, KStream<K, V>> no_default_branch() { return branches_; }

 private:
  void add_child(const std::string& suffix, int port) {
    auto& graph = *parent_.graph();
    const std::string name = prefix_ + suffix;
    const int id = detail::add_processor(
        graph, name, "branch", {split_node_},
        [name](const detail::ResolvedNode&) {
          return std::make_unique<detail::PassThroughNode<K, V>>(name);
        },
        {}, port);
    branches_.emplace(name,
                      KStream<K, V>(parent_.graph(), id, parent_.key_serde(), parent_.value_serde(),
                                    parent_.repartition_required(), parent_.topics()));
  }

  KStream<K, V> parent_;
  int split_node_;
  std::string prefix_;
  std::shared_ptr<std::vector<Predicate>> predicates_;
  std::map<std::string, KStream<K, V>> branches_;
};

template <typename K, typename V>
BranchedKStream<K, V> KStream<K, V>::split(const Named& named) const {
  const std::string name = detail::pick_name(*graph_, named.name, "KSTREAM-BRANCH-");
  const std::string prefix = named.name.empty() ? name + "-" : named.name;
  auto predicates = std::make_shared<std::vector<std::function<bool(const K&, const V&)>>>();
  const int id = detail::add_processor(
      *graph_, name, "split", {node_}, [name, predicates](const detail::ResolvedNode&) {
        return std::make_unique<detail::BranchNode<K, V>>(name, *predicates);
      });
  return BranchedKStream<K, V>(*this, id, prefix, predicates);
}

}  // namespace eddy
