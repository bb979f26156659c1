// Produces keys key-0 .. key-(count-1) (value = key) with the Java
// KafkaProducer's default (built-in, murmur2) partitioner to an existing topic,
// so that Eddy's C++ partitioner can be checked against Java's choice.
//
// Run without a build tool (single-file source launch, Java 17+):
//   java -cp "$(scripts/kafka.sh classpath)" tests/java/MurmurParity.java \
//        <bootstrap> <topic> <count>
// or: scripts/kafka.sh java tests/java/MurmurParity.java <bootstrap> <topic> <count>
//
// stdout: one "<key> <partition>" line per record, in key order, as acknowledged
//         by the broker (the C++ test can use it directly or consume the topic).
// stderr: a one-line summary.
// Exit:   0 ok; 1 send failure or a partition differing from
//         toPositive(murmur2(key)) % partitions; 2 bad usage / topic missing.

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;

public final class MurmurParity {
  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: MurmurParity <bootstrap> <topic> <count>");
      System.exit(2);
    }
    final String bootstrap = args[0];
    final String topic = args[1];
    final int count;
    try {
      count = Integer.parseInt(args[2]);
    } catch (NumberFormatException e) {
      System.err.println("MurmurParity: count must be an integer, got '" + args[2] + "'");
      System.exit(2);
      return;
    }

    // The broker auto-creates topics; refuse to let the producer do that
    // silently (a 1-partition topic would make the comparison meaningless).
    final int partitions;
    Properties adminProps = new Properties();
    adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(adminProps)) {
      TopicDescription d =
          admin.describeTopics(Set.of(topic)).allTopicNames().get().get(topic);
      partitions = d.partitions().size();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        System.err.println("MurmurParity: topic '" + topic + "' does not exist");
        System.exit(2);
      }
      throw e;
    }

    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    // No partitioner.class: the built-in default partitioner (murmur2 on keys).

    List<Future<RecordMetadata>> acks = new ArrayList<>(count);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      for (int i = 0; i < count; i++) {
        String key = "key-" + i;
        acks.add(producer.send(new ProducerRecord<>(topic, key, key)));
      }
      producer.flush();
    }

    int mismatches = 0;
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < count; i++) {
      String key = "key-" + i;
      int actual = acks.get(i).get().partition();
      int expected =
          Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
      if (actual != expected) {
        mismatches++;
        System.err.println("MurmurParity: " + key + " went to partition " + actual
            + ", murmur2 says " + expected);
      }
      out.append(key).append(' ').append(actual).append('\n');
    }
    System.out.print(out);
    System.out.flush();
    System.err.println("MurmurParity: produced " + count + " records to " + topic + " ("
        + partitions + " partitions), " + mismatches + " murmur2 mismatches");
    System.exit(mismatches == 0 ? 0 : 1);
  }
}
