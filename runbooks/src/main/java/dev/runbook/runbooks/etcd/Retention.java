package dev.runbook.runbooks.etcd;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which old snapshots retention deletes. A snapshot is kept when it is among the newest {@code
 * keep}, or younger than {@code keepDays}; with both off (0) nothing is deleted. Only files named
 * by this runbook for this cluster are considered, and the snapshot just taken never is.
 */
record Retention(int keep, int keepDays) {

  Retention {
    if (keep < 0 || keepDays < 0) {
      throw new IllegalArgumentException("keep and keepDays must be 0 (off) or more");
    }
  }

  boolean off() {
    return keep == 0 && keepDays == 0;
  }

  static String prefix(String cluster) {
    return SnapshotName.prefix(cluster);
  }

  List<String> toDelete(List<String> names, String cluster, String current, Instant now) {
    if (off()) {
      return List.of();
    }
    record Dated(String name, Instant at) {}
    List<Dated> dated = new ArrayList<>();
    for (String n : names) {
      SnapshotName.parse(n, cluster).ifPresent(s -> dated.add(new Dated(n, s.takenAt())));
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
