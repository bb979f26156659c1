// Runs differential cases through Kafka Streams' own TopologyTestDriver and writes
// <out-dir>/<case>.out in the format eddy-differential writes for Eddy (README.md here has
// the case and output formats). A case with partitions=N runs as N drivers, one per input
// partition, as N tasks would: each sees its partition's rows (and every global-table row)
// in script order.
//
// Usage: scripts/kafka.sh java tests/differential/KafkaStreamsCases.java <out-dir> <case>...
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.EmitStrategy;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Joined;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KGroupedTable;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindowedKStream;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.SlidingWindows;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindowedKStream;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.ValueJoiner;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.test.TestRecord;

public class KafkaStreamsCases {
  record Row(String topic, String key, Long value, long timestamp, Integer partition) {}

  record Case(Map<String, String> header, List<Row> rows) {
    String get(String key) {
      String v = header.get(key);
      if (v == null) throw new IllegalArgumentException("case header lacks " + key);
      return v;
    }

    long num(String key) {
      return Long.parseLong(header.getOrDefault(key, "0"));
    }

    boolean has(String key) {
      return header.containsKey(key);
    }
  }

  public static void main(String[] args) throws Exception {
    Path outDir = Path.of(args[0]);
    for (int i = 1; i < args.length; ++i) {
      Path file = Path.of(args[i]);
      String name = file.getFileName().toString().replaceAll("\\.txt$", "");
      Files.writeString(outDir.resolve(name + ".out"), runOrError(parse(file)));
      // Emit-on-close cases also run with every update emitted: compare.py checks a final
      // result Eddy emits and Kafka Streams does not against the window's last update.
      Case c = parse(file);
      if (c.get("kind").equals("window") && c.get("emit").equals("close")) {
        c.header().put("emit", "update");
        Files.writeString(outDir.resolve(name + ".updates.out"), runOrError(c));
      }
    }
  }

  static String runOrError(Case c) {
    try {
      return run(c);
    } catch (Exception e) {
      return "error " + e.getClass().getSimpleName() + ": " + e.getMessage() + "\n";
    }
  }

  static Case parse(Path file) throws Exception {
    Map<String, String> header = new LinkedHashMap<>();
    List<Row> rows = new ArrayList<>();
    boolean first = true;
    for (String raw : Files.readAllLines(file)) {
      String line = raw.trim();
      if (line.isEmpty() || line.startsWith("#")) continue;
      String[] w = line.split("\\s+");
      if (first) {
        for (String kv : w) {
          String[] p = kv.split("=", 2);
          header.put(p[0], p[1]);
        }
        first = false;
        continue;
      }
      rows.add(new Row(w[0], w[1].equals("~") ? null : w[1],
                       w[2].equals("~") ? null : Long.valueOf(w[2]), Long.parseLong(w[3]),
                       w.length > 4 ? Integer.valueOf(w[4]) : null));
    }
    return new Case(header, rows);
  }

  static final Path STATE_DIR = makeStateDir();

  static Path makeStateDir() {
    try {
      Path dir = Files.createTempDirectory("kstreams-differential");
      dir.toFile().deleteOnExit();
      return dir;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static final ValueJoiner<Long, Long, String> JOINER = (a, b) -> a + "/" + b;

  // Builds the case's topology; every kind writes String keys and values to "out".
  static void build(StreamsBuilder builder, Case c) {
    switch (c.get("kind")) {
      case "window" -> window(builder, c);
      case "stream-table" -> {
        KStream<String, Long> s = builder.stream("s", Consumed.with(Serdes.String(), Serdes.Long()));
        KTable<String, Long> t = builder.table("t", Consumed.with(Serdes.String(), Serdes.Long()));
        KStream<String, String> joined =
            c.get("join").equals("inner") ? s.join(t, JOINER) : s.leftJoin(t, JOINER);
        joined.to("out", Produced.with(Serdes.String(), Serdes.String()));
      }
      case "table-table" -> {
        KTable<String, Long> t1 = builder.table("t1", Consumed.with(Serdes.String(), Serdes.Long()));
        KTable<String, Long> t2 = builder.table("t2", Consumed.with(Serdes.String(), Serdes.Long()));
        KTable<String, String> joined = switch (c.get("join")) {
          case "inner" -> t1.join(t2, JOINER);
          case "left" -> t1.leftJoin(t2, JOINER);
          default -> t1.outerJoin(t2, JOINER);
        };
        joined.toStream().to("out", Produced.with(Serdes.String(), Serdes.String()));
      }
      case "stream-global" -> {
        KStream<String, Long> s = builder.stream("s", Consumed.with(Serdes.String(), Serdes.Long()));
        GlobalKTable<String, Long> g =
            builder.globalTable("g", Consumed.with(Serdes.String(), Serdes.Long()));
        // The stream value picks the global key; a multiple of 7 picks none (a null key).
        var mapper = (org.apache.kafka.streams.kstream.KeyValueMapper<String, Long, String>) (k, v) ->
            v == null || v % 7 == 0 ? null : "k" + (v % 4);
        KStream<String, String> joined = c.get("join").equals("inner") ? s.join(g, mapper, JOINER)
                                                                       : s.leftJoin(g, mapper, JOINER);
        joined.to("out", Produced.with(Serdes.String(), Serdes.String()));
      }
      case "stream-stream" -> {
        KStream<String, Long> l = builder.stream("l", Consumed.with(Serdes.String(), Serdes.Long()));
        KStream<String, Long> r =
            c.num("self") == 1 ? l : builder.stream("r", Consumed.with(Serdes.String(), Serdes.Long()));
        if (c.num("rekey") == 1) {
          boolean self = c.num("self") == 1;
          l = l.selectKey((k, v) -> k);
          r = self ? l : r.selectKey((k, v) -> k);
        }
        // A negative before or after is set after a time difference that is not negative.
        long diff = Math.max(c.num("before"), c.num("after"));
        JoinWindows w = JoinWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(diff),
                                                             Duration.ofMillis(c.num("grace")))
                            .before(Duration.ofMillis(c.num("before")))
                            .after(Duration.ofMillis(c.num("after")));
        StreamJoined<String, Long, Long> sj =
            StreamJoined.with(Serdes.String(), Serdes.Long(), Serdes.Long());
        KStream<String, String> joined = switch (c.get("join")) {
          case "inner" -> l.join(r, JOINER, w, sj);
          case "left" -> l.leftJoin(r, JOINER, w, sj);
          default -> l.outerJoin(r, JOINER, w, sj);
        };
        joined.to("out", Produced.with(Serdes.String(), Serdes.String()));
      }
      case "table-filter", "table-groupby", "fk-join", "versioned-table", "stream-versioned-table" ->
          tables(builder, c);
      default -> throw new IllegalArgumentException("unknown kind " + c.get("kind"));
    }
  }

  // The table kinds (issue 18: group_by, foreign-key joins, versioned tables, old values).
  static void tables(StreamsBuilder builder, Case c) {
    switch (c.get("kind")) {
      case "table-filter" -> tableFilter(builder, c);
      case "table-groupby" -> {
        KTable<String, Long> t = builder.table("t", Consumed.with(Serdes.String(), Serdes.Long()));
        long groups = c.num("groups");
        KGroupedTable<String, Long> grouped = t.groupBy(
            (k, v) -> KeyValue.pair(v % 7 == 0 ? null : "g" + (v % groups), v),
            Grouped.with(Serdes.String(), Serdes.Long()));
        KTable<String, String> result = switch (c.get("op")) {
          case "count" -> grouped.count().mapValues(v -> String.valueOf(v));
          case "reduce" -> grouped.reduce((a, b) -> a + b, (a, b) -> a - b)
                               .mapValues(v -> String.valueOf(v));
          default -> grouped.aggregate(() -> "", (k, v, agg) -> agg + "+" + v,
                                       (k, v, agg) -> agg + "-" + v,
                                       Materialized.with(Serdes.String(), Serdes.String()));
        };
        result.toStream().to("out", Produced.with(Serdes.String(), Serdes.String()));
      }
      case "fk-join" -> {
        KTable<String, Long> l = builder.table("l", Consumed.with(Serdes.String(), Serdes.Long()));
        KTable<String, Long> r = builder.table("r", Consumed.with(Serdes.String(), Serdes.Long()));
        // The left value names the foreign row k<v % 4>; a multiple of 7 names none.
        java.util.function.Function<Long, String> fk = v -> v % 7 == 0 ? null : "k" + (v % 4);
        KTable<String, String> joined =
            c.get("join").equals("inner") ? l.join(r, fk, JOINER) : l.leftJoin(r, fk, JOINER);
        joined.toStream().to("out", Produced.with(Serdes.String(), Serdes.String()));
      }
      case "versioned-table" -> {
        KTable<String, Long> t = versionedTable(builder, "t", c.num("retention"));
        KTable<String, String> out = switch (c.get("op")) {
          case "stream" -> t.mapValues(v -> String.valueOf(v));
          case "filter" -> t.filter((k, v) -> v % 3 != 0).mapValues(v -> String.valueOf(v));
          case "join" -> {
            KTable<String, Long> t2 = builder.table("t2", Consumed.with(Serdes.String(), Serdes.Long()));
            yield switch (c.get("join")) {
              case "inner" -> t.join(t2, JOINER);
              case "left" -> t.leftJoin(t2, JOINER);
              default -> t.outerJoin(t2, JOINER);
            };
          }
          default -> t.groupBy((k, v) -> KeyValue.pair("g" + (v % 3), v),
                               Grouped.with(Serdes.String(), Serdes.Long()))
                         .count()
                         .mapValues(v -> String.valueOf(v));
        };
        out.toStream().to("out", Produced.with(Serdes.String(), Serdes.String()));
      }
      case "stream-versioned-table" -> {
        KStream<String, Long> s = builder.stream("s", Consumed.with(Serdes.String(), Serdes.Long()));
        KTable<String, Long> t = versionedTable(builder, "t", c.num("retention"));
        Joined<String, Long, Long> joined = Joined.with(Serdes.String(), Serdes.Long(), Serdes.Long());
        if (!c.get("grace").equals("none")) {
          joined = joined.withGracePeriod(Duration.ofMillis(Long.parseLong(c.get("grace"))));
        }
        KStream<String, String> out =
            c.get("join").equals("inner") ? s.join(t, JOINER, joined) : s.leftJoin(t, JOINER, joined);
        out.to("out", Produced.with(Serdes.String(), Serdes.String()));
      }
      default -> throw new IllegalArgumentException("unknown kind " + c.get("kind"));
    }
  }

  static KTable<String, Long> versionedTable(StreamsBuilder builder, String topic, long retention) {
    return builder.table(topic, Consumed.with(Serdes.String(), Serdes.Long()),
                         Materialized.<String, Long>as(Stores.persistentVersionedKeyValueStore(
                             topic + "-store", Duration.ofMillis(retention))));
  }

  // A table filter whose deletes depend on the old-value flags of what it reads.
  static void tableFilter(StreamsBuilder builder, Case c) {
    Consumed<String, Long> consumed = Consumed.with(Serdes.String(), Serdes.Long());
    KTable<String, Long> source = switch (c.get("source")) {
      case "named" -> builder.table("t", consumed,
                                    Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as("t-store"));
      case "count" -> builder.stream("in", consumed).groupByKey().count();
      default -> builder.table("t", consumed);
    };
    if (c.get("source").equals("join-first")) {
      builder.stream("s", consumed).join(source, JOINER)
          .to("side", Produced.with(Serdes.String(), Serdes.String()));
    }
    if (c.get("source").equals("map")) {
      source = source.mapValues(v -> v + 1, Materialized.with(Serdes.String(), Serdes.Long()));
    }
    source.filter((k, v) -> v % 3 != 0)
        .toStream()
        .mapValues(v -> v == null ? null : String.valueOf(v))
        .to("out", Produced.with(Serdes.String(), Serdes.String()));
  }

  static void window(StreamsBuilder builder, Case c) {
    KGroupedStream<String, Long> grouped =
        builder.stream("in", Consumed.with(Serdes.String(), Serdes.Long())).groupByKey();
    String op = c.get("op");
    String emitMode = c.get("emit");
    EmitStrategy emit =
        emitMode.equals("close") ? EmitStrategy.onWindowClose() : EmitStrategy.onWindowUpdate();
    Duration grace = Duration.ofMillis(c.num("grace"));
    switch (c.get("window")) {
      case "time" -> {
        TimeWindows w = TimeWindows.ofSizeAndGrace(Duration.ofMillis(c.num("size")), grace);
        if (c.has("advance")) w = w.advanceBy(Duration.ofMillis(c.num("advance")));
        TimeWindowedKStream<String, Long> windowed = grouped.windowedBy(w).emitStrategy(emit);
        switch (op) {
          case "count" -> finish(windowed.count(), emitMode);
          case "reduce" -> finish(windowed.reduce(Long::sum), emitMode);
          default -> finish(windowed.aggregate(() -> "", (k, v, agg) -> agg + "+" + v,
                                               Materialized.with(Serdes.String(), Serdes.String())),
                            emitMode);
        }
      }
      case "sliding" -> {
        SlidingWindows w = SlidingWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(c.num("diff")), grace);
        TimeWindowedKStream<String, Long> windowed = grouped.windowedBy(w).emitStrategy(emit);
        switch (op) {
          case "count" -> finish(windowed.count(), emitMode);
          case "reduce" -> finish(windowed.reduce(Long::sum), emitMode);
          default -> finish(windowed.aggregate(() -> "", (k, v, agg) -> agg + "+" + v,
                                               Materialized.with(Serdes.String(), Serdes.String())),
                            emitMode);
        }
      }
      case "session" -> {
        SessionWindows w = SessionWindows.ofInactivityGapAndGrace(Duration.ofMillis(c.num("gap")), grace);
        SessionWindowedKStream<String, Long> windowed = grouped.windowedBy(w).emitStrategy(emit);
        switch (op) {
          case "count" -> finish(windowed.count(), emitMode);
          case "reduce" -> finish(windowed.reduce(Long::sum), emitMode);
          default -> finish(windowed.aggregate(() -> "", (k, v, agg) -> agg + "+" + v,
                                               (k, a, b) -> a + "|" + b,
                                               Materialized.with(Serdes.String(), Serdes.String())),
                            emitMode);
        }
      }
      default -> throw new IllegalArgumentException("unknown window " + c.get("window"));
    }
  }

  static <V> void finish(KTable<Windowed<String>, V> table, String emitMode) {
    if (emitMode.equals("final")) {
      table = table.suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()));
    }
    table.toStream()
        .map((k, v) -> KeyValue.pair(k.key() + " " + k.window().start() + " " + k.window().end(),
                                     v == null ? "null" : String.valueOf(v)))
        .to("out", Produced.with(Serdes.String(), Serdes.String()));
  }

  static String run(Case c) throws Exception {
    int partitions = (int) Math.max(1, c.num("partitions"));
    StringBuilder out = new StringBuilder();
    long dropped = 0;
    for (int p = 0; p < partitions; ++p) {
      StreamsBuilder builder = new StreamsBuilder();
      build(builder, c);
      Properties props = new Properties();
      props.put(StreamsConfig.APPLICATION_ID_CONFIG, "differential");
      props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
      // cache=1: Kafka Streams' default 10 MiB record cache (its driver commits, and so
      // flushes the caches, after every input record).
      props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, c.has("cache") ? 10L << 20 : 0L);
      props.put(StreamsConfig.STATE_DIR_CONFIG, STATE_DIR.toString());
      // onWindowClose and the outer stream-stream join throttle their emission to once a
      // wall-clock second by default; the driver's wall clock stands still, so emit on
      // every stream-time advance (as Eddy does).
      props.put(StreamsConfig.InternalConfig.EMIT_INTERVAL_MS_KSTREAMS_WINDOWED_AGGREGATION, 0L);
      props.put(StreamsConfig.InternalConfig.EMIT_INTERVAL_MS_KSTREAMS_OUTER_JOIN_SPURIOUS_RESULTS_FIX, 0L);
      try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
        Map<String, TestInputTopic<String, Long>> inputs = new LinkedHashMap<>();
        TestOutputTopic<String, String> results =
            driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());
        for (Row r : c.rows()) {
          if (partitions > 1 && r.partition() != null && r.partition() != p) continue;
          TestInputTopic<String, Long> in = inputs.computeIfAbsent(
              r.topic(), t -> driver.createInputTopic(t, new StringSerializer(), new LongSerializer()));
          in.pipeInput(new TestRecord<>(r.key(), r.value(), null, r.timestamp()));
        }
        for (TestRecord<String, String> r : results.readRecordsToList()) {
          out.append(r.key() == null ? "~" : r.key()).append(' ')
              .append(r.value() == null ? "~" : r.value()).append(' ')
              .append(r.timestamp()).append('\n');
        }
        for (var e : driver.metrics().entrySet()) {
          if (e.getKey().name().equals("dropped-records-total")
              && e.getKey().group().equals("stream-task-metrics")) {
            dropped += (long) ((Number) e.getValue().metricValue()).doubleValue();
          }
        }
      }
    }
    out.append("dropped ").append(dropped).append('\n');
    return out.toString();
  }
}
