// eddy/dsl/branched.h — Branched: the name of one branch of KStream::split().
//
//   auto branches = orders.split(eddy::Named::as("orders-"))
//                       .branch(is_big, eddy::Branched::as("big"))   // key "orders-big"
//                       .default_branch();                           // key "orders-0"
#pragma once

#include <string>

namespace eddy {

struct Branched {
  std::string name;  // empty: the branch's position (1, 2, ...); the default branch is "0"
  static Branched as(std::string name) { return Branched{std::move(name)}; }
};

}  // namespace eddy
