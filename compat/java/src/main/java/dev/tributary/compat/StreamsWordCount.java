package dev.tributary.compat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;

/**
 * Kafka Streams word count with processing.guarantee=exactly_once_v2, crashed mid-way.
 *
 * <pre>
 * StreamsWordCount run --bootstrap-server H:P --input T --output T --application-id A
 *     [--words 100000] [--words-per-line 10] [--vocabulary 500] [--partitions 3] [--produce-ms 0]
 *     [--crash-at 0.3] [--timeout-ms 80000] [--first-output-ms 45000] [--session-timeout-ms 6000] [--guarantee exactly_once_v2|at_least_once]
 * StreamsWordCount app --bootstrap-server H:P --input T --output T --application-id A --state-dir D
 * </pre>
 *
 * run: creates the topics and produces the input (a deterministic sequence of words, a line of
 * words per record, spread evenly over the input partitions, optionally paced over --produce-ms)
 * while the app runs in a child JVM; once the output shows --crash-at of the words counted, the
 * child is SIGKILLed while busy (so with uncommitted work: at_least_once double-counts here) and a
 * new one started on the same state directory (the same process id, so the same transactional.id
 * fences the dead one's open transaction at once rather than after transaction.timeout.ms).
 * A read_committed consumer follows the output: the latest count per word must end equal to the
 * generator's count, never exceed it and never go down. Prints one JSON line; exits 1 on mismatch.
 * app: the Streams application itself, until its stdin closes (then a clean close).
 */
public final class StreamsWordCount {
  private static final String USAGE = String.join("\n",
      "usage: StreamsWordCount run --bootstrap-server H:P --input T --output T --application-id A [--words N]"
          + " [--words-per-line K] [--vocabulary V] [--partitions P] [--produce-ms MS] [--crash-at F] [--timeout-ms MS]",
      "       StreamsWordCount app --bootstrap-server H:P --input T --output T --application-id A --state-dir D");

  private StreamsWordCount() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) new Cli("StreamsWordCount", USAGE, args).fail("missing command");
    Cli cli = new Cli("StreamsWordCount", USAGE, Arrays.copyOfRange(args, 1, args.length));
    int code;
    try {
      code = switch (args[0]) {
        case "run" -> run(cli);
        case "app" -> app(cli);
        default -> { cli.fail("unknown command " + args[0]); yield 2; }
      };
    } catch (Exception e) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("scenario", "streams-wordcount-eos");
      out.put("ok", false);
      out.put("error", Cli.describe(e));
      Cli.printJson(out);
      e.printStackTrace();
      code = 1;
    }
    System.exit(code);
  }

  /** Word i of the input: a fixed linear congruential sequence over "w000".."w(V-1)". */
  static final class Words {
    private long x = 20251125L;
    private final int vocabulary;

    Words(int vocabulary) {
      this.vocabulary = vocabulary;
    }

    String next() {
      x = (x * 6364136223846793005L + 1442695040888963407L);
      int w = (int) Long.remainderUnsigned(x >>> 33, vocabulary);
      return String.format("w%03d", w);
    }
  }

  private static int run(Cli cli) throws Exception {
    String bootstrap = cli.required("bootstrap-server");
    String input = cli.required("input");
    String output = cli.required("output");
    String appId = cli.required("application-id");
    int words = cli.integer("words", 100_000);
    int perLine = cli.integer("words-per-line", 10);
    int vocabulary = cli.integer("vocabulary", 500);
    int partitions = cli.integer("partitions", 3);
    long produceMs = cli.longValue("produce-ms", 0);
    double crashAt = Double.parseDouble(cli.get("crash-at", "0.3"));
    long timeoutMs = cli.longValue("timeout-ms", 80_000);
    // Fail early when nothing at all is counted (the app can't start transactions, say).
    long firstOutputMs = cli.longValue("first-output-ms", 45_000);
    Checks c = new Checks("streams-wordcount-eos").put("applicationId", appId).put("words", words)
        .put("guarantee", cli.get("guarantee", StreamsConfig.EXACTLY_ONCE_V2));

    // The lines, and what the count of each word must end at.
    List<String> lines = new ArrayList<>();
    Map<String, Long> expected = new TreeMap<>();
    Words gen = new Words(vocabulary);
    for (int i = 0; i < words; i += perLine) {
      StringBuilder line = new StringBuilder();
      for (int j = i; j < Math.min(words, i + perLine); j++) {
        String w = gen.next();
        expected.merge(w, 1L, Long::sum);
        line.append(line.length() == 0 ? "" : " ").append(w);
      }
      lines.add(line.toString());
    }
    c.put("distinctWords", expected.size()).put("inputRecords", lines.size());

    Cli.createTopic(bootstrap, input, partitions);
    Cli.createTopic(bootstrap, output, partitions);
    Path stateDir = Files.createTempDirectory("tributary-streams-");
    long t0 = System.nanoTime();

    AtomicReference<Exception> produceError = new AtomicReference<>();
    Thread producerThread = new Thread(() -> produceInput(bootstrap, input, partitions, lines, produceMs, produceError));
    List<Process> apps = new ArrayList<>();
    List<String> appLines = java.util.Collections.synchronizedList(new ArrayList<>());
    Map<String, Long> latest = new HashMap<>();
    long outputRecords = 0;
    int regressions = 0;
    List<String> overcounts = new ArrayList<>();
    long crashedAtWords = -1;
    boolean done = false;
    try (KafkaConsumer<String, Long> follower = outputConsumer(bootstrap)) {
      apps.add(startApp(cli, stateDir, appLines));
      producerThread.start();
      List<TopicPartition> tps = new ArrayList<>();
      for (PartitionInfo pi : follower.partitionsFor(output, Duration.ofSeconds(20))) tps.add(new TopicPartition(output, pi.partition()));
      follower.assign(tps);
      follower.seekToBeginning(tps);
      long deadline = System.currentTimeMillis() + timeoutMs;
      long counted = 0;
      while (System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, Long> r : follower.poll(Duration.ofMillis(200))) {
          outputRecords++;
          long before = latest.getOrDefault(r.key(), 0L);
          if (r.value() <= before) regressions++;
          latest.put(r.key(), r.value());
          counted += r.value() - before;
          long want = expected.getOrDefault(r.key(), 0L);
          if (r.value() > want && overcounts.size() < 20) overcounts.add(r.key() + "=" + r.value() + " (expected " + want + ")");
        }
        if (!overcounts.isEmpty()) break;
        if (crashedAtWords < 0 && counted >= (long) (crashAt * words)) {
          // The crash: no close, no commit, whatever transaction is open stays open.
          crashedAtWords = counted;
          Process victim = apps.get(apps.size() - 1);
          victim.destroyForcibly();
          victim.waitFor(10, TimeUnit.SECONDS);
          apps.add(startApp(cli, stateDir, appLines));
        }
        if (latest.equals(expected)) {
          done = true;
          break;
        }
        if (counted == 0 && System.nanoTime() - t0 > firstOutputMs * 1_000_000) {
          c.fail("no committed output within " + firstOutputMs + " ms");
          break;
        }
        Process current = apps.get(apps.size() - 1);
        if (!current.isAlive()) throw new IllegalStateException("the Streams app exited with " + current.exitValue());
      }
      if (done) {
        // Anything more now would be a double count.
        long quietUntil = System.currentTimeMillis() + 2000;
        while (System.currentTimeMillis() < quietUntil) {
          for (ConsumerRecord<String, Long> r : follower.poll(Duration.ofMillis(200))) {
            outputRecords++;
            latest.put(r.key(), r.value());
            overcounts.add(r.key() + "=" + r.value() + " after the counts were complete");
          }
        }
      }
    } finally {
      for (Process p : apps) {
        if (done) stopApp(p); else p.destroyForcibly();
      }
      producerThread.join(30_000);
      deleteTree(stateDir);
    }
    if (produceError.get() != null) throw produceError.get();
    c.put("elapsedMs", (System.nanoTime() - t0) / 1_000_000).put("outputRecords", outputRecords)
        .put("crashedAtWordsCounted", crashedAtWords).put("appStarts", apps.size())
        .put("appOutput", appLines.subList(Math.max(0, appLines.size() - 20), appLines.size()));
    c.check("the app was killed mid-way", crashedAtWords >= 0 && crashedAtWords < words, crashedAtWords);
    c.equal("words counted more than they occur", List.of(), overcounts);
    c.equal("output counts that did not go up", 0, regressions);
    int wrong = 0;
    List<String> examples = new ArrayList<>();
    for (Map.Entry<String, Long> e : expected.entrySet()) {
      Long got = latest.get(e.getKey());
      if (!e.getValue().equals(got)) {
        wrong++;
        if (examples.size() < 10) examples.add(e.getKey() + "=" + got + " (expected " + e.getValue() + ")");
      }
    }
    c.put("wordsWrong", wrong).put("totalCounted", latest.values().stream().mapToLong(Long::longValue).sum());
    c.check("final count of every word", wrong == 0 && latest.size() == expected.size(),
        wrong + " of " + expected.size() + " words wrong, e.g. " + examples);
    return c.exitCode();
  }

  private static void deleteTree(Path dir) throws java.io.IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }

  private static void produceInput(String bootstrap, String input, int partitions, List<String> lines, long produceMs,
      AtomicReference<Exception> error) {
    Properties pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    pp.put(ProducerConfig.ACKS_CONFIG, "all");
    pp.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    pp.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
    pp.put(ProducerConfig.CLIENT_ID_CONFIG, "tributary-compat-streams-input");
    pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp)) {
      int slices = 50;
      int perSlice = (lines.size() + slices - 1) / slices;
      for (int i = 0; i < lines.size(); i++) {
        producer.send(new ProducerRecord<>(input, i % partitions, "line-" + i, lines.get(i)));
        if ((i + 1) % perSlice == 0) {
          producer.flush();
          Thread.sleep(produceMs / slices);
        }
      }
      producer.flush();
    } catch (Exception e) {
      error.set(e);
    }
  }

  private static KafkaConsumer<String, Long> outputConsumer(String bootstrap) {
    Properties cp = new Properties();
    cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    cp.put(ConsumerConfig.CLIENT_ID_CONFIG, "tributary-compat-streams-verifier");
    cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, LongDeserializer.class.getName());
    return new KafkaConsumer<>(cp);
  }

  /** The app in a child JVM (so it can be SIGKILLed); returns once it reported RUNNING. */
  private static Process startApp(Cli cli, Path stateDir, List<String> lines) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), StreamsWordCount.class.getName(), "app",
        "--bootstrap-server", cli.required("bootstrap-server"), "--input", cli.required("input"),
        "--output", cli.required("output"), "--application-id", cli.required("application-id"),
        "--state-dir", stateDir.toString(), "--session-timeout-ms", cli.get("session-timeout-ms", "6000"),
        "--guarantee", cli.get("guarantee", StreamsConfig.EXACTLY_ONCE_V2)));
    Process child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null && !line.equals("STARTED")) lines.add("app@" + child.pid() + " " + line);
    if (line == null) throw new IllegalStateException("the Streams app exited (" + child.waitFor() + ") before starting");
    // Keep what else it prints (its state changes) for the summary; it never blocks on a full pipe.
    Thread drain = new Thread(() -> {
      try {
        String l;
        while ((l = out.readLine()) != null) lines.add("app@" + child.pid() + " " + l);
      } catch (Exception ignored) { /* killed */ }
    });
    drain.setDaemon(true);
    drain.start();
    return child;
  }

  /** Closes the app's stdin (a clean shutdown), SIGKILL after 20 s. */
  private static void stopApp(Process p) throws Exception {
    if (!p.isAlive()) return;
    p.getOutputStream().close();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The Streams application: lines -> words -> count per word -> output (word, count). */
  private static int app(Cli cli) throws Exception {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, cli.required("application-id"));
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, cli.required("bootstrap-server"));
    // --guarantee at_least_once shows what this scenario catches: counts over after the crash.
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, cli.get("guarantee", StreamsConfig.EXACTLY_ONCE_V2));
    // exactly_once_v2's default, set for at_least_once too (whose default is 30 s).
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    props.put(StreamsConfig.STATE_DIR_CONFIG, cli.required("state-dir"));
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    // A killed member must leave the (classic) group quickly for the restarted one to get its tasks.
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), cli.get("session-timeout-ms", "6000"));
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), "1000");

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(cli.required("input"), Consumed.with(Serdes.String(), Serdes.String()))
        .flatMapValues(line -> Arrays.asList(line.split(" ")))
        .groupBy((key, word) -> word, Grouped.with("words", Serdes.String(), Serdes.String()))
        .count(Materialized.as("counts"))
        .toStream()
        .to(cli.required("output"), Produced.with(Serdes.String(), Serdes.Long()));

    CountDownLatch stopped = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
      streams.setUncaughtExceptionHandler(e -> {
        System.out.println("UNCAUGHT " + Cli.describe(e));
        failure.set(e);
        stopped.countDown();
        return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
      });
      streams.setStateListener((now, before) -> {
        System.out.println("STATE " + now);
        if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) stopped.countDown();
      });
      streams.start();
      System.out.println("STARTED");
      System.out.flush();
      Thread stdin = new Thread(() -> {
        try {
          while (System.in.read() >= 0) { /* nothing is written */ }
        } catch (Exception ignored) { /* closed */ }
        stopped.countDown();
      });
      stdin.setDaemon(true);
      stdin.start();
      stopped.await();
      streams.close(Duration.ofSeconds(15));
    }
    if (failure.get() != null) {
      System.err.println("Streams app failed: " + Cli.describe(failure.get()));
      return 1;
    }
    return 0;
  }
}
