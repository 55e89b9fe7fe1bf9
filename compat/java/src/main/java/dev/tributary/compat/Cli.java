package dev.tributary.compat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * What the transaction and Streams drivers share: "--name value" options, topic creation,
 * UTF-8 helpers and one-line JSON output (Jackson comes with kafka-tools).
 */
final class Cli {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String program;
  private final String usage;
  private final Map<String, String> opts = new TreeMap<>();

  /** Parses "--name value" pairs; exits 2 with the usage text on anything else. */
  Cli(String program, String usage, String[] args) {
    this.program = program;
    this.usage = usage;
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) fail("bad option " + args[i]);
      opts.put(args[i].substring(2), args[++i]);
    }
  }

  String required(String name) {
    String v = opts.get(name);
    if (v == null) fail("missing --" + name);
    return v;
  }

  String get(String name, String dflt) {
    return opts.getOrDefault(name, dflt);
  }

  int integer(String name, int dflt) {
    return Integer.parseInt(get(name, Integer.toString(dflt)));
  }

  long longValue(String name, long dflt) {
    return Long.parseLong(get(name, Long.toString(dflt)));
  }

  /** The options as given, to hand on to a child JVM. */
  List<String> asArgs() {
    List<String> out = new ArrayList<>();
    opts.forEach((k, v) -> { out.add("--" + k); out.add(v); });
    return out;
  }

  void fail(String why) {
    System.err.println(program + ": " + why);
    System.err.println(usage);
    System.exit(2);
  }

  static void createTopic(String bootstrap, String topic, int partitions) throws Exception {
    Properties ap = new Properties();
    ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(ap)) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) throw e;
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String str(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  /** One JSON object from a line (a child process's summary). */
  @SuppressWarnings("unchecked")
  static Map<String, Object> parseJson(String line) throws JsonProcessingException {
    return JSON.readValue(line, Map.class);
  }

  /** Prints one JSON line on stdout (what the tests parse). */
  static void printJson(Object value) {
    try {
      System.out.println(JSON.writeValueAsString(value));
      System.out.flush();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The exception that explains a failure (past ExecutionException and KafkaException wrappers): class and message. */
  static String describe(Throwable t) {
    Throwable root = t;
    while ((root instanceof ExecutionException || root.getClass().getName().endsWith("KafkaException"))
        && root.getCause() != null) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }
}
