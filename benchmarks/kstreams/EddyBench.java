// Kafka Streams peer for Eddy's end-to-end benchmarks (scripts/bench.sh compiles it with javac
// against `scripts/kafka.sh classpath`; nothing is compiled at run time).
//
//   java -cp build/bench/kstreams:<kafka classpath> EddyBench --workload W2 \
//        --bootstrap localhost:9092 --input in --output out --app-id id --state-dir dir \
//        --records 1000000
//
// Workloads (same semantics as the Eddy topologies and benchmarks/e2e/bench_common.h):
//   W1     stateless: filter (drop page_view of category "books", on the JSON string)
//          + mapValues (append ,"w1":true before the closing brace) + to
//   W2     tumbling 1 s count per key, caching on, at-least-once, commit.interval default
//   W2-nc  W2 with caching off (statestore.cache.max.bytes=0) and commit.interval.ms=100
//   W3     hopping 1 s / advance 500 ms count per key
//   W7     the W1 topology; the harness feeds the input live at a fixed rate (latency)
//   W8     W2 under exactly_once_v2
//   W4     tumbling 60 s count per key (the harness feeds it 10 M keys; default cache)
//   W6     groupByKey + count into the key-value store "eddybench-w6" (caching on), whose
//          changelog the harness pre-loaded: restores it, processes --records input records,
//          closes; started again on the same state dir it finds a valid checkpoint. Adds the
//          restore figures (a global StateRestoreListener: first start -> last end) and
//          first_record_s (main() -> first input record processed; JVM start-up not counted).
//   W9     session scoring, the topology of examples/session_scoring: retail events (JSON, as
//          eddy-bench-load produce --shape retail writes them) -> groupByKey -> session windows
//          (gap --w9-gap-ms, grace --w9-grace-ms) -> aggregate SessionFeatures (Features below:
//          the same counts and sums as examples/session_scoring/session_features.cc, merged the
//          same way) -> suppress(untilWindowCloses, unbounded) -> key customer_id, value the
//          published JSON (every feature, money rounded to cents, window_start, window_end,
//          score rounded to 4 decimals) -> the output topic. The session store's values are
//          JSON too, as Eddy's. Event time: the record timestamp, which the loader sets to the
//          event's "ts" (Eddy reads "ts"; they are equal). Record cache: the default (10 MB).
//   W9-nc  W9 with caching off (statestore.cache.max.bytes=0): every update reaches the session
//          store and the suppress buffer.
// Windowed counts go out as key "<customer>@<window start ms>", value "<count>" (strings).
// Timestamps are the record timestamps (set by the loader).
//
// The app stops itself once the stream thread has processed --records input records (a peek
// right after the source bumps a counter; main polls it every 20 ms), then close() flushes
// and commits. It prints one JSON line last on stdout; the harness measures CPU and RSS of
// the process from the OS, the JSON adds the processing-window figures.
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.StateRestoreListener;

public final class EddyBench {
  static final String W1_DROP_TYPE = "\"type\":\"page_view\"";
  static final String W1_DROP_CATEGORY = "\"category\":\"books\"";
  static final String W1_SUFFIX = ",\"w1\":true}";

  // Written by the single stream thread only; published through a volatile every 1024 records.
  static long processed = 0;
  static volatile long processedPublished = 0;
  static volatile long firstNanos = 0;
  static volatile long firstCpuNanos = 0;
  static long target = 0;

  // W6: restore figures from the global restore listener (called on the restore thread).
  static final Object restoreLock = new Object();
  static int restoreStarts = 0;
  static int restoreEnds = 0;
  static long restoredRecords = 0;
  static long restoreFirstNanos = 0;
  static long restoreFirstCpuNanos = 0;
  static long restoreLastNanos = 0;
  static long restoreLastCpuNanos = 0;

  static boolean restoresDone() {
    synchronized (restoreLock) {
      return restoreEnds == restoreStarts;
    }
  }

  static boolean w1Keep(String v) {
    return !(v.contains(W1_DROP_CATEGORY) && v.contains(W1_DROP_TYPE));
  }

  static String w1Map(String v) {
    if (!v.isEmpty() && v.charAt(v.length() - 1) == '}') {
      return v.substring(0, v.length() - 1) + W1_SUFFIX;
    }
    return v;
  }

  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  static void onRecord() {
    long c = ++processed;
    if (c == 1) {
      firstNanos = System.nanoTime();
      firstCpuNanos = processCpuNanos();
    }
    if ((c & 1023) == 0 || c >= target) processedPublished = c;
  }

  static long maxRssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (Exception e) {
      // not Linux: leave it to the harness
    }
    return -1;
  }

  static void usage(String error) {
    if (error != null) System.err.println("EddyBench: error: " + error);
    System.err.println(
        "Usage: EddyBench --workload W1|W2|W2-nc|W3|W4|W6|W7|W8|W9|W9-nc --input T --output T"
            + " --records N\n"
            + "                 [--bootstrap localhost:9092] [--app-id ID] [--state-dir DIR]\n"
            + "                 [--timeout-s 600] [--w9-gap-ms 30000] [--w9-grace-ms 0]\n"
            + "                 [--prop key=value ...]");
    System.exit(error == null ? 0 : 64);
  }

  public static void main(String[] args) throws Exception {
    final long tStart = System.nanoTime();
    Map<String, String> opt = new HashMap<>();
    opt.put("--bootstrap", "localhost:9092");
    opt.put("--timeout-s", "600");
    opt.put("--w9-gap-ms", "30000");
    opt.put("--w9-grace-ms", "0");
    Properties extra = new Properties();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-h") || a.equals("--help")) usage(null);
      if (i + 1 >= args.length) usage("missing value for " + a);
      String v = args[++i];
      if (a.equals("--prop")) {
        int eq = v.indexOf('=');
        if (eq < 0) usage("--prop wants key=value");
        extra.put(v.substring(0, eq), v.substring(eq + 1));
      } else {
        opt.put(a, v);
      }
    }
    for (String req : new String[] {"--workload", "--input", "--output", "--records"}) {
      if (!opt.containsKey(req)) usage(req + " is required");
    }
    final String workload = opt.get("--workload");
    final String input = opt.get("--input");
    final String output = opt.get("--output");
    target = Long.parseLong(opt.get("--records"));
    final String appId = opt.getOrDefault("--app-id", "eddybench-" + workload + "-" + tStart);
    final double timeoutS = Double.parseDouble(opt.get("--timeout-s"));

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, opt.get("--bootstrap"));
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    props.put(StreamsConfig.STATE_DIR_CONFIG,
        opt.getOrDefault("--state-dir", "build/bench/state/" + appId));
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    // Only silences a 4.x start-up warning; this topology has no global state.
    props.put("processing.exception.handler.global.enabled", "true");

    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, String> source =
        builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()));
    KStream<String, String> counted = source.peek((k, v) -> onRecord());
    Duration size = Duration.ofSeconds(1);
    switch (workload) {
      case "W1":
      case "W7": // W1 fed live at a fixed rate (latency)
        counted
            .filter((k, v) -> v != null && w1Keep(v))
            .mapValues(EddyBench::w1Map)
            .to(output, Produced.with(Serdes.String(), Serdes.String()));
        break;
      case "W2-nc":
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        windowedCount(counted, TimeWindows.ofSizeWithNoGrace(size), output);
        break;
      case "W8":
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        windowedCount(counted, TimeWindows.ofSizeWithNoGrace(size), output);
        break;
      case "W2":
        windowedCount(counted, TimeWindows.ofSizeWithNoGrace(size), output);
        break;
      case "W4":
        windowedCount(counted, TimeWindows.ofSizeWithNoGrace(Duration.ofSeconds(60)), output);
        break;
      case "W6":
        counted
            .groupByKey()
            .count(Materialized.as("eddybench-w6"))
            .toStream()
            .mapValues(count -> String.valueOf(count))
            .to(output, Produced.with(Serdes.String(), Serdes.String()));
        break;
      case "W9-nc":
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        // fall through: W9 with the cache off
      case "W9":
        sessionScoring(
            counted,
            Duration.ofMillis(Long.parseLong(opt.get("--w9-gap-ms"))),
            Duration.ofMillis(Long.parseLong(opt.get("--w9-grace-ms"))),
            output);
        break;
      case "W3":
        windowedCount(
            counted, TimeWindows.ofSizeWithNoGrace(size).advanceBy(Duration.ofMillis(500)), output);
        break;
      default:
        usage("unknown workload " + workload);
    }
    props.putAll(extra);

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    final boolean w6 = workload.equals("W6");
    if (w6) {
      streams.setGlobalStateRestoreListener(
          new StateRestoreListener() {
            @Override
            public void onRestoreStart(TopicPartition tp, String store, long start, long end) {
              synchronized (restoreLock) {
                if (restoreStarts++ == 0) {
                  restoreFirstNanos = System.nanoTime();
                  restoreFirstCpuNanos = processCpuNanos();
                }
              }
            }

            @Override
            public void onBatchRestored(TopicPartition tp, String store, long end, long n) {}

            @Override
            public void onRestoreEnd(TopicPartition tp, String store, long total) {
              synchronized (restoreLock) {
                ++restoreEnds;
                restoredRecords += total;
                restoreLastNanos = System.nanoTime();
                restoreLastCpuNanos = processCpuNanos();
              }
            }
          });
    }
    final int[] exitCode = {0};
    streams.setUncaughtExceptionHandler(
        e -> {
          System.err.println("EddyBench: stream thread failed: " + e);
          exitCode[0] = 1;
          return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    streams.start();

    final long deadline = tStart + (long) (timeoutS * 1e9);
    long nextProgress = System.nanoTime() + 5_000_000_000L;
    while (processedPublished < target || (w6 && !restoresDone())) {
      Thread.sleep(20);
      KafkaStreams.State state = streams.state();
      if (state == KafkaStreams.State.ERROR
          || state == KafkaStreams.State.NOT_RUNNING
          || state == KafkaStreams.State.PENDING_ERROR
          || exitCode[0] != 0) {
        System.err.println("EddyBench: streams stopped early in state " + state);
        streams.close(Duration.ofSeconds(30));
        System.exit(1);
      }
      long now = System.nanoTime();
      if (now > deadline) {
        System.err.printf(
            "EddyBench: timeout after %.0f s with %d/%d records%n",
            timeoutS, processedPublished, target);
        streams.close(Duration.ofSeconds(30));
        System.exit(2);
      }
      if (now > nextProgress) {
        System.err.printf("EddyBench: %s %d/%d records%n", workload, processedPublished, target);
        nextProgress = now + 5_000_000_000L;
      }
    }
    // close() flushes caches and the producer and commits (a transaction commit under EOS).
    boolean closed = streams.close(Duration.ofSeconds(60));
    final long tDone = System.nanoTime();
    final long cpuDone = processCpuNanos();
    if (!closed) System.err.println("EddyBench: close() timed out");

    double wall = (tDone - tStart) / 1e9;
    double cpu = cpuDone / 1e9;
    double procWall = (tDone - firstNanos) / 1e9;
    double procCpu = (cpuDone - firstCpuNanos) / 1e9;
    long records = processedPublished;
    System.out.println(
        String.format(
            Locale.ROOT,
            "{\"runner\":\"kstreams\",\"workload\":\"%s\",\"records\":%d,\"wall_s\":%.3f,"
                + "\"cpu_s\":%.3f,\"max_rss_kb\":%d,\"records_per_cpu_s\":%.0f,"
                + "\"proc_wall_s\":%.3f,\"proc_cpu_s\":%.3f,\"proc_records_per_cpu_s\":%.0f,"
                + "\"closed_cleanly\":%b%s}",
            workload, records, wall, cpu, maxRssKb(), records / Math.max(cpu, 1e-9), procWall,
            procCpu, records / Math.max(procCpu, 1e-9), closed, w6 ? restoreFields(tStart) : ""));
    System.out.flush();
    System.exit(closed ? exitCode[0] : 3);
  }

  static String restoreFields(long tStart) {
    synchronized (restoreLock) {
      double wall = (restoreLastNanos - restoreFirstNanos) / 1e9;
      double cpu = (restoreLastCpuNanos - restoreFirstCpuNanos) / 1e9;
      return String.format(
          Locale.ROOT,
          ",\"restore_tasks\":%d,\"restore_records\":%d,\"restore_wall_s\":%.3f,"
              + "\"restore_cpu_s\":%.3f,\"restore_records_per_s\":%.0f,"
              + "\"restore_records_per_cpu_s\":%.0f,\"restore_done_s\":%.3f,"
              + "\"first_record_s\":%.3f",
          restoreEnds, restoredRecords, wall, cpu, restoredRecords / Math.max(wall, 1e-9),
          restoredRecords / Math.max(cpu, 1e-9),
          restoreEnds > 0 ? (restoreLastNanos - tStart) / 1e9 : 0.0,
          (firstNanos - tStart) / 1e9);
    }
  }

  static void windowedCount(KStream<String, String> stream, TimeWindows windows, String output) {
    stream
        .groupByKey()
        .windowedBy(windows)
        .count(Materialized.as("eddybench-counts"))
        .toStream()
        .map((wk, count) -> KeyValue.pair(wk.key() + "@" + wk.window().start(), count.toString()))
        .to(output, Produced.with(Serdes.String(), Serdes.String()));
  }

  // ---- W9: session scoring -------------------------------------------------------------------

  // One retail event, as far as the session features need it (the fields a strict reader of
  // docs/retail-events.md checks are parsed too, as Eddy's RetailEvent serde does).
  static final class Event {
    String type = "";
    String customerId = "";
    double price = 0;
    long quantity = 1;
    long ts = 0;

    double amount() {
      return price * (double) quantity;
    }
  }

  // SessionFeatures of examples/session_scoring/session_features.{h,cc}: the same counts, sums
  // and merge, the same published JSON.
  static final class Features {
    long views, adds, removes, checkouts, failures, purchases;
    double cartValue, revenue;

    Features add(Event e) {
      Features n = copy();
      switch (e.type) {
        case "page_view" -> ++n.views;
        case "add_to_cart" -> {
          ++n.adds;
          n.cartValue += e.amount();
        }
        case "remove_from_cart" -> {
          ++n.removes;
          n.cartValue -= e.amount();
        }
        case "checkout_started" -> ++n.checkouts;
        case "checkout_failed" -> ++n.failures;
        case "purchase" -> {
          ++n.purchases;
          n.revenue += e.amount();
        }
        default -> {} // offer_exposure: no session feature
      }
      return n;
    }

    static Features merge(Features a, Features b) {
      Features n = new Features();
      n.views = a.views + b.views;
      n.adds = a.adds + b.adds;
      n.removes = a.removes + b.removes;
      n.checkouts = a.checkouts + b.checkouts;
      n.failures = a.failures + b.failures;
      n.purchases = a.purchases + b.purchases;
      n.cartValue = a.cartValue + b.cartValue;
      n.revenue = a.revenue + b.revenue;
      return n;
    }

    Features copy() {
      return merge(this, new Features());
    }

    // C++'s std::round (half away from zero), then + 0.0 so -0.0 reads 0.0.
    static double roundTo(double v, double scale) {
      double r = Math.signum(v) * Math.floor(Math.abs(v) * scale + 0.5);
      return r / scale + 0.0;
    }

    double score() {
      double z =
          0.05 * views + 0.40 * adds - 0.20 * removes + 1.00 * checkouts - 0.50 * failures - 2.0;
      return roundTo(1.0 / (1.0 + Math.exp(-z)), 1e4);
    }

    // The store's form: every field, unrounded (Double.toString round-trips exactly).
    String toStoreJson() {
      return "{\"views\":" + views + ",\"adds\":" + adds + ",\"removes\":" + removes
          + ",\"checkouts\":" + checkouts + ",\"failures\":" + failures
          + ",\"purchases\":" + purchases + ",\"cart_value\":" + cartValue
          + ",\"revenue\":" + revenue + "}";
    }

    // The published form (ClosedSession's JSON).
    String toJson(long windowStart, long windowEnd) {
      return "{\"views\":" + views + ",\"adds\":" + adds + ",\"removes\":" + removes
          + ",\"checkouts\":" + checkouts + ",\"failures\":" + failures
          + ",\"purchases\":" + purchases + ",\"cart_value\":" + roundTo(cartValue, 100)
          + ",\"revenue\":" + roundTo(revenue, 100) + ",\"window_start\":" + windowStart
          + ",\"window_end\":" + windowEnd + ",\"score\":" + score() + "}";
    }

    static Features fromStoreJson(String json) {
      Features f = new Features();
      new FlatJson(json).parse((name, text, isString) -> {
        switch (name) {
          case "views" -> f.views = Long.parseLong(text);
          case "adds" -> f.adds = Long.parseLong(text);
          case "removes" -> f.removes = Long.parseLong(text);
          case "checkouts" -> f.checkouts = Long.parseLong(text);
          case "failures" -> f.failures = Long.parseLong(text);
          case "purchases" -> f.purchases = Long.parseLong(text);
          case "cart_value" -> f.cartValue = Double.parseDouble(text);
          case "revenue" -> f.revenue = Double.parseDouble(text);
          default -> {}
        }
      });
      return f;
    }
  }

  // A reader of flat JSON objects (string, number, true/false/null values; no nesting), which
  // is all the retail events and the store values are. No JSON library is on Kafka Streams'
  // classpath; this keeps the peer dependency-free. Malformed input throws.
  static final class FlatJson {
    interface Field {
      void accept(String name, String text, boolean isString);
    }

    private final String s;
    private int i = 0;

    FlatJson(String s) {
      this.s = s;
    }

    void parse(Field field) {
      ws();
      expect('{');
      ws();
      if (peek() == '}') return;
      while (true) {
        ws();
        String name = string();
        ws();
        expect(':');
        ws();
        if (peek() == '"') {
          field.accept(name, string(), true);
        } else {
          int start = i;
          while (i < s.length() && ",} \t\r\n".indexOf(s.charAt(i)) < 0) i++;
          if (start == i) throw new IllegalArgumentException("json: value expected at " + i);
          field.accept(name, s.substring(start, i), false);
        }
        ws();
        char c = next();
        if (c == '}') return;
        if (c != ',') throw new IllegalArgumentException("json: ',' or '}' expected at " + i);
      }
    }

    private String string() {
      expect('"');
      StringBuilder b = null;
      int start = i;
      while (true) {
        char c = next();
        if (c == '"') return b == null ? s.substring(start, i - 1) : b.toString();
        if (c == '\\') {
          if (b == null) b = new StringBuilder(s.substring(start, i - 1));
          char e = next();
          switch (e) {
            case 'n' -> b.append('\n');
            case 't' -> b.append('\t');
            case 'r' -> b.append('\r');
            case 'b' -> b.append('\b');
            case 'f' -> b.append('\f');
            case 'u' -> {
              b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
              i += 4;
            }
            default -> b.append(e);
          }
        } else if (b != null) {
          b.append(c);
        }
      }
    }

    private void ws() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
    }

    private char peek() {
      if (i >= s.length()) throw new IllegalArgumentException("json: unexpected end");
      return s.charAt(i);
    }

    private char next() {
      char c = peek();
      i++;
      return c;
    }

    private void expect(char c) {
      if (next() != c) throw new IllegalArgumentException("json: '" + c + "' expected at " + i);
    }
  }

  static Event parseEvent(String json) {
    Event e = new Event();
    boolean[] seen = new boolean[3];
    new FlatJson(json).parse((name, text, isString) -> {
      switch (name) {
        case "type" -> {
          e.type = text;
          seen[0] = true;
        }
        case "customer_id" -> {
          e.customerId = text;
          seen[1] = true;
        }
        case "ts" -> {
          e.ts = Long.parseLong(text);
          seen[2] = true;
        }
        case "price" -> e.price = Double.parseDouble(text);
        case "quantity" -> e.quantity = Long.parseLong(text);
        default -> {} // event_id, sku, category, offer_id: not features
      }
    });
    if (!seen[0] || !seen[1] || !seen[2]) {
      throw new IllegalArgumentException("retail event without type, customer_id or ts");
    }
    return e;
  }

  static final class FeaturesSerde implements Serde<Features> {
    @Override
    public Serializer<Features> serializer() {
      return (topic, f) -> f == null ? null : f.toStoreJson().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Deserializer<Features> deserializer() {
      return (topic, bytes) ->
          bytes == null ? null : Features.fromStoreJson(new String(bytes, StandardCharsets.UTF_8));
    }
  }

  static void sessionScoring(
      KStream<String, String> events, Duration gap, Duration grace, String output) {
    events
        .mapValues(EddyBench::parseEvent, Named.as("parse-events"))
        .groupByKey(Grouped.with(Serdes.String(), null))
        .windowedBy(SessionWindows.ofInactivityGapAndGrace(gap, grace))
        .aggregate(
            Features::new,
            (customer, event, features) -> features.add(event),
            (customer, a, b) -> Features.merge(a, b),
            Named.as("score-sessions"),
            Materialized.<String, Features, org.apache.kafka.streams.state.SessionStore<
                        org.apache.kafka.common.utils.Bytes, byte[]>>as("session-features")
                .withKeySerde(Serdes.String())
                .withValueSerde(new FeaturesSerde()))
        .suppress(
            Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded())
                .withName("closed-sessions"))
        .toStream(Named.as("closed-session-results"))
        .filter((session, features) -> features != null)
        .map(
            (session, features) ->
                KeyValue.pair(
                    session.key(),
                    features.toJson(session.window().start(), session.window().end())))
        .to(output, Produced.with(Serdes.String(), Serdes.String()));
  }
}
