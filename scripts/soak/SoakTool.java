// The soak's view from outside, with Kafka's own Java clients (run by scripts/soak.sh through
// `scripts/kafka.sh java scripts/soak/SoakTool.java ...`, one JVM per use):
//   lag <bootstrap> <group> <topic> <file> <period ms>
//       every period: the group's committed offsets against the topic's end offsets; writes
//       "<epoch ms>,<total lag>,<end offsets summed>" over <file> (atomically) and runs until
//       killed. A partition the group never committed counts from its start offset.
//   dump <bootstrap> <topic> <isolation>
//       every record of the topic (read_uncommitted or read_committed) as
//       "<partition>\t<offset>\t<timestamp>\t<key>\t<value>" lines, then exits.
//   produce <bootstrap> <topic>
//       sends each stdin line "<key>\t<value>" (idempotent, acks=all) and exits.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class SoakTool {
  public static void main(String[] args) throws Exception {
    switch (args.length > 0 ? args[0] : "") {
      case "lag" -> lag(args[1], args[2], args[3], Path.of(args[4]), Long.parseLong(args[5]));
      case "dump" -> dump(args[1], args[2], args[3]);
      case "produce" -> produce(args[1], args[2]);
      default -> {
        System.err.println("usage: SoakTool lag|dump|produce ... (see the file's header)");
        System.exit(2);
      }
    }
  }

  static void lag(String bootstrap, String group, String topic, Path file, long periodMs)
      throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
    try (Admin admin = Admin.create(props)) {
      while (true) {
        long started = System.currentTimeMillis();
        try {
          int partitions =
              admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
          Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
          Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
          for (int p = 0; p < partitions; ++p) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            earliest.put(new TopicPartition(topic, p), OffsetSpec.earliest());
          }
          var ends = admin.listOffsets(latest).all().get();
          var starts = admin.listOffsets(earliest).all().get();
          Map<TopicPartition, OffsetAndMetadata> committed =
              admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
          long total = 0;
          long endSum = 0;
          for (var e : ends.entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            long from = c != null ? c.offset() : starts.get(e.getKey()).offset();
            total += Math.max(0, e.getValue().offset() - from);
            endSum += e.getValue().offset();
          }
          Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
          Files.writeString(tmp, started + "," + total + "," + endSum + "\n");
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (Exception e) {  // a broker or coordinator away: keep the last figure, retry
          System.err.println("lag: " + e);
        }
        Thread.sleep(Math.max(0, periodMs - (System.currentTimeMillis() - started)));
      }
    }
  }

  static void dump(String bootstrap, String topic, String isolation) throws Exception {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      consumer.partitionsFor(topic).forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      // read_committed: the end is the last stable offset, which position() reaches.
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      var out = new java.io.PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false,
          StandardCharsets.UTF_8);
      while (true) {
        boolean done = true;
        for (TopicPartition tp : partitions) done &= consumer.position(tp) >= ends.get(tp);
        if (done) break;
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
          out.print(r.partition() + "\t" + r.offset() + "\t" + r.timestamp() + "\t" + r.key() + "\t"
              + r.value() + "\n");
        }
      }
      out.flush();
    }
  }

  static void produce(String bootstrap, String topic) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    try (KafkaProducer<String, String> producer =
            new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
        BufferedReader in =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        int tab = line.indexOf('\t');
        producer.send(new ProducerRecord<>(topic, line.substring(0, tab), line.substring(tab + 1)));
      }
      producer.flush();
    }
  }
}
