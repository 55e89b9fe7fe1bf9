package dev.tributary.compat;

import java.io.FileInputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Java client over secured listeners; the security settings come from a client properties
 * file, as --command-config gives them to Kafka's tools.
 *
 * <pre>
 * SecurityScenarios scram-upsert --bootstrap-server H:P --command-config F --user U --mechanism SCRAM-SHA-512 --password P [--iterations N]
 * SecurityScenarios produce-consume --bootstrap-server H:P --command-config F --topic T [--count N] [--pause-ms MS]
 * SecurityScenarios expect-auth-failure --bootstrap-server H:P --command-config F
 * </pre>
 *
 * scram-upsert: Admin.alterUserScramCredentials (what kafka-configs --add-config 'SCRAM-SHA-512=[password=...]'
 * does), then describeUserScramCredentials; prints {"user":U,"credentials":["SCRAM_SHA_512:4096"]}.
 * produce-consume: creates T (2 partitions), produces N records acks=all, reads them back assigned;
 * prints {"produced":N,"consumed":N,"match":true}. expect-auth-failure: describeCluster must fail with
 * SaslAuthenticationException; prints {"error":"SaslAuthenticationException","message":...}.
 * Exit 0 on the expected outcome, 1 otherwise, 2 on usage errors.
 */
public final class SecurityScenarios {
  private SecurityScenarios() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1) usage();
    Map<String, String> opts = new HashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    Properties base = new Properties();
    if (!opts.containsKey("bootstrap-server") || !opts.containsKey("command-config")) usage();
    try (InputStream in = new FileInputStream(opts.get("command-config"))) {
      base.load(in);
    }
    base.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, opts.get("bootstrap-server"));
    int rc = switch (args[0]) {
      case "scram-upsert" -> scramUpsert(base, opts);
      case "produce-consume" -> produceConsume(base, opts);
      case "expect-auth-failure" -> expectAuthFailure(base);
      default -> {
        usage();
        yield 2;
      }
    };
    System.exit(rc);
  }

  private static void usage() {
    System.err.println("usage: SecurityScenarios <scram-upsert|produce-consume|expect-auth-failure> --bootstrap-server H:P --command-config FILE ...");
    System.exit(2);
  }

  private static Admin admin(Properties base) {
    Properties p = new Properties();
    p.putAll(base);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
    return Admin.create(p);
  }

  private static int scramUpsert(Properties base, Map<String, String> opts) throws Exception {
    String user = opts.get("user");
    ScramMechanism mechanism = ScramMechanism.fromMechanismName(opts.getOrDefault("mechanism", "SCRAM-SHA-512"));
    int iterations = Integer.parseInt(opts.getOrDefault("iterations", "4096"));
    try (Admin admin = admin(base)) {
      admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user, new ScramCredentialInfo(mechanism, iterations), opts.get("password"))))
          .all().get(20, TimeUnit.SECONDS);
      UserScramCredentialsDescription d = admin.describeUserScramCredentials(List.of(user)).description(user).get(20, TimeUnit.SECONDS);
      List<String> creds = new ArrayList<>();
      for (ScramCredentialInfo info : d.credentialInfos()) creds.add("\"" + info.mechanism() + ":" + info.iterations() + "\"");
      System.out.println("{\"user\":\"" + d.name() + "\",\"credentials\":" + creds + "}");
      return 0;
    }
  }

  private static int produceConsume(Properties base, Map<String, String> opts) throws Exception {
    String topic = opts.get("topic");
    int count = Integer.parseInt(opts.getOrDefault("count", "100"));
    try (Admin admin = admin(base)) {
      admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(20, TimeUnit.SECONDS);
    }
    Properties pp = new Properties();
    pp.putAll(base);
    pp.put(ProducerConfig.ACKS_CONFIG, "all");
    pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    Map<String, String> sent = new TreeMap<>();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp)) {
      List<Future<RecordMetadata>> futures = new ArrayList<>();
      long pauseMs = Long.parseLong(opts.getOrDefault("pause-ms", "0"));
      for (int i = 0; i < count; i++) {
        // Halfway, wait (a session with connections.max.reauth.ms set must re-authenticate, KIP-368).
        if (i == count / 2 && pauseMs > 0) {
          producer.flush();
          Thread.sleep(pauseMs);
        }
        futures.add(producer.send(new ProducerRecord<>(topic, i % 2, "k" + i, "value-" + i)));
      }
      producer.flush();
      for (int i = 0; i < count; i++) {
        RecordMetadata md = futures.get(i).get();
        sent.put(md.partition() + "@" + md.offset(), "value-" + i);
      }
    }
    Properties cp = new Properties();
    cp.putAll(base);
    cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    Map<String, String> got = new TreeMap<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp)) {
      List<TopicPartition> tps = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      long deadline = System.currentTimeMillis() + 30_000;
      while (got.size() < count && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) got.put(r.partition() + "@" + r.offset(), r.value());
      }
    }
    boolean match = got.equals(sent);
    System.out.println("{\"produced\":" + sent.size() + ",\"consumed\":" + got.size() + ",\"match\":" + match + "}");
    return match ? 0 : 1;
  }

  private static int expectAuthFailure(Properties base) throws Exception {
    try (Admin admin = admin(base)) {
      admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
      System.out.println("{\"error\":null}");
      return 1;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      String message = cause.getMessage() == null ? "" : cause.getMessage().replace("\\", "\\\\").replace("\"", "\\\"");
      System.out.println("{\"error\":\"" + cause.getClass().getSimpleName() + "\",\"message\":\"" + message + "\"}");
      return cause instanceof SaslAuthenticationException ? 0 : 1;
    }
  }
}
