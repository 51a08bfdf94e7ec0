package dev.runbook.runbooks.etcd;

import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code key=value} lines the etcd command templates print on stdout. */
final class KeyValues {

  private KeyValues() {}

  static Map<String, String> parse(String stdout) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : stdout.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0 && line.substring(0, eq).matches("[A-Za-z][A-Za-z0-9]*")) {
        out.put(line.substring(0, eq), line.substring(eq + 1).strip());
      }
    }
    return out;
  }
}
