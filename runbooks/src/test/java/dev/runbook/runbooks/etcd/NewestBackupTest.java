package dev.runbook.runbooks.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.runbooks.etcd.NewestBackup.Found;
import dev.runbook.runbooks.etcd.NewestBackup.Place;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which backup etcd-backup-check takes, and when a place is not fresh. */
class NewestBackupTest {

  static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");
  static final Duration DAY = Duration.ofHours(24);

  static Found local(String name) {
    return new Found(
        Place.SNAPSHOT_DIR, "/s/" + name, SnapshotName.parse(name, "lab").orElseThrow(), 1, null);
  }

  static Found stored(String name, Instant lastModified) {
    return new Found(
        Place.OBJECT_STORE,
        "s3://b/p/" + name,
        SnapshotName.parse(name, "lab").orElseThrow(),
        1,
        lastModified);
  }

  static Map<Place, String> both() {
    Map<Place, String> where = new LinkedHashMap<>();
    where.put(Place.SNAPSHOT_DIR, "/s");
    where.put(Place.OBJECT_STORE, "s3://b/p");
    return where;
  }

  @Test
  void theNameSaysWhenAndByWhichRunOnlyForThisCluster() {
    SnapshotName n =
        SnapshotName.parse("etcd-snapshot-lab-20261203T101500Z-0a1b2c3d.db", "lab").orElseThrow();
    assertThat(n.takenAt()).isEqualTo(Instant.parse("2026-12-03T10:15:00Z"));
    assertThat(n.runId()).isEqualTo("0a1b2c3d");
    assertThat(SnapshotName.parse("etcd-snapshot-lab-20261203T101500Z-0a1b2c3d.db", "other"))
        .isEmpty();
    assertThat(SnapshotName.parse("etcd-snapshot-lab-20261203T101500Z-0a1b2c3d.db.part", "lab"))
        .isEmpty();
    assertThat(SnapshotName.parse("etcd-snapshot-lab-20261303T101500Z-0a1b2c3d.db", "lab"))
        .as("month 13 is no date")
        .isEmpty();
    // A cluster whose name is another's prefix does not take the other's snapshots.
    assertThat(SnapshotName.parse("etcd-snapshot-lab-2-20261203T101500Z-0a1b2c3d.db", "lab"))
        .isEmpty();
  }

  @Test
  void theNewestByTheTimeInItsNameIsChosenAndAFreshOneHasNoProblem() {
    Found old = local("etcd-snapshot-lab-20261201T000000Z-00000001.db");
    Found fresh = local("etcd-snapshot-lab-20261203T060000Z-00000002.db");
    NewestBackup.Selection s =
        NewestBackup.select(
            Map.of(Place.SNAPSHOT_DIR, "/s"),
            Map.of(Place.SNAPSHOT_DIR, List.of(fresh, old)),
            DAY,
            NOW);
    assertThat(s.chosen()).contains(fresh);
    assertThat(s.problems()).isEmpty();
  }

  @Test
  void aNewestOlderThanMaxAgeIsStaleAndStillChosenToRehearse() {
    Found old = local("etcd-snapshot-lab-20261202T115959Z-00000001.db");
    NewestBackup.Selection s =
        NewestBackup.select(
            Map.of(Place.SNAPSHOT_DIR, "/s"), Map.of(Place.SNAPSHOT_DIR, List.of(old)), DAY, NOW);
    assertThat(s.chosen()).contains(old);
    assertThat(s.problems())
        .singleElement()
        .asString()
        .contains("the newest backup in /s")
        .contains("24 h 0 min ago")
        .contains("older than maxAge PT24H");
  }

  @Test
  void everyPlaceLookedInMustHoldAFreshOne() {
    Found fresh = local("etcd-snapshot-lab-20261203T060000Z-00000002.db");
    NewestBackup.Selection s =
        NewestBackup.select(both(), Map.of(Place.SNAPSHOT_DIR, List.of(fresh)), DAY, NOW);
    assertThat(s.chosen()).contains(fresh);
    assertThat(s.newest().get(Place.OBJECT_STORE)).isEmpty();
    assertThat(s.problems()).containsExactly("no backup of the cluster in s3://b/p");
  }

  @Test
  void onATieTheObjectStoresCopyIsChecked() {
    String name = "etcd-snapshot-lab-20261203T060000Z-00000002.db";
    Found here = local(name);
    Found there = stored(name, Instant.parse("2026-12-03T06:00:05Z"));
    NewestBackup.Selection s =
        NewestBackup.select(
            both(),
            Map.of(Place.SNAPSHOT_DIR, List.of(here), Place.OBJECT_STORE, List.of(there)),
            DAY,
            NOW);
    assertThat(s.chosen()).contains(there);
    assertThat(s.problems()).isEmpty();
  }

  @Test
  void nothingAnywhereChoosesNothing() {
    NewestBackup.Selection s = NewestBackup.select(both(), Map.of(), DAY, NOW);
    assertThat(s.chosen()).isEmpty();
    assertThat(s.problems()).hasSize(2);
  }

  @Test
  void aNameDatedInTheFutureIsNotTakenForFresh() {
    Found future = local("etcd-snapshot-lab-20261204T000000Z-00000003.db");
    Found old = local("etcd-snapshot-lab-20261201T000000Z-00000001.db");
    NewestBackup.Selection s =
        NewestBackup.select(
            Map.of(Place.SNAPSHOT_DIR, "/s"),
            Map.of(Place.SNAPSHOT_DIR, List.of(future, old)),
            DAY,
            NOW);
    assertThat(s.chosen()).contains(old);
    assertThat(s.problems()).singleElement().asString().contains("older than maxAge");
  }

  @Test
  void anObjectStoredBeforeTheTimeInItsNameIsNotBelieved() {
    Found renamed =
        stored(
            "etcd-snapshot-lab-20261203T060000Z-00000002.db",
            Instant.parse("2026-11-01T00:00:00Z"));
    NewestBackup.Selection s =
        NewestBackup.select(
            Map.of(Place.OBJECT_STORE, "s3://b/p"),
            Map.of(Place.OBJECT_STORE, List.of(renamed)),
            DAY,
            NOW);
    assertThat(s.problems()).singleElement().asString().contains("before the time in its name");
  }

  @Test
  void theVerdictIsFailedOverStaleOverPassed() {
    assertThat(BackupCheckResult.verdict("VerifySnapshot: trailer", "old")).isEqualTo("failed");
    assertThat(BackupCheckResult.verdict(null, "the newest is old")).isEqualTo("stale");
    assertThat(BackupCheckResult.verdict(null, "")).isEqualTo("passed");
    assertThat(BackupCheckResult.verdict("", null)).isEqualTo("passed");
  }
}
