package dev.tributary.compat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Scenarios the Kafka CLI tools can't express, driven by the real Java client.
 *
 * <pre>
 * Scenarios produce-consume --bootstrap-server H:P --topic T [--count N] [--partitions P]
 * Scenarios produce --bootstrap-server H:P --topic T --count N [--partitions P] [--start I]
 * Scenarios group-consume --bootstrap-server H:P --topic T --group G [--assignor range|cooperative-sticky]
 *     [--max-poll-records N] [--poll-delay-ms MS] [--session-timeout-ms MS] [--client-id ID]
 *     [--group-protocol classic|consumer] [--remote-assignor uniform|range] [--group-instance-id ID]
 * </pre>
 *
 * produce: creates the topic when --partitions is given and produces N records round-robin over its
 * partitions (record i to partition i % P; key "key-i", value "value-i", i counting from --start),
 * acks=all. Prints one JSON line {"produced":N,"partitions":P}.
 *
 * group-consume: one member of a consumer group (group.protocol=classic with the given assignor, or
 * --group-protocol consumer (KIP-848) with an optional --remote-assignor uniform|range; manual commits). Prints "ASSIGNED p,p,..", "REVOKED ..", "LOST .." on rebalances and "RECORD partition
 * offset value" for every record, after the poll's commitSync has succeeded ("COMMIT-FAILED ..."
 * otherwise).
 * Closes the consumer (leaving the group) and exits when its stdin reaches end of file. Sleeping
 * --poll-delay-ms after each poll keeps it slow enough to be killed mid-way.
 *
 * codecs, idempotent-retries: see those methods below (compression codecs; idempotence under retries).
 *
 * produce-consume: creates the topic when --partitions is given, produces N records
 * (key "key-i", value "value-i", header "seq"=i) with acks=all and idempotence on,
 * then reads the topic back with a consumer assigned to every partition (no group,
 * seekToBeginning) and compares record by record. Prints one JSON line; exits 1 on
 * any mismatch, 2 on usage errors.
 */
public final class Scenarios {
  private Scenarios() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) usage("missing scenario");
    Map<String, String> opts = parseOptions(Arrays.copyOfRange(args, 1, args.length));
    switch (args[0]) {
      case "produce-consume" -> System.exit(produceConsume(opts));
      case "produce" -> System.exit(produce(opts));
      case "group-consume" -> System.exit(groupConsume(opts));
      case "codecs" -> System.exit(codecs(opts));
      case "idempotent-retries" -> System.exit(idempotentRetries(opts));
      default -> usage("unknown scenario " + args[0]);
    }
  }

  private static int produceConsume(Map<String, String> opts) throws Exception {
    String bootstrap = required(opts, "bootstrap-server");
    String topic = required(opts, "topic");
    int count = Integer.parseInt(opts.getOrDefault("count", "1000"));
    long timeoutMs = Long.parseLong(opts.getOrDefault("timeout-ms", "30000"));

    if (opts.containsKey("partitions")) {
      createTopic(bootstrap, topic, Integer.parseInt(opts.get("partitions")));
    }

    // What we sent, per partition, in offset order: "key|value|seq".
    Map<Integer, TreeMap<Long, String>> sent = new TreeMap<>();
    Properties pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    pp.put(ProducerConfig.ACKS_CONFIG, "all");
    pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    pp.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    pp.put(ProducerConfig.CLIENT_ID_CONFIG, "tributary-compat-scenarios");
    pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    long t0 = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp)) {
      List<Future<RecordMetadata>> futures = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, bytes("key-" + i), bytes("value-" + i));
        r.headers().add("seq", bytes(Integer.toString(i)));
        futures.add(producer.send(r));
      }
      producer.flush();
      for (int i = 0; i < count; i++) {
        RecordMetadata md = futures.get(i).get();
        sent.computeIfAbsent(md.partition(), p -> new TreeMap<>())
            .put(md.offset(), "key-" + i + "|value-" + i + "|" + i);
      }
    }
    long produceMs = (System.nanoTime() - t0) / 1_000_000;

    Map<Integer, TreeMap<Long, String>> received = new TreeMap<>();
    Properties cp = new Properties();
    cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    cp.put(ConsumerConfig.CLIENT_ID_CONFIG, "tributary-compat-scenarios");
    cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    int got = 0;
    long t1 = System.nanoTime();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp)) {
      List<TopicPartition> tps = new ArrayList<>();
      for (PartitionInfo pi : consumer.partitionsFor(topic, Duration.ofMillis(timeoutMs))) {
        tps.add(new TopicPartition(topic, pi.partition()));
      }
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      long deadline = System.currentTimeMillis() + timeoutMs;
      while (got < count && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          Header h = r.headers().lastHeader("seq");
          String seq = h == null ? "" : str(h.value());
          received.computeIfAbsent(r.partition(), p -> new TreeMap<>())
              .put(r.offset(), str(r.key()) + "|" + str(r.value()) + "|" + seq);
          got++;
        }
      }
    }
    long consumeMs = (System.nanoTime() - t1) / 1_000_000;

    boolean match = sent.equals(received);
    StringBuilder json = new StringBuilder();
    json.append("{\"scenario\":\"produce-consume\",\"topic\":").append(quote(topic))
        .append(",\"produced\":").append(count)
        .append(",\"consumed\":").append(got)
        .append(",\"match\":").append(match)
        .append(",\"producedHash\":").append(quote(hash(sent)))
        .append(",\"consumedHash\":").append(quote(hash(received)))
        .append(",\"produceMs\":").append(produceMs)
        .append(",\"consumeMs\":").append(consumeMs)
        .append(",\"partitions\":{");
    boolean first = true;
    for (Map.Entry<Integer, TreeMap<Long, String>> e : received.entrySet()) {
      if (!first) json.append(',');
      first = false;
      json.append('"').append(e.getKey()).append("\":{\"first\":").append(e.getValue().firstKey())
          .append(",\"last\":").append(e.getValue().lastKey())
          .append(",\"count\":").append(e.getValue().size()).append('}');
    }
    json.append("}}");
    System.out.println(json);
    return match ? 0 : 1;
  }

  private static int produce(Map<String, String> opts) throws Exception {
    String bootstrap = required(opts, "bootstrap-server");
    String topic = required(opts, "topic");
    int count = Integer.parseInt(required(opts, "count"));
    int start = Integer.parseInt(opts.getOrDefault("start", "0"));
    if (opts.containsKey("partitions")) createTopic(bootstrap, topic, Integer.parseInt(opts.get("partitions")));
    Properties pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    pp.put(ProducerConfig.ACKS_CONFIG, "all");
    pp.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    pp.put(ProducerConfig.CLIENT_ID_CONFIG, "tributary-compat-producer");
    pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    int partitions;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp)) {
      partitions = producer.partitionsFor(topic).size();
      List<Future<RecordMetadata>> futures = new ArrayList<>(count);
      for (int i = start; i < start + count; i++) {
        futures.add(producer.send(new ProducerRecord<>(topic, i % partitions, bytes("key-" + i), bytes("value-" + i))));
      }
      producer.flush();
      for (Future<RecordMetadata> f : futures) f.get();
    }
    System.out.println("{\"produced\":" + count + ",\"partitions\":" + partitions + "}");
    return 0;
  }

  private static int groupConsume(Map<String, String> opts) throws Exception {
    String bootstrap = required(opts, "bootstrap-server");
    String topic = required(opts, "topic");
    String group = required(opts, "group");
    String assignor = opts.getOrDefault("assignor", "range");
    long pollDelayMs = Long.parseLong(opts.getOrDefault("poll-delay-ms", "0"));
    Properties cp = new Properties();
    cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    cp.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    String groupProtocol = opts.getOrDefault("group-protocol", "classic");
    cp.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, groupProtocol);
    cp.put(ConsumerConfig.CLIENT_ID_CONFIG, opts.getOrDefault("client-id", "tributary-compat-member"));
    cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    cp.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, opts.getOrDefault("max-poll-records", "500"));
    // Static membership (KIP-345; KIP-848 for group.protocol=consumer).
    if (opts.containsKey("group-instance-id")) cp.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, opts.get("group-instance-id"));
    if (groupProtocol.equals("consumer")) {
      // KIP-848: the broker owns session timeout, heartbeat interval and assignment; the client may only name a server assignor.
      if (opts.containsKey("remote-assignor")) cp.put(ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG, opts.get("remote-assignor"));
    } else {
      cp.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, opts.getOrDefault("session-timeout-ms", "10000"));
      cp.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
      cp.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, switch (assignor) {
        case "range" -> RangeAssignor.class.getName();
        case "cooperative-sticky" -> CooperativeStickyAssignor.class.getName();
        default -> { usage("unknown assignor " + assignor); yield ""; }
      });
    }
    cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());

    AtomicBoolean stop = new AtomicBoolean(false);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp)) {
      // End of stdin asks this member to leave the group and exit.
      Thread watcher = new Thread(() -> {
        try (InputStream in = System.in) {
          while (in.read() >= 0) { /* keep reading until EOF */ }
        } catch (IOException e) { /* treat like EOF */ }
        stop.set(true);
        consumer.wakeup();
      });
      watcher.setDaemon(true);
      watcher.start();
      consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
        @Override public void onPartitionsRevoked(Collection<TopicPartition> partitions) { event("REVOKED", partitions); }
        @Override public void onPartitionsAssigned(Collection<TopicPartition> partitions) { event("ASSIGNED", partitions); }
        @Override public void onPartitionsLost(Collection<TopicPartition> partitions) { event("LOST", partitions); }
      });
      while (!stop.get()) {
        ConsumerRecords<byte[], byte[]> records;
        try {
          records = consumer.poll(Duration.ofMillis(200));
        } catch (WakeupException e) {
          break;
        }
        if (records.isEmpty()) continue;
        StringBuilder out = new StringBuilder();
        Map<TopicPartition, Long> firstOffsets = new TreeMap<>((a, b) -> Integer.compare(a.partition(), b.partition()));
        for (ConsumerRecord<byte[], byte[]> r : records) {
          firstOffsets.putIfAbsent(new TopicPartition(r.topic(), r.partition()), r.offset());
          out.append("RECORD ").append(r.partition()).append(' ').append(r.offset()).append(' ').append(str(r.value())).append('\n');
        }
        try {
          consumer.commitSync();
          System.out.print(out);
        } catch (WakeupException e) {
          break;
        } catch (Exception e) {
          // Not committed, so not reported as consumed: whoever owns the partitions next reads them
          // again, this member included (it rewinds the ones it still owns).
          System.out.println("COMMIT-FAILED " + e.getClass().getSimpleName() + " " + e.getMessage());
          for (Map.Entry<TopicPartition, Long> f : firstOffsets.entrySet()) {
            if (consumer.assignment().contains(f.getKey())) consumer.seek(f.getKey(), f.getValue());
          }
        }
        System.out.flush();
        if (pollDelayMs > 0) Thread.sleep(pollDelayMs);
      }
    }
    System.out.println("CLOSED");
    System.out.flush();
    return 0;
  }

  /**
   * codecs --bootstrap-server H:P [--produce T=CODEC,T=CODEC,...] [--read T,T,...] [--count N]:
   * produces N records (key "key-i", value "value-i" padded to compress well) to partition 0 of
   * each topic with producer compression.type=CODEC (idempotent, acks=all, batched by linger.ms),
   * then reads partition 0 of each --read topic from the beginning (assign, no group) until N
   * records. Prints one JSON line per read topic: {"topic":T,"count":C,"records":["key|value",...]}.
   */
  private static int codecs(Map<String, String> opts) throws Exception {
    String bootstrap = required(opts, "bootstrap-server");
    int count = Integer.parseInt(opts.getOrDefault("count", "200"));
    long timeoutMs = Long.parseLong(opts.getOrDefault("timeout-ms", "20000"));
    for (String spec : opts.getOrDefault("produce", "").split(",")) {
      if (spec.isEmpty()) continue;
      String[] tc = spec.split("=", 2);
      Properties pp = new Properties();
      pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      pp.put(ProducerConfig.ACKS_CONFIG, "all");
      pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
      pp.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, tc[1]);
      pp.put(ProducerConfig.LINGER_MS_CONFIG, "50");
      pp.put(ProducerConfig.CLIENT_ID_CONFIG, "tributary-compat-codecs");
      pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
      pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp)) {
        List<Future<RecordMetadata>> futures = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          futures.add(producer.send(new ProducerRecord<>(tc[0], 0, bytes("key-" + i), bytes(codecValue(i)))));
        }
        producer.flush();
        for (Future<RecordMetadata> f : futures) f.get();
      }
    }
    for (String topic : opts.getOrDefault("read", "").split(",")) {
      if (topic.isEmpty()) continue;
      Properties cp = new Properties();
      cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      cp.put(ConsumerConfig.CLIENT_ID_CONFIG, "tributary-compat-codecs");
      cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
      cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
      List<String> got = new ArrayList<>();
      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp)) {
        TopicPartition tp = new TopicPartition(topic, 0);
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (got.size() < count && System.currentTimeMillis() < deadline) {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            got.add(r.offset() + "|" + str(r.key()) + "|" + str(r.value()));
          }
        }
      }
      StringBuilder json = new StringBuilder("{\"topic\":").append(quote(topic)).append(",\"count\":").append(got.size()).append(",\"records\":[");
      for (int i = 0; i < got.size(); i++) json.append(i == 0 ? "" : ",").append(quote(got.get(i)));
      System.out.println(json.append("]}"));
    }
    return 0;
  }

  /**
   * idempotent-retries --bootstrap-server H:P --topic T [--count N] [--partitions P] [--request-timeout-ms MS]:
   * an idempotent producer whose request.timeout.ms is tiny, so requests time out while the broker
   * still appends them and the producer retries them (same producer id and sequences). Sends record
   * i ("key-i"/"value-i") to partition i % P, then reads every partition to its end offset. Prints
   * one JSON line: produced, consumed, failed sends, the producer's record-retry-total, duplicates
   * and records out of send order; exits 1 unless every record is there exactly once, in order.
   */
  private static int idempotentRetries(Map<String, String> opts) throws Exception {
    String bootstrap = required(opts, "bootstrap-server");
    String topic = required(opts, "topic");
    int count = Integer.parseInt(opts.getOrDefault("count", "20000"));
    int partitions = Integer.parseInt(opts.getOrDefault("partitions", "3"));
    createTopic(bootstrap, topic, partitions);
    Properties pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    pp.put(ProducerConfig.ACKS_CONFIG, "all");
    pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    pp.put(ProducerConfig.LINGER_MS_CONFIG, "1");
    pp.put(ProducerConfig.BATCH_SIZE_CONFIG, "2048");
    pp.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, opts.getOrDefault("request-timeout-ms", "5"));
    pp.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
    pp.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "10");
    pp.put(ProducerConfig.CLIENT_ID_CONFIG, "tributary-compat-retries");
    pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    int failed = 0;
    double retries = 0;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp)) {
      List<Future<RecordMetadata>> futures = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        futures.add(producer.send(new ProducerRecord<>(topic, i % partitions, bytes("key-" + i), bytes("value-" + i))));
      }
      producer.flush();
      for (Future<RecordMetadata> f : futures) {
        try {
          f.get();
        } catch (ExecutionException e) {
          failed++;
        }
      }
      for (var m : producer.metrics().entrySet()) {
        if (m.getKey().name().equals("record-retry-total") && m.getKey().group().equals("producer-metrics")) {
          retries = ((Number) m.getValue().metricValue()).doubleValue();
        }
      }
    }
    Properties cp = new Properties();
    cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    cp.put(ConsumerConfig.CLIENT_ID_CONFIG, "tributary-compat-retries");
    cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    int consumed = 0;
    int duplicates = 0;
    int outOfOrder = 0;
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp)) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int p = 0; p < partitions; p++) tps.add(new TopicPartition(topic, p));
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps);
      Map<Integer, Integer> last = new TreeMap<>();
      long deadline = System.currentTimeMillis() + 30_000;
      while (System.currentTimeMillis() < deadline && tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          int i = Integer.parseInt(str(r.key()).substring(4));
          consumed++;
          if (!seen.add(i)) duplicates++;
          if (i <= last.getOrDefault(r.partition(), -1)) outOfOrder++;
          last.put(r.partition(), i);
        }
      }
    }
    boolean ok = failed == 0 && consumed == count && duplicates == 0 && outOfOrder == 0 && seen.size() == count;
    System.out.println("{\"scenario\":\"idempotent-retries\",\"produced\":" + count + ",\"consumed\":" + consumed
        + ",\"failed\":" + failed + ",\"retries\":" + (long) retries + ",\"duplicates\":" + duplicates
        + ",\"outOfOrder\":" + outOfOrder + ",\"ok\":" + ok + "}");
    return ok ? 0 : 1;
  }

  /** The value of record i in the codecs scenario: repetitive, so every codec really compresses it. */
  private static String codecValue(int i) {
    return "value-" + i + "-" + "abcdefgh".repeat(8);
  }

  private static void event(String what, Collection<TopicPartition> partitions) {
    StringBuilder b = new StringBuilder(what).append(' ');
    partitions.stream().map(TopicPartition::partition).sorted().forEach(p -> b.append(p).append(','));
    System.out.println(b);
    System.out.flush();
  }

  private static void createTopic(String bootstrap, String topic, int partitions) throws Exception {
    Properties ap = new Properties();
    ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(ap)) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) throw e;
    }
  }

  /** SHA-256 over partition, offset and "key|value|seq" of every record, in order. */
  private static String hash(Map<Integer, TreeMap<Long, String>> records) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    for (Map.Entry<Integer, TreeMap<Long, String>> p : records.entrySet()) {
      for (Map.Entry<Long, String> r : p.getValue().entrySet()) {
        md.update(bytes(p.getKey() + ":" + r.getKey() + ":" + r.getValue() + "\n"));
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static Map<String, String> parseOptions(String[] args) {
    Map<String, String> opts = new TreeMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) usage("bad option " + args[i]);
      opts.put(args[i].substring(2), args[++i]);
    }
    return opts;
  }

  private static String required(Map<String, String> opts, String name) {
    String v = opts.get(name);
    if (v == null) usage("missing --" + name);
    return v;
  }

  private static void usage(String why) {
    System.err.println("Scenarios: " + why);
    System.err.println("usage: Scenarios produce-consume --bootstrap-server H:P --topic T"
        + " [--count N] [--partitions P] [--timeout-ms MS]");
    System.err.println("       Scenarios produce --bootstrap-server H:P --topic T --count N [--partitions P] [--start I]");
    System.err.println("       Scenarios group-consume --bootstrap-server H:P --topic T --group G [--assignor range|cooperative-sticky]"
        + " [--max-poll-records N] [--poll-delay-ms MS] [--session-timeout-ms MS] [--client-id ID]"
        + " [--group-protocol classic|consumer] [--remote-assignor uniform|range] [--group-instance-id ID]");
    System.err.println("       Scenarios codecs --bootstrap-server H:P [--produce T=CODEC,...] [--read T,...] [--count N]");
    System.err.println("       Scenarios idempotent-retries --bootstrap-server H:P --topic T [--count N] [--partitions P] [--request-timeout-ms MS]");
    System.exit(2);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String str(byte[] b) {
    return b == null ? "<null>" : new String(b, StandardCharsets.UTF_8);
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
