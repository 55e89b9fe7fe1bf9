package dev.tributary.compat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A scenario's summary: named facts for the JSON line and the checks that failed. Checks don't
 * throw, so one run reports every mismatch it found; {@link #exitCode()} is 1 when any did.
 */
final class Checks {
  private final Map<String, Object> summary = new LinkedHashMap<>();
  private final List<String> failures = new ArrayList<>();

  Checks(String scenario) {
    summary.put("scenario", scenario);
  }

  Checks put(String key, Object value) {
    summary.put(key, value);
    return this;
  }

  void check(String what, boolean ok, Object detail) {
    if (!ok) failures.add(what + ": " + detail);
  }

  void equal(String what, Object expected, Object actual) {
    if (!Objects.equals(expected, actual)) {
      failures.add(what + ": expected " + abbreviate(expected) + " but got " + abbreviate(actual));
    }
  }

  void fail(String what) {
    failures.add(what);
  }

  boolean ok() {
    return failures.isEmpty();
  }

  /** Prints the JSON line (with "ok" and "failures") and returns the process exit code. */
  int exitCode() {
    summary.put("ok", failures.isEmpty());
    summary.put("failures", failures);
    Cli.printJson(summary);
    return failures.isEmpty() ? 0 : 1;
  }

  private static String abbreviate(Object o) {
    String s = String.valueOf(o);
    return s.length() <= 600 ? s : s.substring(0, 600) + "...(" + s.length() + " chars)";
  }
}
