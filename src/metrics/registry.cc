#include "metrics/registry.h"

#include <cmath>
#include <sstream>

namespace eddy::metrics {

Registry::Entry& Registry::find_or_add(const std::string& name, const std::string& help,
                                       MetricType type, Labels labels, OwnerId owner) {
  auto key = std::make_pair(name, labels);
  auto it = entries_.find(key);
  if (it != entries_.end()) return it->second;
  Entry entry{name, help, type, std::move(labels), owner, nullptr, nullptr, {}, {}};
  return entries_.emplace(std::move(key), std::move(entry)).first->second;
}

Counter& Registry::counter(const std::string& name, const std::string& help, Labels labels,
                           OwnerId owner) {
  std::lock_guard lock(mutex_);
  Entry& entry = find_or_add(name, help, MetricType::kCounter, std::move(labels), owner);
  if (!entry.counter) entry.counter = std::make_unique<Counter>();
  return *entry.counter;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, Labels labels,
                       OwnerId owner) {
  std::lock_guard lock(mutex_);
  Entry& entry = find_or_add(name, help, MetricType::kGauge, std::move(labels), owner);
  if (!entry.gauge) entry.gauge = std::make_unique<Gauge>();
  return *entry.gauge;
}

void Registry::gauge_fn(const std::string& name, const std::string& help, Labels labels,
                        std::function<double()> fn, OwnerId owner) {
  std::lock_guard lock(mutex_);
  find_or_add(name, help, MetricType::kGauge, std::move(labels), owner).gauge_fn = std::move(fn);
}

void Registry::counter_fn(const std::string& name, const std::string& help, Labels labels,
                          std::function<double()> fn, OwnerId owner) {
  std::lock_guard lock(mutex_);
  find_or_add(name, help, MetricType::kCounter, std::move(labels), owner).gauge_fn = std::move(fn);
}

void Registry::histogram_fn(const std::string& name, const std::string& help, Labels labels,
                            std::function<HistogramSnapshot()> fn, OwnerId owner) {
  std::lock_guard lock(mutex_);
  find_or_add(name, help, MetricType::kHistogram, std::move(labels), owner).histogram_fn =
      std::move(fn);
}

OwnerId Registry::new_owner() {
  std::lock_guard lock(mutex_);
  return next_owner_++;
}

void Registry::remove_owner(OwnerId owner) {
  std::lock_guard lock(mutex_);
  std::erase_if(entries_, [owner](const auto& item) { return item.second.owner == owner; });
}

void Registry::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

std::vector<MetricSample> Registry::samples() const {
  std::vector<MetricSample> out;
  for (Sample& s : snapshot()) {
    MetricSample sample{.name = std::move(s.name),
                        .help = std::move(s.help),
                        .kind = s.type == MetricType::kCounter ? MetricKind::kCounter
                                : s.type == MetricType::kGauge ? MetricKind::kGauge
                                                               : MetricKind::kHistogram,
                        .labels = std::move(s.labels),
                        .value = s.value};
    if (s.type == MetricType::kHistogram) {
      sample.buckets = std::move(s.histogram.cumulative_buckets);
      sample.sum = s.histogram.sum;
      sample.count = s.histogram.count;
    }
    out.push_back(std::move(sample));
  }
  return out;
}

std::vector<Sample> Registry::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<Sample> out;
  out.reserve(entries_.size());
  for (const auto& [key, entry] : entries_) {
    Sample sample{entry.name, entry.help, entry.type, entry.labels, 0, {}};
    if (entry.counter) sample.value = static_cast<double>(entry.counter->value());
    if (entry.gauge) sample.value = entry.gauge->value();
    if (entry.gauge_fn) sample.value = entry.gauge_fn();
    if (entry.histogram_fn) sample.histogram = entry.histogram_fn();
    out.push_back(std::move(sample));
  }
  return out;
}

namespace {
std::string label_text(const Labels& labels, const std::string& extra_key = "",
                       const std::string& extra = "") {
  if (labels.empty() && extra_key.empty()) return "";
  std::string out = "{";
  bool first = true;
  auto add = [&](const std::string& k, const std::string& v) {
    if (!first) out += ",";
    first = false;
    out += k + "=\"";
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += "\"";
  };
  for (const auto& [k, v] : labels) add(k, v);
  if (!extra_key.empty()) add(extra_key, extra);
  return out + "}";
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::ostringstream out;
  out.precision(15);
  out << v;
  return out.str();
}

const char* type_name(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}
}  // namespace

std::string Registry::to_prometheus_text() const {
  std::string out;
  std::string last_name;
  for (const auto& s : snapshot()) {  // sorted by name: HELP/TYPE once per family
    if (s.name != last_name) {
      out +=
          "# HELP " + s.name + " " + s.help + "\n# TYPE " + s.name + " " + type_name(s.type) + "\n";
      last_name = s.name;
    }
    if (s.type != MetricType::kHistogram) {
      out += s.name + label_text(s.labels) + " " + number(s.value) + "\n";
      continue;
    }
    for (const auto& [bound, count] : s.histogram.cumulative_buckets) {
      out += s.name + "_bucket" + label_text(s.labels, "le", number(bound)) + " " +
             std::to_string(count) + "\n";
    }
    out += s.name + "_bucket" + label_text(s.labels, "le", "+Inf") + " " +
           std::to_string(s.histogram.count) + "\n";
    out += s.name + "_sum" + label_text(s.labels) + " " + number(s.histogram.sum) + "\n";
    out +=
        s.name + "_count" + label_text(s.labels) + " " + std::to_string(s.histogram.count) + "\n";
  }
  return out;
}

nlohmann::json Registry::to_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : snapshot()) {
    nlohmann::json labels = nlohmann::json::object();
    for (const auto& [k, v] : s.labels) labels[k] = v;
    nlohmann::json item = {{"name", s.name}, {"type", type_name(s.type)}, {"labels", labels}};
    if (s.type == MetricType::kHistogram) {
      item["count"] = s.histogram.count;
      item["sum"] = s.histogram.sum;
      nlohmann::json buckets = nlohmann::json::array();
      for (const auto& [bound, count] : s.histogram.cumulative_buckets)
        buckets.push_back({bound, count});
      item["buckets"] = std::move(buckets);
    } else {
      item["value"] = s.value;
    }
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace eddy::metrics
