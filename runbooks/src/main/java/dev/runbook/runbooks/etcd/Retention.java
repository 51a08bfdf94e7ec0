package dev.runbook.runbooks.etcd;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which old snapshots retention deletes. A snapshot is kept when it is among the newest {@code
 * keep}, or younger than {@code keepDays}; with both off (0) nothing is deleted. Only files named
 * by this runbook for this cluster are considered, and the snapshot just taken never is.
 */
record Retention(int keep, int keepDays) {

  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

  Retention {
    if (keep < 0 || keepDays < 0) {
      throw new IllegalArgumentException("keep and keepDays must be 0 (off) or more");
    }
  }

  boolean off() {
    return keep == 0 && keepDays == 0;
  }

  static String prefix(String cluster) {
    return "etcd-snapshot-" + cluster + "-";
  }

  List<String> toDelete(List<String> names, String cluster, String current, Instant now) {
    if (off()) {
      return List.of();
    }
    Pattern ours =
        Pattern.compile(Pattern.quote(prefix(cluster)) + "(\\d{8}T\\d{6}Z)-[0-9a-f]{8}\\.db");
    record Dated(String name, Instant at) {}
    List<Dated> dated = new ArrayList<>();
    for (String n : names) {
      Matcher m = ours.matcher(n);
      if (m.matches()) {
        dated.add(new Dated(n, LocalDateTime.parse(m.group(1), STAMP).toInstant(ZoneOffset.UTC)));
      }
    }
    dated.sort(Comparator.comparing(Dated::at).reversed().thenComparing(Dated::name));
    List<String> delete = new ArrayList<>();
    for (int i = 0; i < dated.size(); i++) {
      Dated d = dated.get(i);
      boolean newest = keep > 0 && i < keep;
      boolean young =
          keepDays > 0 && Duration.between(d.at(), now).compareTo(Duration.ofDays(keepDays)) < 0;
      if (!newest && !young && !d.name().equals(current)) {
        delete.add(d.name());
      }
    }
    return delete;
  }
}
