package dev.tributary.compat;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterConfigsOptions;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The admin calls behind kafka-configs.sh and kafka-log-dirs.sh (ConfigCommand lives in the
 * kafka_2.13 core jar, which compat/java leaves out), through the Java AdminClient, plus a
 * consumer seek that carries a leader epoch (the consumer validates it with OffsetForLeaderEpoch).
 * Prints one "KEY value..." line per observation for the test to assert on.
 *
 *   AdminScenarios configs --bootstrap-server H:P --topic T
 *   AdminScenarios log-dirs --bootstrap-server H:P --topic T
 *   AdminScenarios validate-position --bootstrap-server H:P --topic T --offset N
 */
public final class AdminScenarios {
  private AdminScenarios() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: AdminScenarios <configs|log-dirs|validate-position> --bootstrap-server H:P --topic T [--offset N]");
      System.exit(2);
    }
    Map<String, String> opts = new HashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    String bootstrap = opts.get("bootstrap-server");
    String topic = opts.get("topic");
    int rc = switch (args[0]) {
      case "configs" -> configs(bootstrap, topic);
      case "log-dirs" -> logDirs(bootstrap, topic);
      case "validate-position" -> validatePosition(bootstrap, topic, Long.parseLong(opts.getOrDefault("offset", "0")));
      default -> {
        System.err.println("unknown scenario " + args[0]);
        yield 2;
      }
    };
    System.exit(rc);
  }

  private static Admin admin(String bootstrap) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
    return Admin.create(p);
  }

  private static String describe(Admin admin, ConfigResource r, String name) throws Exception {
    Config c = admin.describeConfigs(List.of(r)).all().get().get(r);
    ConfigEntry e = c.get(name);
    return e == null ? "absent" : e.value() + " " + e.source();
  }

  private static String errorOf(Runnable call) {
    try {
      call.run();
      return "none";
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() instanceof ExecutionException ee ? ee.getCause() : e.getCause();
      return cause == null ? e.getClass().getSimpleName() : cause.getClass().getSimpleName();
    }
  }

  private static void alter(Admin admin, ConfigResource r, Collection<AlterConfigOp> ops, boolean validateOnly) {
    try {
      admin.incrementalAlterConfigs(Map.of(r, ops), new AlterConfigsOptions().validateOnly(validateOnly)).all().get();
    } catch (InterruptedException | ExecutionException e) {
      throw new RuntimeException(e);
    }
  }

  private static int configs(String bootstrap, String topic) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      String node = String.valueOf(admin.describeCluster().nodes().get().iterator().next().id());
      ConfigResource t = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, node);
      ConfigResource clusterDefault = new ConfigResource(ConfigResource.Type.BROKER, "");

      alter(admin, t, List.of(
          new AlterConfigOp(new ConfigEntry("retention.ms", "3600000"), AlterConfigOp.OpType.SET),
          new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.APPEND)), false);
      System.out.println("TOPIC retention.ms " + describe(admin, t, "retention.ms"));
      System.out.println("TOPIC cleanup.policy " + describe(admin, t, "cleanup.policy"));
      alter(admin, t, List.of(new AlterConfigOp(new ConfigEntry("retention.ms", ""), AlterConfigOp.OpType.DELETE)), false);
      System.out.println("TOPIC-DELETED retention.ms " + describe(admin, t, "retention.ms"));
      System.out.println("ERROR bad-value " + errorOf(() -> alter(admin, t,
          List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "soon"), AlterConfigOp.OpType.SET)), false)));
      System.out.println("ERROR unknown-name " + errorOf(() -> alter(admin, t,
          List.of(new AlterConfigOp(new ConfigEntry("no.such.config", "1"), AlterConfigOp.OpType.SET)), false)));
      System.out.println("ERROR unknown-topic " + errorOf(() -> alter(admin, new ConfigResource(ConfigResource.Type.TOPIC, topic + "-missing"),
          List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "1000"), AlterConfigOp.OpType.SET)), false)));

      alter(admin, broker, List.of(new AlterConfigOp(new ConfigEntry("log.retention.bytes", "1048576000"), AlterConfigOp.OpType.SET)), false);
      System.out.println("BROKER log.retention.bytes " + describe(admin, broker, "log.retention.bytes"));
      alter(admin, clusterDefault, List.of(new AlterConfigOp(new ConfigEntry("log.retention.ms", "7200000"), AlterConfigOp.OpType.SET)), false);
      System.out.println("BROKER log.retention.ms " + describe(admin, broker, "log.retention.ms"));
      System.out.println("TOPIC-INHERITED retention.ms " + describe(admin, t, "retention.ms"));
      System.out.println("ERROR read-only " + errorOf(() -> alter(admin, broker,
          List.of(new AlterConfigOp(new ConfigEntry("num.partitions", "3"), AlterConfigOp.OpType.SET)), false)));
      alter(admin, broker, List.of(new AlterConfigOp(new ConfigEntry("log.retention.bytes", ""), AlterConfigOp.OpType.DELETE)), false);
      alter(admin, clusterDefault, List.of(new AlterConfigOp(new ConfigEntry("log.retention.ms", ""), AlterConfigOp.OpType.DELETE)), false);
      System.out.println("BROKER-DELETED log.retention.bytes " + describe(admin, broker, "log.retention.bytes"));
    }
    return 0;
  }

  private static int logDirs(String bootstrap, String topic) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      int node = admin.describeCluster().nodes().get().iterator().next().id();
      Map<String, LogDirDescription> dirs = admin.describeLogDirs(List.of(node)).allDescriptions().get().get(node);
      for (Map.Entry<String, LogDirDescription> d : dirs.entrySet()) {
        LogDirDescription desc = d.getValue();
        System.out.println("DIR " + d.getKey() + " " + (desc.error() == null ? "none" : desc.error().getClass().getSimpleName())
            + " " + desc.totalBytes().orElse(-1) + " " + desc.usableBytes().orElse(-1));
        for (Map.Entry<TopicPartition, ReplicaInfo> r : desc.replicaInfos().entrySet()) {
          if (r.getKey().topic().equals(topic)) {
            System.out.println("REPLICA " + r.getKey().partition() + " " + r.getValue().size() + " " + r.getValue().offsetLag());
          }
        }
      }
      System.out.println("REASSIGNMENTS " + admin.listPartitionReassignments().reassignments().get().size());
    }
    return 0;
  }

  private static int validatePosition(String bootstrap, String topic, long offset) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    TopicPartition tp = new TopicPartition(topic, 0);
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
      consumer.assign(List.of(tp));
      // A position with a leader epoch is validated (OffsetForLeaderEpoch) before the first fetch.
      consumer.seek(tp, new OffsetAndMetadata(offset, Optional.of(0), ""));
      long deadline = System.currentTimeMillis() + 15000;
      while (System.currentTimeMillis() < deadline) {
        ConsumerRecords<String, String> records = consumer.poll(java.time.Duration.ofMillis(500));
        for (ConsumerRecord<String, String> r : records) {
          System.out.println("FIRST " + r.offset());
          return 0;
        }
      }
      System.out.println("FIRST none");
      return 1;
    } catch (RuntimeException e) {
      System.out.println("FAILED " + e.getClass().getSimpleName() + " " + e.getMessage());
      return 1;
    }
  }
}
