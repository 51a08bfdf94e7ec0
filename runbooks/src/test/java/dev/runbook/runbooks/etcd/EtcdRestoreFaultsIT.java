package dev.runbook.runbooks.etcd;

import static dev.runbook.runbooks.etcd.EtcdRestoreIT.marker;
import static dev.runbook.runbooks.etcd.EtcdRestoreIT.start;
import static dev.runbook.runbooks.etcd.EtcdRunbooksIT.JSON;
import static dev.runbook.runbooks.etcd.EtcdRunbooksIT.as;
import static dev.runbook.runbooks.etcd.EtcdRunbooksIT.liveState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.Runs;
import dev.runbook.lab.LabInstance;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * etcd-restore's faults, injected with real processes on one 3-member etcd 3.5 lab: a damaged
 * snapshot and an unreachable member stop the run before any change; a rejection at the first gate
 * changes nothing; a rejection at the second, and an etcd that does not come up on one member after
 * the restore, roll back to the original data (the marker written after the snapshot reads again);
 * a CLI killed during the restore is resumed only once the commands it left running on the members
 * (under their run markers) have ended, and restores no member more than once more.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EtcdRestoreFaultsIT {

  static final int MEMBERS = RestoreFaults.MEMBERS;

  RestoreFaults faults;
  LabInstance lab;
  Path home;
  EtcdRestoreIT.Snapshot snap;

  @BeforeAll
  void labWithASnapshotAndALaterMarker() throws Exception {
    faults = RestoreFaults.up();
    lab = faults.lab;
    home = faults.home;
    snap = faults.snap;
  }

  @AfterAll
  void down() {
    if (faults != null) {
      faults.close();
    }
  }

  @Test
  @Order(1)
  void aSnapshotFailingItsChecksStopsNothing() throws Exception {
    Path damaged = lab.dir().resolve("damaged.db");
    Files.copy(Path.of(snap.file()), damaged);
    try (RandomAccessFile f = new RandomAccessFile(damaged.toFile(), "rw")) {
      f.seek(f.length() / 2);
      int b = f.read();
      f.seek(f.length() / 2);
      f.write(b ^ 0xff);
    }
    String live = liveState(lab, MEMBERS);
    int runs = Runs.list(home).size();
    // The plan reads the snapshot, so both are bad input: refused before a run exists.
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
      assertThatThrownBy(
              () ->
                  start(
                      engine,
                      lab,
                      lab.inventory(),
                      new EtcdRestoreIT.Snapshot(damaged.toString(), "", 0, 0),
                      Map.of("expectSha256", "")))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("Task_VerifySnapshot")
          .hasMessageContaining("check trailer-mismatch failed");
      // A file with the right trailer but not the digest asked for is refused the same way.
      assertThatThrownBy(
              () ->
                  start(engine, lab, lab.inventory(), snap, Map.of("expectSha256", "0".repeat(64))))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("check digest failed");
    }
    assertThat(Runs.list(home)).hasSize(runs);
    assertThat(liveState(lab, MEMBERS)).isEqualTo(live);
  }

  @Test
  @Order(2)
  void aMemberUnreachableOverSshStopsTheRunBeforeItStarts() throws Exception {
    Path inventory = lab.dir().resolve("inventory-cp3-unreachable.yaml");
    // Nothing listens on 127.0.0.99: cp-3's SSH connection is refused.
    Files.writeString(
        inventory,
        Files.readString(lab.inventory()).replace("host: " + lab.address(3), "host: 127.0.0.99"));
    String live = liveState(lab, MEMBERS);
    int runs = Runs.list(home).size();
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
      // The run plans itself first, reading every member (read-only): cp-3 cannot be read, so
      // there is no run, no lock, and nothing changed.
      assertThatThrownBy(() -> start(engine, lab, inventory, snap, Map.of()))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("cannot read cp-3")
          .hasMessageContaining("nothing was changed");
    }
    assertThat(Runs.list(home)).hasSize(runs);
    assertThat(liveState(lab, MEMBERS)).isEqualTo(live);
  }

  @Test
  @Order(3)
  void aRejectionOrAnAbortAtTheStopGateChangesNothing() throws Exception {
    String live = liveState(lab, MEMBERS);
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
      RunOutcome r = start(engine, lab, lab.inventory(), snap, Map.of());
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.WAITING);
      r =
          engine.reject(
              r.runId(), "Gate_ApproveStop", "bob", "not during business hours", as(lab, "bob"));
      assertThat(r.state()).isEqualTo(RunState.REJECTED);
      assertThat(Runs.verify(home, r.runId()).ok()).isTrue();
      // Aborted at the same gate, before anything changed: the run ends and frees the cluster.
      RunOutcome a = start(engine, lab, lab.inventory(), snap, Map.of());
      assertThat(a.state()).as(a.message()).isEqualTo(RunState.WAITING);
      a = engine.abort(a.runId(), "bob", "wrong window", as(lab, "bob"));
      assertThat(a.state()).as(a.message()).isEqualTo(RunState.ABORTED);
      assertThat(Runs.verify(home, a.runId()).ok()).isTrue();
    }
    assertThat(liveState(lab, MEMBERS)).isEqualTo(live);
    assertThat(marker(lab)).isEqualTo("after-snapshot");
  }

  @Test
  @Order(4)
  void aRejectionAtTheRestartGateRollsBack() throws Exception {
    String manifests = faults.manifests();
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
      RunOutcome r = faults.toRestartGate(engine);
      r =
          engine.reject(
              r.runId(), "Gate_ApproveRestart", "carol", "the diff is wrong", as(lab, "carol"));
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.ROLLED_BACK);
      faults.assertRolledBack(r.runId(), manifests, "after-snapshot");
      // Never started on the restored data: nothing of it had to be set aside.
      assertThat(lab.ssh(2, "ls /etc/kubernetes/etcd-restore-" + r.runId()).output())
          .doesNotContain("rolled-back")
          .contains("etcd.yaml.restored");
    }
  }

  @Test
  @Order(5)
  void etcdFailingOnOneMemberAfterTheRestoreRollsBackToTheOriginalData() throws Exception {
    String manifests = faults.manifests();
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
      RunOutcome r = faults.toRestartGate(engine);
      String run = r.runId();
      // cp-2's restored WAL is damaged: its etcd exits at start, the other two keep a quorum.
      RestoreFaults.damageWal(lab, 2, run);
      r = engine.approve(run, "Gate_ApproveRestart", "carol", "go", as(lab, "carol"));
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.ROLLED_BACK);
      assertThat(r.message()).contains("cp-2");
      // Not the health wait running out: the watch saw cp-2's restored etcd exit, and the
      // step failed then, with the container's last log lines in the evidence.
      String failed = RestoreFaults.firstFailure(home, run, "Task_StartEtcd");
      assertThat(failed).contains("cp-2: etcd exited after the start on the restored data");
      assertThat(failed).contains("STEP_FAILED").doesNotContain("WAIT_TIMED_OUT");
      // The figure for issue 17's target (rollback within 20 s of the first exit), not asserted.
      System.out.printf(
          "etcd start on a damaged member failed after %d ms (healthTimeout %s)%n",
          JSON.readTree(failed).path("durationMillis").asLong(),
          EtcdRestoreIT.params(lab, snap).get("healthTimeout"));
      faults.assertRolledBack(run, manifests, "after-snapshot");
      for (int n = 1; n <= MEMBERS; n++) {
        assertThat(lab.ssh(n, "ls /etc/kubernetes/etcd-restore-" + run).output())
            .contains("etcd.yaml.rolled-back.1");
      }
    }
  }

  @Test
  @Order(7)
  void aCliKilledDuringTheRestoreIsResumedWithoutRestoringTwice() throws Exception {
    String run;
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
      RunOutcome r = start(engine, lab, lab.inventory(), snap, Map.of());
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.WAITING);
      run = r.runId();
    }
    // Kill it (SIGKILL) as soon as the evidence shows a member's restore command sent: that
    // restore, and the others, are still running on the nodes when the process is gone.
    String inFlightOn =
        faults
            .killWhen(
                run,
                "Gate_ApproveStop",
                "bob",
                false,
                l ->
                    l.contains("\"type\":\"command.sent\"")
                        && l.contains("--initial-cluster-token"))
            .replaceAll(".*\"node\":\"(cp-[0-9]+)\".*", "$1");
    int node = Integer.parseInt(inFlightOn.substring("cp-".length()));

    // A command of the step that outlives the killed process longer than a small restore does:
    // still running on that member under the run's marker when the resume comes.
    String outlives =
        dev.runbook.engine.internal.ssh.RemoteCommand.wrap(
            dev.runbook.engine.internal.ssh.RunMarker.wrap(
                run,
                "Task_RestoreMembers",
                "sleep 12; date -u +%Y-%m-%dT%H:%M:%S.%NZ > /var/lib/outlived-at"),
            java.time.Duration.ofSeconds(60),
            false);
    assertThat(lab.ssh(node, "nohup " + outlives + " >/dev/null 2>&1 &").exitCode()).isZero();
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
      // Anyone the allowed-signers file names may resume: here the starter, signing as herself.
      RunOutcome r = engine.resume(run, "alice", as(lab, "alice"));
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.WAITING);
      assertThat(r.gate().activityId())
          .as(r.message() + "\n" + String.join("\n", Runs.records(home, run)))
          .isEqualTo("Gate_ApproveRestart");
      r = engine.approve(run, "Gate_ApproveRestart", "carol", "go", as(lab, "carol"));
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.DONE);
    }
    assertThat(marker(lab)).isEqualTo("before-snapshot");
    List<JsonNode> restore = new java.util.ArrayList<>();
    for (JsonNode rec : faults.records(run)) {
      if (rec.path("activityId").asText().equals("Task_RestoreMembers")) {
        restore.add(rec);
      }
    }
    // Every restore command ran under the run marker.
    assertThat(restore)
        .filteredOn(r -> RestoreFaults.isRestore(r))
        .isNotEmpty()
        .allMatch(r -> r.path("wire").asText().contains("runbook_marker="), "marked");
    // On the member where one still ran, the resume's wait ended only after it had (the lab's
    // nodes share the engine host's clock; evidence has milliseconds).
    java.time.Instant outlivedAt =
        java.time.Instant.parse(lab.ssh(node, "cat /var/lib/outlived-at").output().strip())
            .truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    assertThat(waitEnded(restore, inFlightOn))
        .as("the resume's wait on " + inFlightOn)
        .isNotNull()
        .isAfterOrEqualTo(outlivedAt);
    for (int n = 1; n <= MEMBERS; n++) {
      String name = "cp-" + n;
      long restores =
          restore.stream()
              .filter(r -> RestoreFaults.isRestore(r) && RestoreFaults.onNode(r, name))
              .count();
      assertThat(restores).as(name).isBetween(1L, 2L);
      if (restores == 2) {
        // Restored again only after the wait for the first restore's commands on that member.
        java.time.Instant second =
            java.time.Instant.parse(
                restore.stream()
                    .filter(r -> RestoreFaults.isRestore(r) && RestoreFaults.onNode(r, name))
                    .reduce((a, b) -> b)
                    .orElseThrow()
                    .path("at")
                    .asText());
        assertThat(waitEnded(restore, name)).as(name).isNotNull().isBeforeOrEqualTo(second);
      }
      assertThat(lab.ssh(n, "ls -d /var/lib/etcd-restore-" + run + "*").output())
          .doesNotContain(".part");
    }
    RestoreFaults.assertVerifies(home, run);
  }

  /** When the resume's wait for earlier commands on {@code node} ended (exit 0), or null. */
  private static java.time.Instant waitEnded(List<JsonNode> records, String node) {
    boolean waiting = false;
    for (JsonNode r : records) {
      if (!RestoreFaults.onNode(r, node)) {
        continue;
      }
      if (r.path("type").asText().equals("command.sent")) {
        waiting = r.path("command").asText().startsWith("for runbook_marker in");
      } else if (waiting && r.path("type").asText().equals("command.finished")) {
        assertThat(r.path("exitStatus").asInt()).as("the wait on " + node).isZero();
        return java.time.Instant.parse(r.path("at").asText());
      }
    }
    return null;
  }

  @Test
  @Order(8)
  void aCliKilledDuringTheStopIsResumedByItsProbeWithoutAPerson() throws Exception {
    String run;
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
      RunOutcome r = start(engine, lab, lab.inventory(), snap, Map.of());
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.WAITING);
      run = r.runId();
    }
    // Approved, the stop starts; the process dies at its first command.
    faults.killWhen(
        run,
        "Gate_ApproveStop",
        "bob",
        false,
        RestoreFaults.line("command.sent", "Task_StopControlPlane"));
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
      RunOutcome r = engine.resume(run, "alice", as(lab, "alice"));
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.WAITING);
      assertThat(r.gate().activityId())
          .as(r.message() + "\n" + String.join("\n", Runs.records(home, run)))
          .isEqualTo("Gate_ApproveRestart");
      r = engine.approve(run, "Gate_ApproveRestart", "carol", "go", as(lab, "carol"));
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.DONE);
    }
    // Every member's etcd.yaml was where the stop leaves it: it ran again, and no person was asked.
    faults.assertRanAgainWithoutAPerson(run, "Task_StopControlPlane");
    assertThat(marker(lab)).isEqualTo("before-snapshot");
    RestoreFaults.assertVerifies(home, run);
  }

  @Test
  @Order(6) // before the restore to the end below, which leaves the marker as the snapshot has it
  void aCliKilledDuringTheRollbackIsResumedByItsProbeWithoutAPerson() throws Exception {
    String manifests = faults.manifests();
    String run;
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
      run = faults.toRestartGate(engine).runId();
    }
    // Rejected at the restart gate: the rollback starts; the process dies during it.
    faults.killWhen(
        run,
        "Gate_ApproveRestart",
        "carol",
        true,
        RestoreFaults.line("command.sent", "Task_RollBack"));
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
      RunOutcome r = engine.resume(run, "alice", as(lab, "alice"));
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.ROLLED_BACK);
    }
    // The rollback's probe found every etcd.yaml where the run had put it: no person was asked.
    faults.assertRanAgainWithoutAPerson(run, "Task_RollBack");
    faults.assertRolledBack(run, manifests, "after-snapshot");
    RestoreFaults.assertVerifies(home, run);
  }
}
