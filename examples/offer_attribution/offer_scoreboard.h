// OfferScoreboard: what eddy-offer-attribution attributed, for its progress line and summary
// (the top converting offers). Fed on the stream thread, read on the main thread.
//
//   OfferScoreboard board;
//   options.on_attribution = [&board](auto&, const nlohmann::json& row) { board.record(row); };
//   ...
//   board.print_top(stderr, 5);
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace eddy::examples {

class OfferScoreboard {
 public:
  // One published attribution (attribution_json()).
  void record(const nlohmann::json& row) {
    std::lock_guard lock(mutex_);
    ++total_;
    auto& offer = offers_[row.at("offer_id").get<std::string>()];
    ++offer.conversions;
    offer.seconds += row.at("seconds_to_purchase").get<double>();
  }

  int64_t total() const {
    std::lock_guard lock(mutex_);
    return total_;
  }

  void print_top(std::FILE* out, std::size_t n) const {
    std::lock_guard lock(mutex_);
    std::vector<std::pair<std::string, Offer>> rows(offers_.begin(), offers_.end());
    // Most conversions first; among equals, the faster-converting offer, then by id.
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      if (a.second.conversions != b.second.conversions)
        return a.second.conversions > b.second.conversions;
      if (a.second.average() != b.second.average()) return a.second.average() < b.second.average();
      return a.first < b.first;
    });
    if (rows.size() > n) rows.resize(n);
    std::fprintf(out, "  top %zu converting offers (of %zu)\n", rows.size(), offers_.size());
    std::fprintf(out, "    %-10s %11s %26s\n", "offer", "conversions", "avg time to purchase");
    for (const auto& [id, offer] : rows) {
      std::fprintf(out, "    %-10s %11lld %25.1fs\n", id.c_str(),
                   static_cast<long long>(offer.conversions), offer.average());
    }
  }

 private:
  struct Offer {
    int64_t conversions = 0;
    double seconds = 0;
    double average() const {
      return conversions > 0 ? seconds / static_cast<double>(conversions) : 0;
    }
  };
  mutable std::mutex mutex_;
  int64_t total_ = 0;
  std::map<std::string, Offer> offers_;
};

}  // namespace eddy::examples
