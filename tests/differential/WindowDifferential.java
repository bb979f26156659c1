// Runs each case file (tests/differential/cases/*.txt) through Kafka Streams' own
// TopologyTestDriver and writes <out-dir>/<case>.out in the format eddy-differential prints:
//   <key> <window start> <window end> <value|null> <timestamp>   (one line per output record)
//   late <dropped records>
// Case file: a header line of key=value pairs
//   window=time|sliding|session size= advance= grace= diff= gap= op=count|sum
//   [emit=final (suppress untilWindowCloses) | emit=close (EmitStrategy.onWindowClose())]
// then one input record per line: <key> <value> <timestamp>. '#' starts a comment line.
// Usage: scripts/kafka.sh java tests/differential/WindowDifferential.java <out-dir> <case>...
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.SlidingWindows;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.test.TestRecord;

public class WindowDifferential {
  public static void main(String[] args) throws Exception {
    Path outDir = Path.of(args[0]);
    for (int i = 1; i < args.length; ++i) {
      Path file = Path.of(args[i]);
      String name = file.getFileName().toString().replaceAll("\\.txt$", "");
      Files.writeString(outDir.resolve(name + ".out"), run(file));
    }
  }

  static long param(Map<String, String> h, String key) {
    return Long.parseLong(h.getOrDefault(key, "0"));
  }

  static String run(Path file) throws Exception {
    Map<String, String> h = new HashMap<>();
    List<String[]> rows = new ArrayList<>();
    boolean header = true;
    for (String raw : Files.readAllLines(file)) {
      String line = raw.trim();
      if (line.isEmpty() || line.startsWith("#")) continue;
      if (header) {
        for (String kv : line.split("\\s+")) {
          String[] p = kv.split("=", 2);
          h.put(p[0], p[1]);
        }
        header = false;
        continue;
      }
      rows.add(line.split("\\s+"));
    }
    StreamsBuilder builder = new StreamsBuilder();
    KGroupedStream<String, Long> grouped =
        builder.stream("in", Consumed.with(Serdes.String(), Serdes.Long())).groupByKey();
    boolean sum = "sum".equals(h.get("op"));
    EmitStrategy emit = "close".equals(h.get("emit")) ? EmitStrategy.onWindowClose()
                                                      : EmitStrategy.onWindowUpdate();
    Duration grace = Duration.ofMillis(param(h, "grace"));
    KTable<Windowed<String>, Long> table;
    switch (h.get("window")) {
      case "time": {
        TimeWindows w = TimeWindows.ofSizeAndGrace(Duration.ofMillis(param(h, "size")), grace);
        if (h.containsKey("advance")) w = w.advanceBy(Duration.ofMillis(param(h, "advance")));
        var windowed = grouped.windowedBy(w).emitStrategy(emit);
        table = sum ? windowed.reduce(Long::sum) : windowed.count();
        break;
      }
      case "sliding": {
        SlidingWindows w =
            SlidingWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(param(h, "diff")), grace);
        var windowed = grouped.windowedBy(w).emitStrategy(emit);
        table = sum ? windowed.reduce(Long::sum) : windowed.count();
        break;
      }
      case "session": {
        SessionWindows w =
            SessionWindows.ofInactivityGapAndGrace(Duration.ofMillis(param(h, "gap")), grace);
        var windowed = grouped.windowedBy(w).emitStrategy(emit);
        table = sum ? windowed.reduce(Long::sum) : windowed.count();
        break;
      }
      default:
        throw new IllegalArgumentException("unknown window kind in " + file);
    }
    if ("final".equals(h.get("emit"))) {
      table = table.suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()));
    }
    table.toStream()
        .map((k, v) -> KeyValue.pair(k.key() + " " + k.window().start() + " " + k.window().end(),
                                     v == null ? "null" : v.toString()))
        .to("out", Produced.with(Serdes.String(), Serdes.String()));

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "differential");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    // onWindowClose throttles its emission to once a wall-clock second by default; the test
    // driver's wall clock stands still, so emit on every stream-time advance (as Eddy does).
    props.put(StreamsConfig.InternalConfig.EMIT_INTERVAL_MS_KSTREAMS_WINDOWED_AGGREGATION, 0L);
    StringBuilder out = new StringBuilder();
    try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
      TestInputTopic<String, Long> in =
          driver.createInputTopic("in", new StringSerializer(), new LongSerializer());
      TestOutputTopic<String, String> results =
          driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());
      for (String[] r : rows) in.pipeInput(r[0], Long.parseLong(r[1]), Long.parseLong(r[2]));
      for (TestRecord<String, String> r : results.readRecordsToList()) {
        out.append(r.key()).append(' ').append(r.value()).append(' ').append(r.timestamp())
            .append('\n');
      }
      double late = 0;
      for (var e : driver.metrics().entrySet()) {
        if (e.getKey().name().equals("dropped-records-total")
            && e.getKey().group().equals("stream-task-metrics")) {
          late += ((Number) e.getValue().metricValue()).doubleValue();
        }
      }
      out.append("late ").append((long) late).append('\n');
    }
    return out.toString();
  }
}
