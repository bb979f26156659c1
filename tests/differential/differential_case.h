// A differential case (tests/differential/README.md): its parsed file, and the Eddy topology
// it describes, built the way KafkaStreamsCases.java builds it for Kafka Streams. Shared by
// eddy-differential (the TopologyTestDriver run) and the runtime sample on the real broker
// (tests/integration/differential_on_kafka_test.cc), so both run the same topology.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "eddy/dsl/streams_builder.h"
#include "eddy/testing/topology_test_driver.h"

namespace eddy::differential {

struct Row {
  std::string topic;
  std::optional<std::string> key;  // std::nullopt: a null key
  std::optional<int64_t> value;    // std::nullopt: a null value (a tombstone for tables)
  int64_t timestamp = 0;
  std::optional<int32_t> partition;  // set when the case has several partitions
};

struct Case {
  std::string name;
  std::map<std::string, std::string> header;
  std::vector<Row> rows;

  const std::string& get(const std::string& key) const {
    auto it = header.find(key);
    if (it == header.end()) throw std::runtime_error("case " + name + " lacks '" + key + "'");
    return it->second;
  }
  int64_t num(const std::string& key) const {
    auto it = header.find(key);
    return it == header.end() ? 0 : std::stoll(it->second);
  }
  bool has(const std::string& key) const { return header.count(key) != 0; }
  int32_t partitions() const {
    return static_cast<int32_t>(std::max<int64_t>(1, num("partitions")));
  }
  // The topics the case's rows go to, in first-use order.
  std::vector<std::string> input_topics() const {
    std::vector<std::string> out;
    for (const auto& r : rows) {
      if (std::find(out.begin(), out.end(), r.topic) == out.end()) out.push_back(r.topic);
    }
    return out;
  }
};

inline Case parse_case(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read case " + file.string());
  Case c;
  c.name = file.stem().string();
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
    Row row;
    row.topic = first;
    std::string key, value;
    words >> key >> value >> row.timestamp;
    if (key != "~") row.key = key;
    if (value != "~") row.value = std::stoll(value);
    int32_t partition = 0;
    if (words >> partition) row.partition = partition;
    c.rows.push_back(std::move(row));
  }
  return c;
}

// Topic names of one case's topology: `prefix` + the case's topic ("in", "s", "t", ...), so
// many cases can share one broker. The driver run uses no prefix.
struct Topics {
  std::string prefix;
  std::string operator()(const std::string& topic) const { return prefix + topic; }
};

namespace detail_case {

inline std::string joined(const std::optional<int64_t>& a, const std::optional<int64_t>& b) {
  return (a ? std::to_string(*a) : "null") + "/" + (b ? std::to_string(*b) : "null");
}

template <typename V>
void finish_window(KTable<Windowed<std::string>, V> table, const std::string& emit,
                   const Topics& topics) {
  if (emit == "final") table = table.suppress(Suppressed::until_window_closes());
  table.to_stream()
      .map([](const Windowed<std::string>& k, const std::optional<V>& v) {
        std::string value = "null";
        if (v) {
          if constexpr (std::is_same_v<V, std::string>) {
            value = *v;
          } else {
            value = std::to_string(*v);
          }
        }
        return std::make_pair(k.key + " " + std::to_string(k.start) + " " + std::to_string(k.end),
                              value);
      })
      .to(topics("out"));
}

// The aggregation's store, with a record cache when the case says `cache=1`.
template <typename V>
Materialized<std::string, V> store_of(const Case& c, Materialized<std::string, V> m = {}) {
  if (c.has("cache")) m.with_caching_enabled();
  return m;
}

template <typename Windowed>
void aggregate_fixed(const Windowed& w, const Case& c, const Topics& topics) {
  const std::string op = c.get("op");
  const std::string emit = c.get("emit");
  if (op == "count") return finish_window(w.count(store_of<int64_t>(c)), emit, topics);
  if (op == "reduce") {
    return finish_window(w.reduce([](int64_t a, int64_t b) { return a + b; }, store_of<int64_t>(c)),
                         emit, topics);
  }
  finish_window(
      w.template aggregate<std::string>([] { return std::string(); },
                                        [](const std::string&, int64_t v, const std::string& agg) {
                                          return agg + "+" + std::to_string(v);
                                        },
                                        store_of(c, Materialized<std::string, std::string>::with(
                                                        serdes::string(), serdes::string()))),
      emit, topics);
}

inline void window(StreamsBuilder& builder, const Case& c, const Topics& topics) {
  auto grouped = builder.stream<std::string, int64_t>(topics("in")).group_by_key();
  const std::string op = c.get("op");
  const std::string emit = c.get("emit");
  const EmitStrategy strategy =
      emit == "close" ? EmitStrategy::on_window_close() : EmitStrategy::on_window_update();
  const std::chrono::milliseconds grace(c.num("grace"));
  const std::string kind = c.get("window");
  if (kind == "time") {
    auto w = TimeWindows::of_size_and_grace(std::chrono::milliseconds(c.num("size")), grace);
    if (c.has("advance")) w = w.advance_by(std::chrono::milliseconds(c.num("advance")));
    return aggregate_fixed(grouped.windowed_by(w).emit_strategy(strategy), c, topics);
  }
  if (kind == "sliding") {
    auto w = SlidingWindows::of_time_difference_and_grace(std::chrono::milliseconds(c.num("diff")),
                                                          grace);
    return aggregate_fixed(grouped.windowed_by(w).emit_strategy(strategy), c, topics);
  }
  if (kind != "session") throw std::runtime_error("unknown window kind '" + kind + "'");
  auto w = grouped
               .windowed_by(SessionWindows::of_inactivity_gap_and_grace(
                   std::chrono::milliseconds(c.num("gap")), grace))
               .emit_strategy(strategy);
  if (op == "count") return finish_window(w.count(store_of<int64_t>(c)), emit, topics);
  if (op == "reduce") {
    return finish_window(w.reduce([](int64_t a, int64_t b) { return a + b; }, store_of<int64_t>(c)),
                         emit, topics);
  }
  finish_window(w.aggregate<std::string>([] { return std::string(); },
                                         [](const std::string&, int64_t v, const std::string& agg) {
                                           return agg + "+" + std::to_string(v);
                                         },
                                         [](const std::string&, const std::string& a,
                                            const std::string& b) { return a + "|" + b; },
                                         store_of(c, Materialized<std::string, std::string>::with(
                                                         serdes::string(), serdes::string()))),
                emit, topics);
}

// l join / left_join / outer_join r (or l itself, self=1), optionally re-keyed (rekey=1) so
// both sides go through repartition topics. Values are optional so that a null value reaches
// the join, which drops it, as Kafka Streams' does (once per side of a self-join).
inline void stream_stream(StreamsBuilder& builder, const Case& c, const Topics& topics) {
  using V = std::optional<int64_t>;
  auto l = builder.stream<std::string, V>(topics("l"));
  const bool self = c.num("self") == 1;
  auto r = self ? l : builder.stream<std::string, V>(topics("r"));
  if (c.num("rekey") == 1) {
    auto same = [](const std::string& k, const V&) { return k; };
    l = l.select_key(same);
    r = self ? l : r.select_key(same);
  }
  // A negative before or after is set after a time difference that is not negative.
  const int64_t diff = std::max(c.num("before"), c.num("after"));
  const auto w = JoinWindows::of_time_difference_and_grace(
                     std::chrono::milliseconds(diff), std::chrono::milliseconds(c.num("grace")))
                     .before(std::chrono::milliseconds(c.num("before")))
                     .after(std::chrono::milliseconds(c.num("after")));
  const std::string join = c.get("join");
  if (join == "inner") {
    l.join(
         r, [](const V& a, const V& b) { return joined(a, b); }, w)
        .to(topics("out"));
  } else if (join == "left") {
    l.left_join(
         r, [](const V& a, const std::optional<V>& b) { return joined(a, b ? *b : std::nullopt); },
         w)
        .to(topics("out"));
  } else {
    l.outer_join(
         r,
         [](const std::optional<V>& a, const std::optional<V>& b) {
           return joined(a ? *a : std::nullopt, b ? *b : std::nullopt);
         },
         w)
        .to(topics("out"));
  }
}

// A table's changes to "out" as strings (deletes as tombstones).
template <typename V>
void table_to_out(const KTable<std::string, V>& table, const Topics& topics) {
  table.to_stream()
      .map_values([](const std::optional<V>& v) -> std::optional<std::string> {
        if (!v) return std::nullopt;
        if constexpr (std::is_same_v<V, std::string>) {
          return *v;
        } else {
          return std::to_string(*v);
        }
      })
      .to(topics("out"));
}

inline KTable<std::string, int64_t> versioned_table(StreamsBuilder& builder,
                                                    const std::string& topic, int64_t retention) {
  return builder.table<std::string, int64_t>(
      topic, {},
      Materialized<std::string, int64_t>::as_versioned(topic + "-store",
                                                       std::chrono::milliseconds(retention)));
}

// A table filter whose deletes depend on the old-value flags of what it reads
// (KafkaStreamsCases.java's tableFilter).
inline void table_filter(StreamsBuilder& builder, const Case& c, const Topics& topics) {
  const std::string source = c.get("source");
  auto keep = [](const std::string&, int64_t v) { return v % 3 != 0; };
  if (source == "count") {
    return table_to_out(
        builder.stream<std::string, int64_t>(topics("in")).group_by_key().count().filter(keep),
        topics);
  }
  auto t = source == "named" ? builder.table<std::string, int64_t>(
                                   topics("t"), {},
                                   Materialized<std::string, int64_t>::as(topics("t") + "-store"))
                             : builder.table<std::string, int64_t>(topics("t"));
  if (source == "join-first") {
    builder.stream<std::string, int64_t>(topics("s"))
        .join(t, [](int64_t a, int64_t b) { return joined(a, b); })
        .to(topics("side"));
  }
  if (source == "map") t = t.map_values([](int64_t v) { return v + 1; });
  table_to_out(t.filter(keep), topics);
}

// The table kinds (issue 18: old values, group_by, foreign-key joins, versioned tables).
inline void table_kind(StreamsBuilder& builder, const Case& c, const Topics& topics) {
  const std::string kind = c.get("kind");
  if (kind == "table-filter") return table_filter(builder, c, topics);
  if (kind == "table-groupby") {
    const int64_t groups = c.num("groups");
    auto grouped =
        builder.table<std::string, int64_t>(topics("t"))
            .group_by([groups](const std::string&,
                               int64_t v) -> std::optional<std::pair<std::string, int64_t>> {
              if (v % 7 == 0) return std::nullopt;  // no group (a null key in Kafka Streams)
              return std::make_pair("g" + std::to_string(v % groups), v);
            });
    const std::string op = c.get("op");
    // cache=1: the aggregate's store has a record cache (Kafka Streams' stores cache by
    // default once its cache has room), so a row moving between groups leaves the cache in
    // the order its two writes were made.
    if (op == "count") return table_to_out(grouped.count(store_of<int64_t>(c)), topics);
    if (op == "reduce") {
      return table_to_out(
          grouped.reduce([](int64_t a, int64_t b) { return a + b; },
                         [](int64_t a, int64_t b) { return a - b; }, store_of<int64_t>(c)),
          topics);
    }
    return table_to_out(
        grouped.aggregate<std::string>([] { return std::string(); },
                                       [](const std::string&, int64_t v, const std::string& agg) {
                                         return agg + "+" + std::to_string(v);
                                       },
                                       [](const std::string&, int64_t v, const std::string& agg) {
                                         return agg + "-" + std::to_string(v);
                                       },
                                       store_of<std::string>(c)),
        topics);
  }
  if (kind == "fk-join") {
    auto l = builder.table<std::string, int64_t>(topics("l"));
    auto r = builder.table<std::string, int64_t>(topics("r"));
    // The left value names the foreign row k<v % 4>; a multiple of 7 names none.
    auto fk = [](int64_t v) -> std::optional<std::string> {
      if (v % 7 == 0) return std::nullopt;
      return "k" + std::to_string(v % 4);
    };
    if (c.get("join") == "inner") {
      l.join(r, fk, [](int64_t a, int64_t b) { return joined(a, b); })
          .to_stream()
          .to(topics("out"));
    } else {
      l.left_join(r, fk, [](int64_t a, const std::optional<int64_t>& b) { return joined(a, b); })
          .to_stream()
          .to(topics("out"));
    }
    return;
  }
  if (kind == "versioned-table") {
    auto t = versioned_table(builder, topics("t"), c.num("retention"));
    const std::string op = c.get("op");
    if (op == "stream") return table_to_out(t, topics);
    if (op == "filter") {
      return table_to_out(t.filter([](const std::string&, int64_t v) { return v % 3 != 0; }),
                          topics);
    }
    if (op == "join") {
      auto t2 = builder.table<std::string, int64_t>(topics("t2"));
      const std::string join = c.get("join");
      if (join == "inner") {
        t.join(t2, [](int64_t a, int64_t b) { return joined(a, b); }).to_stream().to(topics("out"));
      } else if (join == "left") {
        t.left_join(t2, [](int64_t a, const std::optional<int64_t>& b) { return joined(a, b); })
            .to_stream()
            .to(topics("out"));
      } else {
        t.outer_join(t2, [](const std::optional<int64_t>& a,
                            const std::optional<int64_t>& b) { return joined(a, b); })
            .to_stream()
            .to(topics("out"));
      }
      return;
    }
    return table_to_out(t.group_by([](const std::string&, int64_t v) {
                           return std::make_pair("g" + std::to_string(v % 3), v);
                         }).count(),
                        topics);
  }
  if (kind == "stream-versioned-table") {
    auto s = builder.stream<std::string, int64_t>(topics("s"));
    auto t = versioned_table(builder, topics("t"), c.num("retention"));
    Joined joined_options;
    if (c.get("grace") != "none") {
      joined_options.grace_period = std::chrono::milliseconds(std::stoll(c.get("grace")));
    }
    if (c.get("join") == "inner") {
      s.join(
           t, [](int64_t a, int64_t b) { return joined(a, b); }, joined_options)
          .to(topics("out"));
    } else {
      s.left_join(
           t, [](int64_t a, const std::optional<int64_t>& b) { return joined(a, b); },
           joined_options)
          .to(topics("out"));
    }
    return;
  }
  throw std::runtime_error("case " + c.name + ": unknown table kind '" + kind + "'");
}

// Builds `c` when it is one of the table kinds; false when it is not.
inline bool table_case(StreamsBuilder& builder, const Case& c, const Topics& topics) {
  static const std::set<std::string> kinds{"table-filter", "table-groupby", "fk-join",
                                           "versioned-table", "stream-versioned-table"};
  if (kinds.count(c.get("kind")) == 0) return false;
  table_kind(builder, c, topics);
  return true;
}

}  // namespace detail_case

// Adds the case's topology to `builder`; every kind writes string keys and values to "out".
inline void build_case(StreamsBuilder& builder, const Case& c, const Topics& topics = {}) {
  using detail_case::joined;
  const std::string kind = c.get("kind");
  if (kind == "window") return detail_case::window(builder, c, topics);
  if (kind == "stream-table") {
    auto s = builder.stream<std::string, int64_t>(topics("s"));
    auto t = builder.table<std::string, int64_t>(topics("t"));
    if (c.get("join") == "inner") {
      s.join(t, [](int64_t a, int64_t b) { return joined(a, b); }).to(topics("out"));
    } else {
      s.left_join(t, [](int64_t a, const std::optional<int64_t>& b) {
         return joined(a, b);
       }).to(topics("out"));
    }
    return;
  }
  if (kind == "table-table") {
    auto t1 = builder.table<std::string, int64_t>(topics("t1"));
    auto t2 = builder.table<std::string, int64_t>(topics("t2"));
    const std::string join = c.get("join");
    auto out = [&] {
      if (join == "inner") return t1.join(t2, [](int64_t a, int64_t b) { return joined(a, b); });
      if (join == "left") {
        return t1.left_join(
            t2, [](int64_t a, const std::optional<int64_t>& b) { return joined(a, b); });
      }
      return t1.outer_join(t2, [](const std::optional<int64_t>& a,
                                  const std::optional<int64_t>& b) { return joined(a, b); });
    }();
    out.to_stream().to(topics("out"));
    return;
  }
  if (kind == "stream-global") {
    auto s = builder.stream<std::string, int64_t>(topics("s"));
    auto g = builder.global_table<std::string, int64_t>(topics("g"));
    // The stream value picks the global key; a multiple of 7 picks none (a null key).
    auto key = [](const std::string&, int64_t v) -> std::optional<std::string> {
      if (v % 7 == 0) return std::nullopt;
      return "k" + std::to_string(v % 4);
    };
    if (c.get("join") == "inner") {
      s.join(g, key, [](int64_t a, int64_t b) { return joined(a, b); }).to(topics("out"));
    } else {
      s.left_join(g, key, [](int64_t a, const std::optional<int64_t>& b) {
         return joined(a, b);
       }).to(topics("out"));
    }
    return;
  }
  if (kind == "stream-stream") return detail_case::stream_stream(builder, c, topics);
  if (detail_case::table_case(builder, c, topics)) return;
  throw std::runtime_error("case " + c.name + ": unknown kind '" + kind + "'");
}

// One output record as both harnesses print it: "<key> <value> <timestamp>", "~" for null.
inline std::string output_line(bool null_key, const std::string& key,
                               const std::optional<std::string>& value, int64_t timestamp) {
  return (null_key ? std::string("~") : key) + " " + value.value_or("~") + " " +
         std::to_string(timestamp);
}

// Runs the case through Eddy's TopologyTestDriver: the output lines, then "dropped <n>" (late,
// dropped and skipped records). Caching is off, as in the Kafka Streams run, unless the case
// says `cache=1`: then both cache, and both commit after each input record (Kafka Streams'
// driver always does), so every record cache flushes once per input record.
inline std::vector<std::string> run_in_driver(const Case& c) {
  StreamsBuilder builder;
  build_case(builder, c);
  StreamsConfig config;
  config.application_id = "differential";
  config.cache_max_bytes = c.has("cache") ? 10 << 20 : 0;
  // As the Kafka Streams run: outer stream-stream joins look for closed windows on every
  // record (the driver's wall clock stands still).
  config.outer_join_emit_interval = std::chrono::milliseconds(0);
  TopologyTestDriver driver(builder.build(config), config,
                            {.partitions_per_topic = c.partitions()});
  std::map<std::string, TestInputTopic<std::string, int64_t>> inputs;
  for (const auto& topic : c.input_topics()) {
    inputs.emplace(topic, driver.create_input_topic<std::string, int64_t>(topic));
  }
  for (const auto& row : c.rows) {
    TestRecord<std::string, int64_t> r;
    r.key = row.key.value_or("");
    r.null_key = !row.key;
    r.value = row.value;
    r.timestamp = row.timestamp;
    r.partition = row.partition.value_or(-1);
    inputs.at(row.topic).pipe_input(r);
    if (c.has("cache")) driver.commit();
  }
  auto out = driver.create_output_topic<std::string, std::string>("out");
  std::vector<std::string> lines;
  for (const auto& r : out.read_records_to_list()) {
    lines.push_back(output_line(r.null_key, r.key, r.value, r.timestamp));
  }
  lines.push_back("dropped " + std::to_string(driver.late_dropped_records() +
                                              driver.dropped_records() + driver.skipped_records()));
  return lines;
}

// Output lines in the order two runs of a case can be compared in (compare.py's rule): as they
// are with one partition; with several, each key's records in their order, keys sorted, and
// records with a null key (they come from every task) sorted.
inline std::vector<std::string> comparable(std::vector<std::string> lines, int32_t partitions) {
  if (partitions <= 1) return lines;
  std::vector<std::string> keyed, null_keyed;
  for (auto& l : lines) (l.rfind("~ ", 0) == 0 ? null_keyed : keyed).push_back(std::move(l));
  std::stable_sort(keyed.begin(), keyed.end(), [](const std::string& a, const std::string& b) {
    return a.substr(0, a.find(' ')) < b.substr(0, b.find(' '));
  });
  std::sort(null_keyed.begin(), null_keyed.end());
  keyed.insert(keyed.end(), null_keyed.begin(), null_keyed.end());
  return keyed;
}

}  // namespace eddy::differential
