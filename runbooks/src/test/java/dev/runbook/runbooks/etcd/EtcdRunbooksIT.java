package dev.runbook.runbooks.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.Identity;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.Runs;
import dev.runbook.lab.LabInstance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * etcd-snapshot then etcd-restore-rehearsal end to end on the lab, for etcd 3.4 and 3.5 with 1 and
 * 3 members: the snapshot matches what etcd holds, the backup copies match it, and the rehearsal
 * proves it restores while the live etcd, its data dir and its manifests stay as they were.
 */
public class EtcdRunbooksIT {

  static final String MARKER = "/registry/configmaps/etcd-lab/restore-marker";
  static final ObjectMapper JSON = new ObjectMapper();
  // Under /var/lib: the lab gives each node its own /var/lib, /etc/kubernetes and /usr/local/bin;
  // everything else is the host's, shared by all nodes.
  static final String BACKUPS = "/var/lib/etcd-backups";
  static final String SCRATCH = "/var/lib/rehearsals";

  @TempDir Path tmp;

  static Stream<Arguments> labs() {
    return Stream.of(
        Arguments.of("3.4", 1),
        Arguments.of("3.4", 3),
        Arguments.of("3.5", 1),
        Arguments.of("3.5", 3));
  }

  @ParameterizedTest(name = "etcd {0}, {1} member(s)")
  @MethodSource("labs")
  void aSnapshotIsTakenCopiedVerifiedAndRehearsedWithoutTouchingTheLiveCluster(
      String etcd, int members) throws Exception {
    try (LabInstance lab = LabInstance.up(members, etcd)) {
      snapshotThenRehearse(lab, tmp, etcd, members, "cp-" + members, () -> liveState(lab, members));
    }
  }

  /**
   * Seeds the lab and sets the marker, takes etcd-snapshot (copied to {@code backupNode}, the lab's
   * node {@code backupIndex}) and rehearses it there; {@code liveState} must not change meanwhile.
   * Returns the snapshot step's outputs.
   */
  static JsonNode snapshotThenRehearse(
      LabInstance lab,
      Path tmp,
      String etcd,
      int backupIndex,
      String backupNode,
      java.util.concurrent.Callable<String> liveState)
      throws Exception {
    Path home = tmp.resolve("home");
    Path snapshots = tmp.resolve("snapshots");
    lab.seed(300);
    assertThat(lab.etcdctl(1, "put", MARKER, "before-snapshot").exitCode()).isZero();
    String live = liveState.call();

    RunOutcome snap;
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
      snap =
          engine.start(
              "etcd-snapshot",
              lab.inventory(),
              Map.of(
                  "snapshotDir",
                  snapshots.toString(),
                  "backupNodes",
                  backupNode,
                  "backupDir",
                  BACKUPS),
              "alice",
              null,
              as(lab, "alice"));
    }
    assertThat(snap.state()).as(snap.message()).isEqualTo(RunState.DONE);
    JsonNode taken = outputs(home, snap.runId(), "Task_TakeSnapshot");
    Path file = Path.of(taken.path("file").asText());
    assertThat(file.getParent()).isEqualTo(snapshots);
    assertThat(Files.getPosixFilePermissions(file))
        .containsExactlyInAnyOrder(
            java.nio.file.attribute.PosixFilePermission.OWNER_READ,
            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    assertThat(taken.path("sha256").asText()).isEqualTo(sha256(file));
    assertThat(taken.path("size").asLong()).isEqualTo(Files.size(file));
    assertThat(taken.path("serverVersion").asText()).startsWith(etcd + ".");
    assertThat(taken.path("leader").asBoolean()).isTrue();
    // Nothing writes to the lab meanwhile: the snapshot holds exactly what etcd serves.
    assertThat(taken.path("liveKeys").asLong()).isEqualTo(countKeys(lab));
    assertThat(taken.path("revision").asLong()).isEqualTo(revision(lab));
    assertThat(Files.list(snapshots).map(p -> p.getFileName().toString()))
        .containsExactly(file.getFileName().toString());

    Path copy = lab.nodePath(backupIndex, BACKUPS + "/" + file.getFileName().toString());
    assertThat(copy).as("%s", outputs(home, snap.runId(), "Task_CopyToBackupDirs")).exists();
    assertThat(sha256(copy)).isEqualTo(taken.path("sha256").asText());
    assertThat(Runs.verify(home, snap.runId()).ok()).isTrue();

    RunOutcome rehearsal;
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
      rehearsal =
          engine.start(
              "etcd-restore-rehearsal",
              lab.inventory(),
              Map.of(
                  "snapshot", file.toString(),
                  "rehearsalNode", backupNode,
                  "scratchRoot", SCRATCH),
              "alice",
              null,
              as(lab, "alice"));
    }
    assertThat(rehearsal.state()).as(rehearsal.message()).isEqualTo(RunState.DONE);
    JsonNode checked = outputs(home, rehearsal.runId(), "Task_CheckRestoredData");
    assertThat(checked.path("revision").asLong()).isEqualTo(taken.path("revision").asLong());
    assertThat(checked.path("keys").asLong()).isEqualTo(taken.path("liveKeys").asLong());
    assertThat(checked.path("namespaces").asLong()).isPositive();
    assertThat(checked.path("marker").asText()).isEqualTo("before-snapshot");
    assertThat(lab.ssh(backupIndex, "ls " + SCRATCH).output()).doesNotContain("etcd-rehearsal-");
    assertThat(liveState.call()).isEqualTo(live);
    assertThat(Runs.verify(home, rehearsal.runId()).ok()).isTrue();
    return taken;
  }

  /**
   * One of the lab's people (people/alice, bob, carol) signing: the lab's inventory says {@code
   * approval: {allowedSigners: ...}}, so every start, approval and rejection is a signed statement.
   */
  static Identity as(LabInstance lab, String person) {
    return new Identity.KeyFile(lab.people().resolve(person), null);
  }

  /**
   * What a rehearsal must never change: each member's manifests, the etcd process (same pid, so
   * never restarted), its data dir's member directory, and its health.
   */
  static String liveState(LabInstance lab, int members) {
    StringBuilder s = new StringBuilder();
    for (int n = 1; n <= members; n++) {
      s.append(
          lab.ssh(
                  n,
                  "sha256sum /etc/kubernetes/manifests/*.yaml;"
                      // This node's running etcds: nodes and other labs share the host's pid
                      // namespace, not the node's mount namespace (a stopped throwaway may linger
                      // as a zombie, whose namespace cannot be read, when pid 1 reaps no orphans).
                      + " own=$(readlink /proc/$$/ns/mnt);"
                      + " for p in $(pgrep -x etcd); do"
                      + " [ \"$(readlink /proc/$p/ns/mnt)\" = \"$own\" ] && echo $p;"
                      + " done;"
                      + " ls -id /var/lib/etcd/member /var/lib/etcd/member/snap")
              .output());
      s.append(lab.etcdctl(n, "endpoint", "health").exitCode());
    }
    return s.toString();
  }

  public static JsonNode outputs(Path home, String run, String activity) throws IOException {
    for (String line : Runs.records(home, run)) {
      JsonNode r = JSON.readTree(line);
      if (r.path("type").asText().equals("step.finished")
          && r.path("activityId").asText().equals(activity)) {
        return r.path("outputs");
      }
    }
    throw new AssertionError("no step.finished for " + activity + " in run " + run);
  }

  static long countKeys(LabInstance lab) throws IOException {
    LabInstance.Result r = lab.etcdctl(1, "get", "", "--prefix", "--keys-only", "-w", "json");
    assertThat(r.exitCode()).as(r.output()).isZero();
    return JSON.readTree(r.output()).path("count").asLong();
  }

  static long revision(LabInstance lab) throws IOException {
    LabInstance.Result r = lab.etcdctl(1, "get", "x", "-w", "json");
    assertThat(r.exitCode()).as(r.output()).isZero();
    return JSON.readTree(r.output()).path("header").path("revision").asLong();
  }

  static String sha256(Path f) throws Exception {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    try (var in = Files.newInputStream(f)) {
      byte[] b = new byte[1 << 16];
      int n;
      while ((n = in.read(b)) > 0) {
        d.update(b, 0, n);
      }
    }
    return HexFormat.of().formatHex(d.digest());
  }

  static List<String> lines(String s) {
    return s.lines().toList();
  }
}
