package dev.tributary.compat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Kafka transactions driven by the real Java client (4.1.1): what a transactional producer and a
 * read_committed consumer must observe. Each subcommand prints one JSON line (facts, "ok" and
 * "failures") and exits 0 when every check held, 1 otherwise (or on a client error, reported as
 * "error"), 2 on usage errors.
 *
 * <pre>
 * TxnScenarios commit-abort --bootstrap-server H:P --topic T [--partitions 3] [--committed 6] [--aborted 4] [--per-txn 9]
 * TxnScenarios zombie --bootstrap-server H:P --topic T --mode fence|timeout [--partitions 3] [--count 6]
 *     [--transaction-timeout-ms 3000] [--wait-ms 30000]
 * TxnScenarios consume-transform-produce --bootstrap-server H:P --input T --output T --group G
 *     [--partitions 3] [--count 3000] [--batch 100] [--abort-every 4] [--group-protocol classic|consumer]
 * TxnScenarios invalid-timeout --bootstrap-server H:P [--transaction-timeout-ms 900001]
 * TxnScenarios open-and-hang ...   (the zombie's child JVM: opens a transaction and waits to be killed)
 * common: [--transactional-id ID] [--block-ms 20000] [--timeout-ms 60000]
 * </pre>
 */
public final class TxnScenarios {
  private static final String USAGE = String.join("\n",
      "usage: TxnScenarios commit-abort --bootstrap-server H:P --topic T [--partitions P] [--committed N] [--aborted M] [--per-txn K]",
      "       TxnScenarios zombie --bootstrap-server H:P --topic T --mode fence|timeout [--partitions P] [--count K]"
          + " [--transaction-timeout-ms MS] [--wait-ms MS]",
      "       TxnScenarios consume-transform-produce --bootstrap-server H:P --input T --output T --group G"
          + " [--partitions P] [--count N] [--batch B] [--abort-every A] [--group-protocol classic|consumer]",
      "       TxnScenarios invalid-timeout --bootstrap-server H:P [--transaction-timeout-ms MS]",
      "       common: [--transactional-id ID] [--block-ms MS] [--timeout-ms MS]");

  private TxnScenarios() {}

  /** A record as a consumer saw it. */
  record Rec(int partition, long offset, String key, String value) {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) new Cli("TxnScenarios", USAGE, args).fail("missing scenario");
    String scenario = args[0];
    Cli cli = new Cli("TxnScenarios", USAGE, Arrays.copyOfRange(args, 1, args.length));
    int code;
    try {
      code = switch (scenario) {
        case "commit-abort" -> commitAbort(cli);
        case "zombie" -> zombie(cli);
        case "consume-transform-produce" -> consumeTransformProduce(cli);
        case "open-and-hang" -> openAndHang(cli);
        case "invalid-timeout" -> invalidTimeout(cli);
        default -> { cli.fail("unknown scenario " + scenario); yield 2; }
      };
    } catch (Exception e) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("scenario", scenario);
      out.put("ok", false);
      out.put("error", Cli.describe(e));
      Cli.printJson(out);
      e.printStackTrace();
      code = 1;
    }
    System.exit(code);
  }

  // ---------------------------------------------------------------------------------------------
  // commit-abort

  /**
   * N committed and M aborted transactions interleaved (commit, abort, commit, abort, ..., then the
   * remaining commits), K records each spread over the partitions; aborted ones are flushed before
   * the abort so their records are in the log. read_committed must see exactly the committed
   * records in offset order, read_uncommitted all of them, and every transaction leaves one marker
   * per partition it touched. Then one transaction is left open: the last stable offset stays at
   * its first offset (hiding a later non-transactional record too), ListTransactions /
   * DescribeTransactions / DescribeProducers show it, and its commit releases everything.
   */
  private static int commitAbort(Cli cli) throws Exception {
    String bootstrap = cli.required("bootstrap-server");
    String topic = cli.required("topic");
    int partitions = cli.integer("partitions", 3);
    int committed = cli.integer("committed", 6);
    int aborted = cli.integer("aborted", 4);
    int perTxn = cli.integer("per-txn", 9);
    long timeoutMs = cli.longValue("timeout-ms", 60_000);
    String txnId = cli.get("transactional-id", topic + "-txn");
    if (aborted > committed) cli.fail("--aborted must not exceed --committed");
    Cli.createTopic(bootstrap, topic, partitions);
    Checks c = new Checks("commit-abort").put("topic", topic).put("transactionalId", txnId);

    try (Admin admin = admin(bootstrap)) {
      Map<String, Object> features = new TreeMap<>();
      for (Map.Entry<String, FinalizedVersionRange> e : admin.describeFeatures().featureMetadata().get().finalizedFeatures().entrySet()) {
        features.put(e.getKey(), e.getValue().maxVersionLevel());
      }
      c.put("finalizedFeatures", features);
    }

    // What each partition holds, in offset order: every record, and the committed ones.
    Map<Integer, TreeMap<Long, String>> all = new TreeMap<>();
    Map<Integer, TreeMap<Long, String>> visible = new TreeMap<>();
    int[] markers = new int[partitions];
    int total = committed + aborted;
    long t0 = System.nanoTime();
    try (KafkaProducer<String, String> producer = txProducer(cli, bootstrap, txnId, 60_000)) {
      long tInit = System.nanoTime();
      producer.initTransactions();
      c.put("initTransactionsMs", (System.nanoTime() - tInit) / 1_000_000);
      for (int t = 0; t < total; t++) {
        boolean abort = t < 2 * aborted && t % 2 == 1;
        String outcome = abort ? "abort" : "commit";
        producer.beginTransaction();
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        List<String> values = new ArrayList<>();
        Set<Integer> touched = new HashSet<>();
        for (int j = 0; j < perTxn; j++) {
          int p = (t + j) % partitions;
          String value = "txn-" + t + "-rec-" + j + "-" + outcome;
          values.add(value);
          touched.add(p);
          sent.add(producer.send(new ProducerRecord<>(topic, p, "t" + t + "-" + j, value)));
        }
        // Aborted data must reach the log (a read_uncommitted consumer sees it), so flush first.
        producer.flush();
        if (abort) producer.abortTransaction(); else producer.commitTransaction();
        for (int j = 0; j < perTxn; j++) {
          RecordMetadata md = sent.get(j).get();
          all.computeIfAbsent(md.partition(), x -> new TreeMap<>()).put(md.offset(), values.get(j));
          if (!abort) visible.computeIfAbsent(md.partition(), x -> new TreeMap<>()).put(md.offset(), values.get(j));
        }
        for (int p : touched) markers[p]++;
      }
    }
    c.put("produceMs", (System.nanoTime() - t0) / 1_000_000);

    Map<Integer, Long> lso = new TreeMap<>();
    Map<Integer, Long> hw = new TreeMap<>();
    // Small fetches: each Fetch answer covers a few batches, so its aborted-transaction list must
    // match the range it returns, not the whole log.
    c.put("settleMs", awaitSettled(bootstrap, topic));
    Map<Integer, List<Rec>> rc = readToEnd(bootstrap, topic, "read_committed", timeoutMs, lso, 256);
    Map<Integer, List<Rec>> ru = readToEnd(bootstrap, topic, "read_uncommitted", timeoutMs, hw, 256);
    Map<Integer, List<Rec>> rcBig = readToEnd(bootstrap, topic, "read_committed", timeoutMs, new TreeMap<>());
    c.put("endOffsets", hw).put("lastStableOffsets", lso);
    int committedRecords = visible.values().stream().mapToInt(Map::size).sum();
    int allRecords = all.values().stream().mapToInt(Map::size).sum();
    c.put("committedRecords", committedRecords).put("abortedRecords", allRecords - committedRecords)
        .put("readCommitted", count(rc)).put("readUncommitted", count(ru));
    for (int p = 0; p < partitions; p++) {
      c.equal("read_committed partition " + p + " (offset=value), small fetches", asMap(visible.get(p)), asMap(rc.get(p)));
      c.equal("read_committed partition " + p + " (offset=value), one fetch", asMap(visible.get(p)), asMap(rcBig.get(p)));
      c.check("read_committed partition " + p + " in offset order", inOrder(rc.get(p)), rc.get(p));
      c.equal("read_uncommitted partition " + p + " (offset=value)", asMap(all.get(p)), asMap(ru.get(p)));
      long records = all.getOrDefault(p, new TreeMap<>()).size();
      // One control record (the commit or abort marker) per transaction per partition it touched.
      c.equal("partition " + p + " end offset = records + markers", records + markers[p], hw.get(p));
      c.equal("partition " + p + " last stable offset with no open transaction", hw.get(p), lso.get(p));
    }

    openTransaction(cli, c, bootstrap, topic, txnId, partitions, perTxn, hw, timeoutMs);
    return c.exitCode();
  }

  /** The last part of commit-abort: one transaction left open, observed, then committed. */
  private static void openTransaction(Cli cli, Checks c, String bootstrap, String topic, String txnId, int partitions,
      int perTxn, Map<Integer, Long> endBefore, long timeoutMs) throws Exception {
    Map<String, Object> open = new LinkedHashMap<>();
    c.put("open", open);
    try (KafkaProducer<String, String> producer = txProducer(cli, bootstrap, txnId, 60_000);
         KafkaProducer<String, String> plain = plainProducer(bootstrap);
         Admin admin = admin(bootstrap)) {
      producer.initTransactions();
      producer.beginTransaction();
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (int j = 0; j < perTxn; j++) sent.add(producer.send(new ProducerRecord<>(topic, j % partitions, "open-" + j, "open-" + j)));
      producer.flush();
      Map<Integer, Long> firstOffset = new TreeMap<>();
      for (Future<RecordMetadata> f : sent) firstOffset.merge(f.get().partition(), f.get().offset(), Math::min);
      // A non-transactional record after the open transaction: read_committed can't see it either.
      RecordMetadata after = plain.send(new ProducerRecord<>(topic, 0, "after-open", "after-open")).get();
      open.put("firstOffsets", firstOffset);
      open.put("plainRecordOffset", after.offset());

      Map<Integer, Long> lso = endOffsets(bootstrap, topic, "read_committed");
      Map<Integer, Long> hw = endOffsets(bootstrap, topic, "read_uncommitted");
      open.put("lastStableOffsets", lso);
      open.put("endOffsets", hw);
      for (int p = 0; p < partitions; p++) {
        c.equal("open: partition " + p + " last stable offset stays at the open transaction's first offset",
            firstOffset.getOrDefault(p, endBefore.get(p)), lso.get(p));
        final int part = p;
        long sentHere = sent.stream().filter(f -> partitionOf(f) == part).count() + (p == 0 ? 1 : 0);
        c.equal("open: partition " + p + " end offset includes the uncommitted records", endBefore.get(p) + sentHere, hw.get(p));
      }
      Map<Integer, List<Rec>> rc = readToEnd(bootstrap, topic, "read_committed", timeoutMs, new TreeMap<>());
      long leaked = rc.values().stream().flatMap(List::stream).filter(r -> r.value().startsWith("open-") || r.value().equals("after-open")).count();
      c.equal("open: read_committed records past the last stable offset", 0L, leaked);

      // The admin view of the open transaction (KIP-664).
      TransactionListing listing = admin.listTransactions().all().get().stream()
          .filter(l -> l.transactionalId().equals(txnId)).findFirst().orElse(null);
      open.put("listedState", listing == null ? null : listing.state().toString());
      c.equal("open: ListTransactions state", "Ongoing", listing == null ? null : listing.state().toString());
      TransactionDescription d = admin.describeTransactions(List.of(txnId)).all().get().get(txnId);
      open.put("describedState", d.state().toString());
      open.put("describedPartitions", d.topicPartitions().stream().map(TopicPartition::partition).sorted().toList());
      open.put("transactionTimeoutMs", d.transactionTimeoutMs());
      open.put("producerEpoch", (int) d.producerEpoch());
      c.equal("open: DescribeTransactions state", "Ongoing", d.state().toString());
      c.equal("open: DescribeTransactions partitions", firstOffset.keySet(),
          new TreeSet<>(d.topicPartitions().stream().map(TopicPartition::partition).toList()));
      c.equal("open: DescribeTransactions timeout", 60_000L, (long) d.transactionTimeoutMs());
      c.check("open: DescribeTransactions start time", d.transactionStartTimeMs().isPresent(), "absent");
      c.equal("open: DescribeTransactions producer id matches ListTransactions",
          listing == null ? null : listing.producerId(), d.producerId());
      TopicPartition tp0 = new TopicPartition(topic, 0);
      PartitionProducerState ps = admin.describeProducers(List.of(tp0)).all().get().get(tp0);
      ProducerState mine = ps.activeProducers().stream().filter(s -> s.producerId() == d.producerId()).findFirst().orElse(null);
      open.put("describedProducers", ps.activeProducers().size());
      c.check("open: DescribeProducers lists the transactional producer on partition 0", mine != null, ps.activeProducers());
      if (mine != null) {
        open.put("currentTransactionStartOffset", mine.currentTransactionStartOffset().isPresent() ? mine.currentTransactionStartOffset().getAsLong() : null);
        c.equal("open: DescribeProducers current transaction start offset", firstOffset.get(0),
            mine.currentTransactionStartOffset().isPresent() ? mine.currentTransactionStartOffset().getAsLong() : null);
        c.equal("open: DescribeProducers epoch", (int) d.producerEpoch(), mine.producerEpoch());
      }

      producer.commitTransaction();
      // EndTxn answers once PrepareCommit is logged; the markers (and CompleteCommit) follow.
      String state = admin.describeTransactions(List.of(txnId)).all().get().get(txnId).state().toString();
      open.put("stateRightAfterCommit", state);
      long until = System.currentTimeMillis() + 10_000;
      while (!state.equals("CompleteCommit") && System.currentTimeMillis() < until) {
        Thread.sleep(50);
        state = admin.describeTransactions(List.of(txnId)).all().get().get(txnId).state().toString();
      }
      open.put("stateAfterCommit", state);
      c.equal("after commit: DescribeTransactions state (within 10 s)", "CompleteCommit", state);
      awaitSettled(bootstrap, topic);
      Map<Integer, List<Rec>> rc2 = readToEnd(bootstrap, topic, "read_committed", timeoutMs, new TreeMap<>());
      long released = rc2.values().stream().flatMap(List::stream).filter(r -> r.value().startsWith("open-") || r.value().equals("after-open")).count();
      c.equal("after commit: read_committed sees the transaction and the record after it", (long) perTxn + 1, released);
    }
  }

  private static int partitionOf(Future<RecordMetadata> f) {
    try {
      return f.get().partition();
    } catch (Exception e) {
      return -1;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // zombie

  /**
   * A producer (a child JVM) opens a transaction, writes K records and is SIGKILLed.
   * fence: a new producer with the same transactional.id initTransactions() (the coordinator aborts
   * the open transaction and bumps the epoch) and commits its own; it then leaves a transaction
   * open and a third producer with the id fences it: its commit fails and only the committed
   * transactions are visible.
   * timeout: nobody takes the id over; a plain producer writes after the open transaction, and a
   * read_committed consumer sees those records only once the coordinator aborted the transaction
   * for its transaction.timeout.ms (not before it), never the zombie's.
   */
  private static int zombie(Cli cli) throws Exception {
    String bootstrap = cli.required("bootstrap-server");
    String topic = cli.required("topic");
    String mode = cli.required("mode");
    int partitions = cli.integer("partitions", 3);
    int count = cli.integer("count", 6);
    int txnTimeoutMs = cli.integer("transaction-timeout-ms", 3000);
    long waitMs = cli.longValue("wait-ms", 30_000);
    long timeoutMs = cli.longValue("timeout-ms", 60_000);
    String txnId = cli.get("transactional-id", topic + "-txn");
    if (!mode.equals("fence") && !mode.equals("timeout")) cli.fail("--mode must be fence or timeout");
    Cli.createTopic(bootstrap, topic, partitions);
    Checks c = new Checks("zombie-" + mode).put("topic", topic).put("transactionalId", txnId);

    Map<String, Object> zombie = spawnZombie(cli, bootstrap, topic, txnId, count, txnTimeoutMs, partitions);
    c.put("zombie", zombie);
    long beganAtMs = ((Number) zombie.get("beganAtMs")).longValue();

    if (mode.equals("fence")) {
      List<String> expected = new ArrayList<>();
      String fencedBy;
      try (KafkaProducer<String, String> b = txProducer(cli, bootstrap, txnId, 60_000)) {
        long t = System.nanoTime();
        b.initTransactions(); // aborts the zombie's transaction (CONCURRENT_TRANSACTIONS until done)
        c.put("initAfterZombieMs", (System.nanoTime() - t) / 1_000_000);
        b.beginTransaction();
        for (int j = 0; j < count; j++) {
          b.send(new ProducerRecord<>(topic, j % partitions, "b-" + j, "b-" + j));
          expected.add("b-" + j);
        }
        b.commitTransaction();

        // B leaves a transaction open; C takes the id over; B is now the zombie.
        b.beginTransaction();
        for (int j = 0; j < count; j++) b.send(new ProducerRecord<>(topic, j % partitions, "b2-" + j, "b2-" + j));
        b.flush();
        try (KafkaProducer<String, String> cProducer = txProducer(cli, bootstrap, txnId, 60_000)) {
          cProducer.initTransactions();
          try {
            b.commitTransaction();
            fencedBy = null;
          } catch (Exception e) {
            fencedBy = e.getClass().getSimpleName();
          }
          cProducer.beginTransaction();
          for (int j = 0; j < count; j++) {
            cProducer.send(new ProducerRecord<>(topic, j % partitions, "c-" + j, "c-" + j));
            expected.add("c-" + j);
          }
          cProducer.commitTransaction();
        }
      }
      c.put("liveZombieCommit", fencedBy == null ? "succeeded" : fencedBy);
      c.check("a fenced producer's commitTransaction fails", fencedBy != null
          && (fencedBy.equals("ProducerFencedException") || fencedBy.equals("InvalidProducerEpochException")), fencedBy);
      awaitSettled(bootstrap, topic);
      Map<Integer, List<Rec>> rc = readToEnd(bootstrap, topic, "read_committed", timeoutMs, new TreeMap<>());
      List<String> seen = values(rc);
      c.put("readCommitted", seen.size());
      c.equal("read_committed: only the committed transactions (b-*, c-*)", sorted(expected), sorted(seen));
      Map<Integer, List<Rec>> ru = readToEnd(bootstrap, topic, "read_uncommitted", timeoutMs, new TreeMap<>());
      c.equal("read_uncommitted: zombie + b + b2 + c records", 4 * count, values(ru).size());
      return c.exitCode();
    }

    // timeout: write after the zombie's transaction, then wait for the coordinator to abort it.
    List<String> after = new ArrayList<>();
    try (KafkaProducer<String, String> plain = plainProducer(bootstrap)) {
      for (int p = 0; p < partitions; p++) {
        plain.send(new ProducerRecord<>(topic, p, "after-" + p, "after-" + p)).get();
        after.add("after-" + p);
      }
    }
    long sinceBegin = System.currentTimeMillis() - beganAtMs;
    Map<Integer, Long> lso = endOffsets(bootstrap, topic, "read_committed");
    c.put("lastStableOffsetsWhileOpen", lso).put("lsoCheckedAfterMs", sinceBegin);
    @SuppressWarnings("unchecked")
    Map<String, Number> first = (Map<String, Number>) zombie.get("firstOffsets");
    if (System.currentTimeMillis() - beganAtMs < txnTimeoutMs - 500) {
      for (int p = 0; p < partitions; p++) {
        Number f = first.get(Integer.toString(p));
        if (f != null) c.equal("partition " + p + " last stable offset held at the open transaction", f.longValue(), lso.get(p));
      }
    } else {
      c.put("lsoCheckSkipped", "the transaction timeout passed before the check");
    }

    List<String> seen = new ArrayList<>();
    long unblockedAt = pollUntil(bootstrap, topic, "read_committed", waitMs, seen, s -> s.containsAll(after));
    c.put("waitMs", waitMs).put("transactionTimeoutMs", txnTimeoutMs);
    if (unblockedAt < 0) {
      c.fail("read_committed did not get past the abandoned transaction within " + waitMs + " ms (transaction.timeout.ms="
          + txnTimeoutMs + "); saw " + seen);
      return c.exitCode();
    }
    c.put("unblockedAfterMs", unblockedAt - beganAtMs);
    c.check("the open transaction stays open at least transaction.timeout.ms", unblockedAt - beganAtMs >= txnTimeoutMs,
        (unblockedAt - beganAtMs) + " ms");
    c.equal("read_committed: only the records after the aborted transaction", sorted(after), sorted(seen));

    try (Admin admin = admin(bootstrap)) {
      TransactionDescription d = admin.describeTransactions(List.of(txnId)).all().get().get(txnId);
      c.put("stateAfterTimeout", d.state().toString());
      c.equal("DescribeTransactions state after the timeout", "CompleteAbort", d.state().toString());
    }
    // The id is usable again: a new producer commits.
    try (KafkaProducer<String, String> b = txProducer(cli, bootstrap, txnId, 60_000)) {
      b.initTransactions();
      b.beginTransaction();
      for (int p = 0; p < partitions; p++) b.send(new ProducerRecord<>(topic, p, "b-" + p, "b-" + p));
      b.commitTransaction();
    }
    awaitSettled(bootstrap, topic);
    Map<Integer, List<Rec>> rc = readToEnd(bootstrap, topic, "read_committed", timeoutMs, new TreeMap<>());
    List<String> expected = new ArrayList<>(after);
    for (int p = 0; p < partitions; p++) expected.add("b-" + p);
    c.equal("read_committed at the end", sorted(expected), sorted(values(rc)));
    return c.exitCode();
  }

  /** Starts `open-and-hang` in a child JVM, waits for its transaction to be open, SIGKILLs it. */
  private static Map<String, Object> spawnZombie(Cli cli, String bootstrap, String topic, String txnId, int count,
      int txnTimeoutMs, int partitions) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xms32m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), TxnScenarios.class.getName(), "open-and-hang",
        "--bootstrap-server", bootstrap, "--topic", topic, "--transactional-id", txnId, "--count", Integer.toString(count),
        "--partitions", Integer.toString(partitions), "--transaction-timeout-ms", Integer.toString(txnTimeoutMs),
        "--block-ms", cli.get("block-ms", "20000")));
    Process child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("{")) break;
      }
      if (line == null) throw new IllegalStateException("the zombie producer exited (" + child.waitFor() + ") before opening its transaction");
      Map<String, Object> opened = Cli.parseJson(line);
      if (!Boolean.TRUE.equals(opened.get("open"))) throw new IllegalStateException("the zombie producer failed: " + line);
      return opened;
    } finally {
      child.destroyForcibly(); // SIGKILL: no abort, no close, the transaction stays open
      child.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The zombie: opens a transaction, sends and flushes K records, reports, then waits to be killed. */
  private static int openAndHang(Cli cli) throws Exception {
    String bootstrap = cli.required("bootstrap-server");
    String topic = cli.required("topic");
    int count = cli.integer("count", 6);
    int partitions = cli.integer("partitions", 3);
    // Exit if the parent goes away (our stdin closes), so a crashed test leaves nothing behind.
    Thread watchdog = new Thread(() -> {
      try {
        while (System.in.read() >= 0) { /* nothing is ever written */ }
      } catch (Exception ignored) { /* closed */ }
      Runtime.getRuntime().halt(3);
    });
    watchdog.setDaemon(true);
    watchdog.start();
    KafkaProducer<String, String> producer = txProducer(cli, bootstrap, cli.required("transactional-id"),
        cli.integer("transaction-timeout-ms", 60_000));
    producer.initTransactions();
    producer.beginTransaction();
    long beganAtMs = System.currentTimeMillis();
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    for (int j = 0; j < count; j++) sent.add(producer.send(new ProducerRecord<>(topic, j % partitions, "zombie-" + j, "zombie-" + j)));
    producer.flush();
    Map<Integer, Long> first = new TreeMap<>();
    for (Future<RecordMetadata> f : sent) first.merge(f.get().partition(), f.get().offset(), Math::min);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("open", true);
    out.put("beganAtMs", beganAtMs);
    out.put("firstOffsets", first);
    Cli.printJson(out);
    Thread.sleep(120_000);
    Runtime.getRuntime().halt(4); // never closes the producer: the transaction stays open
    return 4;
  }

  /**
   * A transaction.timeout.ms above the broker's transaction.max.timeout.ms (default 900000):
   * initTransactions fails with INVALID_TRANSACTION_TIMEOUT (the 4.1 client reports it as a KafkaException
   * "Unexpected error in InitProducerIdResponse; The transaction timeout is larger than ...").
   */
  private static int invalidTimeout(Cli cli) throws Exception {
    String bootstrap = cli.required("bootstrap-server");
    int timeout = cli.integer("transaction-timeout-ms", 900_001);
    Checks c = new Checks("invalid-timeout").put("transactionTimeoutMs", timeout);
    String error = null;
    try (KafkaProducer<String, String> producer = txProducer(cli, bootstrap, cli.get("transactional-id", "invalid-timeout-" + System.nanoTime()), timeout)) {
      producer.initTransactions();
    } catch (Exception e) {
      for (Throwable t = e; t != null; t = t.getCause()) error = t.getClass().getSimpleName() + ": " + t.getMessage();
    }
    c.put("initTransactions", error == null ? "succeeded" : error);
    // InitProducerId has no error message field: this text is the client's for INVALID_TRANSACTION_TIMEOUT (50).
    c.check("initTransactions with a timeout over transaction.max.timeout.ms fails with INVALID_TRANSACTION_TIMEOUT",
        error != null && error.contains("The transaction timeout is larger than the maximum value allowed by the broker"), error);
    return c.exitCode();
  }

  // ---------------------------------------------------------------------------------------------
  // consume-transform-produce

  /**
   * N input records; a group consumer (--group-protocol, read_committed, no auto-commit) and a
   * transactional producer copy each batch upper-cased to the output topic, committing the input
   * offsets with sendOffsetsToTransaction (TxnOffsetCommit) in the same transaction. Every
   * --abort-every'th batch is aborted after its records and offsets were sent, and processing
   * resumes from the group's committed offsets, which must not include the aborted batch. At the
   * end: read_committed output holds every input exactly once, read_uncommitted also the aborted
   * copies, and the group's committed offsets are the input's end offsets.
   */
  private static int consumeTransformProduce(Cli cli) throws Exception {
    String bootstrap = cli.required("bootstrap-server");
    String input = cli.required("input");
    String output = cli.required("output");
    String group = cli.required("group");
    int partitions = cli.integer("partitions", 3);
    int count = cli.integer("count", 3000);
    int batch = cli.integer("batch", 100);
    int abortEvery = cli.integer("abort-every", 4);
    long timeoutMs = cli.longValue("timeout-ms", 60_000);
    String txnId = cli.get("transactional-id", group + "-txn");
    // classic, or consumer (KIP-848): TxnOffsetCommit then carries the member epoch.
    String groupProtocol = cli.get("group-protocol", "classic");
    Cli.createTopic(bootstrap, input, partitions);
    Cli.createTopic(bootstrap, output, partitions);
    Checks c = new Checks("consume-transform-produce").put("input", input).put("output", output).put("group", group)
        .put("groupProtocol", groupProtocol);

    try (KafkaProducer<String, String> plain = plainProducer(bootstrap)) {
      List<Future<RecordMetadata>> fs = new ArrayList<>();
      for (int i = 0; i < count; i++) fs.add(plain.send(new ProducerRecord<>(input, i % partitions, "key-" + i, "value-" + i)));
      plain.flush();
      for (Future<RecordMetadata> f : fs) f.get();
    }

    Properties cp = consumerProps(bootstrap, "read_committed");
    cp.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    cp.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, groupProtocol);
    cp.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(batch));
    int batches = 0;
    int abortedBatches = 0;
    int abortedRecords = 0;
    int processed = 0;
    long t0 = System.nanoTime();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp);
         KafkaProducer<String, String> producer = txProducer(cli, bootstrap, txnId, 60_000)) {
      producer.initTransactions();
      consumer.subscribe(List.of(input));
      long deadline = System.currentTimeMillis() + timeoutMs;
      while (processed < count && System.currentTimeMillis() < deadline) {
        var records = consumer.poll(Duration.ofMillis(200));
        if (records.isEmpty()) continue;
        producer.beginTransaction();
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        Map<TopicPartition, Long> firstOffsets = new HashMap<>();
        for (ConsumerRecord<String, String> r : records) {
          producer.send(new ProducerRecord<>(output, r.partition(), r.key(), r.value().toUpperCase() + "@" + r.partition() + ":" + r.offset()));
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          next.put(tp, new OffsetAndMetadata(r.offset() + 1));
          firstOffsets.putIfAbsent(tp, r.offset());
        }
        producer.sendOffsetsToTransaction(next, consumer.groupMetadata());
        batches++;
        if (abortEvery > 0 && batches % abortEvery == 0) {
          producer.flush();
          producer.abortTransaction();
          abortedBatches++;
          abortedRecords += records.count();
          // Resume from what the group committed: the aborted offsets must not be there.
          Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(firstOffsets.keySet(), Duration.ofSeconds(15));
          for (Map.Entry<TopicPartition, Long> e : firstOffsets.entrySet()) {
            OffsetAndMetadata om = committed.get(e.getKey());
            long at = om == null ? 0 : om.offset();
            c.equal("committed offset of " + e.getKey() + " after an aborted batch", e.getValue(), at);
            consumer.seek(e.getKey(), at);
          }
        } else {
          producer.commitTransaction();
          processed += records.count();
        }
      }
    }
    c.put("processMs", (System.nanoTime() - t0) / 1_000_000).put("batches", batches)
        .put("abortedBatches", abortedBatches).put("abortedRecords", abortedRecords).put("processed", processed);
    c.equal("records processed in committed transactions", count, processed);

    awaitSettled(bootstrap, output);
    Map<Integer, List<Rec>> out = readToEnd(bootstrap, output, "read_committed", timeoutMs, new TreeMap<>());
    Map<String, Integer> copies = new HashMap<>();
    int wrong = 0;
    for (List<Rec> recs : out.values()) {
      for (Rec r : recs) {
        copies.merge(r.key(), 1, Integer::sum);
        int i = Integer.parseInt(r.key().substring("key-".length()));
        if (!r.value().startsWith("VALUE-" + i + "@" + (i % partitions) + ":") || r.partition() != i % partitions) wrong++;
      }
    }
    long duplicates = copies.values().stream().filter(n -> n > 1).count();
    c.put("outputCommitted", count(out)).put("distinctKeys", copies.size()).put("duplicates", duplicates);
    c.equal("read_committed output records", count, count(out));
    c.equal("distinct inputs in the output", count, copies.size());
    c.equal("inputs copied more than once", 0L, duplicates);
    c.equal("output records with a wrong value or partition", 0, wrong);
    // Each input partition's copies come in input offset order.
    for (Map.Entry<Integer, List<Rec>> e : out.entrySet()) {
      long last = -1;
      for (Rec r : e.getValue()) {
        long src = Long.parseLong(r.value().substring(r.value().lastIndexOf(':') + 1));
        if (src <= last) { c.fail("output partition " + e.getKey() + " out of input order at " + r.offset()); break; }
        last = src;
      }
    }
    Map<Integer, List<Rec>> outAll = readToEnd(bootstrap, output, "read_uncommitted", timeoutMs, new TreeMap<>());
    c.put("outputUncommitted", count(outAll));
    c.equal("read_uncommitted output = committed + aborted copies", count + abortedRecords, count(outAll));

    try (Admin admin = admin(bootstrap)) {
      Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      Map<Integer, Long> got = new TreeMap<>();
      for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
        if (e.getKey().topic().equals(input)) got.put(e.getKey().partition(), e.getValue().offset());
      }
      Map<Integer, Long> want = new TreeMap<>();
      for (int p = 0; p < partitions; p++) want.put(p, (long) (count / partitions + (p < count % partitions ? 1 : 0)));
      c.put("committedOffsets", got);
      c.equal("the group's committed offsets", want, got);
    }
    return c.exitCode();
  }

  // ---------------------------------------------------------------------------------------------
  // clients

  private static KafkaProducer<String, String> txProducer(Cli cli, String bootstrap, String txnId, int txnTimeoutMs) {
    Properties pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txnId);
    pp.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, Integer.toString(txnTimeoutMs));
    pp.put(ProducerConfig.ACKS_CONFIG, "all");
    pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    pp.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    pp.put(ProducerConfig.CLIENT_ID_CONFIG, "tributary-compat-txn");
    // Bounded: against a broker without transactions, initTransactions/commit fail after this.
    pp.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, cli.get("block-ms", "20000"));
    pp.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
    pp.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
    pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    return new KafkaProducer<>(pp);
  }

  private static KafkaProducer<String, String> plainProducer(String bootstrap) {
    Properties pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    pp.put(ProducerConfig.ACKS_CONFIG, "all");
    pp.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    pp.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
    pp.put(ProducerConfig.CLIENT_ID_CONFIG, "tributary-compat-plain");
    pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    return new KafkaProducer<>(pp);
  }

  private static Properties consumerProps(String bootstrap, String isolation) {
    Properties cp = new Properties();
    cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    cp.put(ConsumerConfig.CLIENT_ID_CONFIG, "tributary-compat-txn-" + isolation);
    cp.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
    cp.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
    cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    return cp;
  }

  private static Admin admin(String bootstrap) {
    Properties ap = new Properties();
    ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    ap.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
    ap.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
    return Admin.create(ap);
  }

  private static List<TopicPartition> partitionsOf(KafkaConsumer<?, ?> consumer, String topic) {
    List<TopicPartition> tps = new ArrayList<>();
    for (PartitionInfo pi : consumer.partitionsFor(topic, Duration.ofSeconds(20))) tps.add(new TopicPartition(topic, pi.partition()));
    tps.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
    return tps;
  }

  /** End offsets as a consumer of this isolation level sees them (the LSO for read_committed). */
  private static Map<Integer, Long> endOffsets(String bootstrap, String topic, String isolation) {
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(bootstrap, isolation))) {
      Map<Integer, Long> out = new TreeMap<>();
      consumer.endOffsets(partitionsOf(consumer, topic)).forEach((tp, o) -> out.put(tp.partition(), o));
      return out;
    }
  }

  /**
   * Waits (up to 10 s) until no partition of the topic has a transaction in doubt, that is until
   * the last stable offset equals the high watermark everywhere. Kafka answers EndTxn once the
   * outcome is logged and writes the markers after, so right after commitTransaction the LSO may
   * still be short of the end. Returns how long it took; a broker that never gets there is left to
   * the checks that follow (they see the missing records).
   */
  private static long awaitSettled(String bootstrap, String topic) throws InterruptedException {
    long t0 = System.currentTimeMillis();
    while (System.currentTimeMillis() - t0 < 10_000) {
      if (endOffsets(bootstrap, topic, "read_committed").equals(endOffsets(bootstrap, topic, "read_uncommitted"))) break;
      Thread.sleep(100);
    }
    return System.currentTimeMillis() - t0;
  }

  /**
   * Reads every partition from the beginning (assign, no group) up to the end offsets this
   * isolation level sees at the start (written to endsOut); fails if that takes over timeoutMs.
   */
  private static Map<Integer, List<Rec>> readToEnd(String bootstrap, String topic, String isolation, long timeoutMs,
      Map<Integer, Long> endsOut) {
    return readToEnd(bootstrap, topic, isolation, timeoutMs, endsOut, 0);
  }

  /** readToEnd with max.partition.fetch.bytes (0: the default). */
  private static Map<Integer, List<Rec>> readToEnd(String bootstrap, String topic, String isolation, long timeoutMs,
      Map<Integer, Long> endsOut, int maxFetchBytes) {
    Map<Integer, List<Rec>> out = new TreeMap<>();
    Properties cp = consumerProps(bootstrap, isolation);
    if (maxFetchBytes > 0) cp.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(maxFetchBytes));
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp)) {
      List<TopicPartition> tps = partitionsOf(consumer, topic);
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> ends = consumer.endOffsets(tps);
      ends.forEach((tp, o) -> endsOut.put(tp.partition(), o));
      long deadline = System.currentTimeMillis() + timeoutMs;
      for (;;) {
        boolean done = true;
        for (TopicPartition tp : tps) if (consumer.position(tp) < ends.get(tp)) done = false;
        if (done) break;
        if (System.currentTimeMillis() > deadline) {
          Map<Integer, Long> positions = new TreeMap<>();
          for (TopicPartition tp : tps) positions.put(tp.partition(), consumer.position(tp));
          throw new IllegalStateException(isolation + " consumer of " + topic + " did not reach the end offsets " + endsOut
              + " within " + timeoutMs + " ms; positions " + positions);
        }
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          out.computeIfAbsent(r.partition(), x -> new ArrayList<>()).add(new Rec(r.partition(), r.offset(), r.key(), r.value()));
        }
      }
    }
    return out;
  }

  /**
   * Polls every partition from the beginning until `done` holds for the values seen; returns the
   * wall-clock time it first held, or -1 after waitMs.
   */
  private static long pollUntil(String bootstrap, String topic, String isolation, long waitMs, List<String> seen,
      Predicate<List<String>> done) {
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(bootstrap, isolation))) {
      List<TopicPartition> tps = partitionsOf(consumer, topic);
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      long deadline = System.currentTimeMillis() + waitMs;
      while (System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) seen.add(r.value());
        if (done.test(seen)) return System.currentTimeMillis();
      }
      return -1;
    }
  }

  private static Map<Long, String> asMap(Map<Long, String> m) {
    return m == null ? new TreeMap<>() : new TreeMap<>(m);
  }

  private static Map<Long, String> asMap(List<Rec> recs) {
    Map<Long, String> m = new TreeMap<>();
    if (recs != null) for (Rec r : recs) m.put(r.offset(), r.value());
    return m;
  }

  private static boolean inOrder(List<Rec> recs) {
    if (recs == null) return true;
    for (int i = 1; i < recs.size(); i++) if (recs.get(i).offset() <= recs.get(i - 1).offset()) return false;
    return true;
  }

  private static int count(Map<Integer, List<Rec>> m) {
    return m.values().stream().mapToInt(List::size).sum();
  }

  private static List<String> values(Map<Integer, List<Rec>> m) {
    List<String> out = new ArrayList<>();
    for (List<Rec> recs : m.values()) for (Rec r : recs) out.add(r.value());
    return out;
  }

  private static List<String> sorted(Collection<String> c) {
    List<String> out = new ArrayList<>(c);
    out.sort(null);
    return out;
  }
}
