package dev.runbook.engine.internal.identity;

import java.util.ArrayList;
import java.util.List;

/**
 * OpenSSH's pattern lists (match.c): comma-separated, {@code *} and {@code ?}, {@code !} negates.
 */
final class Patterns {

  private Patterns() {}

  /**
   * Whether {@code s} matches the list: some positive pattern matches and no negated one does (a
   * negated match wins, as in OpenSSH's match_pattern_list).
   */
  static boolean matchList(String s, List<String> patterns) {
    boolean matched = false;
    for (String p : patterns) {
      boolean negated = p.startsWith("!");
      if (match(s, negated ? p.substring(1) : p)) {
        if (negated) {
          return false;
        }
        matched = true;
      }
    }
    return matched;
  }

  /** A glob with {@code *} (any run) and {@code ?} (any one character). */
  static boolean match(String s, String p) {
    int si = 0;
    int pi = 0;
    int star = -1;
    int mark = 0;
    while (si < s.length()) {
      if (pi < p.length() && (p.charAt(pi) == '?' || p.charAt(pi) == s.charAt(si))) {
        si++;
        pi++;
      } else if (pi < p.length() && p.charAt(pi) == '*') {
        star = pi++;
        mark = si;
      } else if (star >= 0) {
        pi = star + 1;
        si = ++mark;
      } else {
        return false;
      }
    }
    while (pi < p.length() && p.charAt(pi) == '*') {
      pi++;
    }
    return pi == p.length();
  }

  static List<String> splitList(String s) {
    List<String> out = new ArrayList<>();
    for (String part : s.split(",", -1)) {
      out.add(part.strip());
    }
    return out;
  }

  /** Options split on commas outside quotes: {@code namespaces="a,b",valid-before="2027"}. */
  static List<String> splitOptions(String s) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (char c : s.toCharArray()) {
      if (c == '"') {
        quoted = !quoted;
      }
      if (c == ',' && !quoted) {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    out.add(cur.toString());
    return out;
  }
}
