package dev.tributary.bench;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Load generators the Kafka tools cannot stand in for, run identically against
 * Apache Kafka and Tributary by bench/run.ts. Each prints one JSON line.
 *
 * <pre>
 * BenchClient consume --bootstrap H:P --topic T --messages N [--timeout-ms 30000]
 * BenchClient latency --bootstrap H:P --topic T --rate R --seconds S [--warmup-seconds W] [--record-size 1024] [--acks all]
 * </pre>
 *
 * consume: ConsumerPerformance's measurement without a consumer group (it
 * subscribes, so it needs the group protocol): assign every partition, seek to
 * the beginning, poll until N records; same fetch settings as
 * ConsumerPerformance's defaults (max.partition.fetch.bytes 1 MiB, 2 MiB socket
 * receive buffer). Timed from the first fetch to the last record.
 *
 * latency: an open-loop producer at a fixed rate (records are due at
 * start + i/R whether or not the previous ones were acknowledged; each carries
 * its due time, so a stall is charged to every record it delays: no
 * coordinated omission) and a consumer assigned to every partition from the
 * end. End-to-end latency = consumer receive time - due time, same JVM clock.
 */
public final class BenchClient {
  private BenchClient() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) usage("missing command");
    Map<String, String> o = options(Arrays.copyOfRange(args, 1, args.length));
    switch (args[0]) {
      case "consume" -> consume(o);
      case "latency" -> latency(o);
      default -> usage("unknown command " + args[0]);
    }
  }

  private static void usage(String why) {
    System.err.println(why);
    System.err.println("usage: BenchClient consume --bootstrap H:P --topic T --messages N [--timeout-ms MS]");
    System.err.println("       BenchClient latency --bootstrap H:P --topic T --rate R --seconds S [--warmup-seconds W] [--record-size B] [--acks all|1]");
    System.exit(2);
  }

  private static Map<String, String> options(String[] a) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < a.length; i++) {
      if (!a[i].startsWith("--") || i + 1 >= a.length) usage("bad option " + a[i]);
      m.put(a[i].substring(2), a[++i]);
    }
    return m;
  }

  private static String req(Map<String, String> o, String k) {
    String v = o.get(k);
    if (v == null) usage("missing --" + k);
    return v;
  }

  private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // ConsumerPerformance's defaults (--fetch-size, --socket-buffer-size).
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, "1048576");
    p.put(ConsumerConfig.RECEIVE_BUFFER_CONFIG, "2097152");
    return new KafkaConsumer<>(p);
  }

  private static List<TopicPartition> partitions(KafkaConsumer<?, ?> c, String topic) {
    List<TopicPartition> tps = new ArrayList<>();
    for (PartitionInfo pi : c.partitionsFor(topic, Duration.ofSeconds(30))) tps.add(new TopicPartition(topic, pi.partition()));
    if (tps.isEmpty()) throw new IllegalStateException("topic " + topic + " has no partitions");
    return tps;
  }

  private static void consume(Map<String, String> o) {
    String bootstrap = req(o, "bootstrap");
    String topic = req(o, "topic");
    long messages = Long.parseLong(req(o, "messages"));
    long timeoutMs = Long.parseLong(o.getOrDefault("timeout-ms", "30000"));
    long start;
    long records = 0;
    long bytes = 0;
    long lastRecordAt;
    try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap)) {
      List<TopicPartition> tps = partitions(c, topic);
      c.assign(tps);
      c.seekToBeginning(tps);
      // The clock starts once the start offsets are known: fetch time only, like
      // ConsumerPerformance's fetch.MB.sec (which leaves out the group join).
      for (TopicPartition tp : tps) c.position(tp);
      start = System.nanoTime();
      lastRecordAt = start;
      while (records < messages) {
        ConsumerRecords<byte[], byte[]> batch = c.poll(Duration.ofMillis(100));
        long now = System.nanoTime();
        if (batch.isEmpty()) {
          if ((now - lastRecordAt) / 1_000_000 > timeoutMs) break;
          continue;
        }
        lastRecordAt = now;
        for (ConsumerRecord<byte[], byte[]> r : batch) {
          records++;
          bytes += r.serializedValueSize() + Math.max(0, r.serializedKeySize());
        }
      }
    }
    double seconds = (lastRecordAt - start) / 1e9;
    System.out.println(String.format(Locale.ROOT,
        "{\"records\":%d,\"bytes\":%d,\"seconds\":%.3f,\"recordsPerSec\":%.1f,\"mbPerSec\":%.2f,\"complete\":%b}",
        records, bytes, seconds, records / seconds, bytes / seconds / (1024 * 1024), records >= messages));
  }

  private static void latency(Map<String, String> o) throws Exception {
    String bootstrap = req(o, "bootstrap");
    String topic = req(o, "topic");
    double rate = Double.parseDouble(req(o, "rate"));
    double seconds = Double.parseDouble(req(o, "seconds"));
    double warmup = Double.parseDouble(o.getOrDefault("warmup-seconds", "2"));
    int size = Integer.parseInt(o.getOrDefault("record-size", "1024"));
    String acks = o.getOrDefault("acks", "all");
    if (size < 16) usage("--record-size must be at least 16 (due time and sequence number)");
    final long total = (long) (rate * (seconds + warmup));
    final long warmupCount = (long) (rate * warmup);
    final double intervalNs = 1e9 / rate;

    // Latencies of the measured (post-warmup) records, by sequence number.
    final long measured = total - warmupCount;
    final long[] e2e = new long[(int) measured];
    final long[] ack = new long[(int) measured];
    Arrays.fill(e2e, -1);
    Arrays.fill(ack, -1);
    final AtomicLong received = new AtomicLong();
    final AtomicLong ackErrors = new AtomicLong();
    final AtomicBoolean stop = new AtomicBoolean();

    KafkaConsumer<byte[], byte[]> c = consumer(bootstrap);
    List<TopicPartition> tps = partitions(c, topic);
    c.assign(tps);
    c.seekToEnd(tps);
    for (TopicPartition tp : tps) c.position(tp); // resolve the end now, before the first record is sent
    Thread consumerThread = new Thread(() -> {
      try {
        while (!stop.get()) {
          ConsumerRecords<byte[], byte[]> batch = c.poll(Duration.ofMillis(50));
          long now = System.nanoTime();
          for (ConsumerRecord<byte[], byte[]> r : batch) {
            ByteBuffer v = ByteBuffer.wrap(r.value());
            long due = v.getLong(0);
            long seq = v.getLong(8);
            received.incrementAndGet();
            if (seq >= warmupCount && seq < total) e2e[(int) (seq - warmupCount)] = now - due;
          }
        }
      } finally {
        c.close();
      }
    }, "latency-consumer");
    consumerThread.start();

    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, acks);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    byte[] filler = new byte[size];
    ThreadLocalRandom.current().nextBytes(filler);
    long startNs;
    long sendEnd;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      producer.partitionsFor(topic); // metadata before the clock starts
      startNs = System.nanoTime();
      for (long i = 0; i < total; i++) {
        long due = startNs + (long) (i * intervalNs);
        // Sleep until the record is due. Records due while the thread slept go out
        // together (each still stamped with its own due time), so the sender thread
        // costs what its sends cost (about a quarter of a core at 75,000 records/s)
        // instead of the whole core a spinning or yielding wait took on a 2-core
        // machine shared with the broker under test.
        long wait;
        while ((wait = due - System.nanoTime()) > 0) LockSupport.parkNanos(wait);
        byte[] value = filler.clone();
        ByteBuffer.wrap(value).putLong(0, due).putLong(8, i);
        final long seq = i;
        producer.send(new ProducerRecord<>(topic, value), (md, err) -> {
          if (err != null) {
            ackErrors.incrementAndGet();
            return;
          }
          if (seq >= warmupCount) ack[(int) (seq - warmupCount)] = System.nanoTime() - due;
        });
      }
      sendEnd = System.nanoTime();
      producer.flush();
    }
    // Wait for the tail to arrive (bounded).
    long waitUntil = System.nanoTime() + 15_000_000_000L;
    while (received.get() < total && System.nanoTime() < waitUntil) Thread.sleep(20);
    stop.set(true);
    consumerThread.join(10_000);

    long[] got = Arrays.stream(e2e).filter(x -> x >= 0).sorted().toArray();
    long[] acked = Arrays.stream(ack).filter(x -> x >= 0).sorted().toArray();
    double achieved = total / ((sendEnd - startNs) / 1e9);
    System.out.println(String.format(Locale.ROOT,
        "{\"rate\":%.1f,\"achievedRate\":%.1f,\"sent\":%d,\"received\":%d,\"measured\":%d,\"measuredReceived\":%d,\"ackErrors\":%d,"
            + "\"e2e\":%s,\"ack\":%s}",
        rate, achieved, total, received.get(), measured, got.length, ackErrors.get(), summary(got), summary(acked)));
  }

  private static double pct(long[] sorted, double q) {
    if (sorted.length == 0) return -1;
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
  }

  private static String summary(long[] sorted) {
    double sum = 0;
    for (long x : sorted) sum += x;
    return String.format(Locale.ROOT, "{\"count\":%d,\"meanMs\":%.3f,\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"p999Ms\":%.3f,\"maxMs\":%.3f}",
        sorted.length, sorted.length == 0 ? -1 : sum / sorted.length / 1e6, pct(sorted, 0.5), pct(sorted, 0.99), pct(sorted, 0.999),
        sorted.length == 0 ? -1 : sorted[sorted.length - 1] / 1e6);
  }
}
