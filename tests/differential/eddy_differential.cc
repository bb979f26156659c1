// eddy-differential: runs each case file (tests/differential/cases/*.txt) through Eddy's
// TopologyTestDriver and writes <out-dir>/<case>.out in the format WindowDifferential.java
// prints for Kafka Streams (see that file for the case format). run.sh compares the two.
//
//   eddy-differential <out-dir> <case.txt>...
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "eddy/dsl/streams_builder.h"
#include "eddy/testing/topology_test_driver.h"

namespace {

using namespace eddy;
using Table = KTable<Windowed<std::string>, int64_t>;

struct Case {
  std::map<std::string, std::string> header;
  struct Row {
    std::string key;
    int64_t value;
    int64_t timestamp;
  };
  std::vector<Row> rows;
  int64_t param(const std::string& key) const {
    auto it = header.find(key);
    return it == header.end() ? 0 : std::stoll(it->second);
  }
};

Case parse(const std::filesystem::path& file) {
  std::ifstream in(file);
  Case c;
  bool header = true;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string first;
    if (!(words >> first) || first[0] == '#') continue;
    if (header) {
      for (std::string kv = first; !kv.empty(); kv.clear(), words >> kv) {
        const auto eq = kv.find('=');
        c.header[kv.substr(0, eq)] = kv.substr(eq + 1);
      }
      header = false;
      continue;
    }
    Case::Row row{first, 0, 0};
    words >> row.value >> row.timestamp;
    c.rows.push_back(row);
  }
  return c;
}

template <typename Windowed>
Table aggregate(const Windowed& w, bool sum) {
  if (sum) return w.reduce([](int64_t a, int64_t b) { return a + b; });
  return w.count();
}

std::string run(const Case& c) {
  StreamsBuilder builder;
  auto grouped = builder.stream<std::string, int64_t>("in").group_by_key();
  const bool sum = c.header.count("op") != 0 && c.header.at("op") == "sum";
  const std::chrono::milliseconds grace(c.param("grace"));
  const std::string kind = c.header.at("window");
  const std::string emit = c.header.count("emit") != 0 ? c.header.at("emit") : "";
  const EmitStrategy strategy =
      emit == "close" ? EmitStrategy::on_window_close() : EmitStrategy::on_window_update();
  Table table = [&] {
    if (kind == "time") {
      auto w = TimeWindows::of_size_and_grace(std::chrono::milliseconds(c.param("size")), grace);
      if (c.header.count("advance") != 0) {
        w = w.advance_by(std::chrono::milliseconds(c.param("advance")));
      }
      return aggregate(grouped.windowed_by(w).emit_strategy(strategy), sum);
    }
    if (kind == "sliding") {
      return aggregate(grouped
                           .windowed_by(SlidingWindows::of_time_difference_and_grace(
                               std::chrono::milliseconds(c.param("diff")), grace))
                           .emit_strategy(strategy),
                       sum);
    }
    if (kind != "session") throw std::runtime_error("unknown window kind '" + kind + "'");
    return aggregate(grouped
                         .windowed_by(SessionWindows::of_inactivity_gap_and_grace(
                             std::chrono::milliseconds(c.param("gap")), grace))
                         .emit_strategy(strategy),
                     sum);
  }();
  if (emit == "final") {
    table = table.suppress(Suppressed::until_window_closes());
  }
  table.to_stream()
      .map([](const Windowed<std::string>& k, const std::optional<int64_t>& v) {
        return std::make_pair(k.key + " " + std::to_string(k.start) + " " + std::to_string(k.end),
                              v ? std::to_string(*v) : std::string("null"));
      })
      .to("out");
  StreamsConfig config;
  config.application_id = "differential";
  TopologyTestDriver driver(builder.build(config), config);
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<std::string, std::string>("out");
  for (const auto& row : c.rows) in.pipe_input(row.key, row.value, row.timestamp);
  std::ostringstream text;
  for (const auto& r : out.read_records_to_list()) {
    text << r.key << ' ' << r.value.value_or("null") << ' ' << r.timestamp << '\n';
  }
  text << "late " << driver.late_dropped_records() << '\n';
  return text.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: eddy-differential <out-dir> <case.txt>...\n";
    return 2;
  }
  const std::filesystem::path out_dir = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::filesystem::path file = argv[i];
    std::ofstream(out_dir / (file.stem().string() + ".out")) << run(parse(file));
  }
  return 0;
}
