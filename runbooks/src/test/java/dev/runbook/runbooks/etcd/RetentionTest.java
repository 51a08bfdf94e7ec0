package dev.runbook.runbooks.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Retention reads dates from the names etcd-snapshot gives ({@link SnapshotName}), and no other.
 */
class RetentionTest {

  static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");

  @Test
  void keepsTheNewestAndTheYoungAndNeverTheCurrentOrAForeignFile() {
    String d1 = "etcd-snapshot-lab-20261201T000000Z-00000001.db";
    String d2 = "etcd-snapshot-lab-20261202T000000Z-00000002.db";
    String d3 = "etcd-snapshot-lab-20261203T000000Z-00000003.db";
    List<String> names =
        List.of(d1, d2, d3, "etcd-snapshot-other-20261101T000000Z-00000004.db", "notes.txt");
    assertThat(new Retention(1, 0).toDelete(names, "lab", d3, NOW)).containsExactly(d2, d1);
    assertThat(new Retention(1, 0).toDelete(names, "lab", d1, NOW)).containsExactly(d2);
    assertThat(new Retention(0, 2).toDelete(names, "lab", d3, NOW)).containsExactly(d1);
    assertThat(new Retention(0, 0).toDelete(names, "lab", d3, NOW)).isEmpty();
  }
}
