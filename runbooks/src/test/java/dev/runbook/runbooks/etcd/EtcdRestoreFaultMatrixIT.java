package dev.runbook.runbooks.etcd;

import static dev.runbook.runbooks.etcd.EtcdRestoreIT.marker;
import static dev.runbook.runbooks.etcd.EtcdRestoreIT.put;
import static dev.runbook.runbooks.etcd.EtcdRunbooksIT.as;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.lab.LabInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The rest of etcd-restore's fault matrix, on a 3-member etcd 3.5 lab of its own: the CLI SIGKILLed
 * in each changing step not covered by {@link EtcdRestoreFaultsIT}, an SSH connection cut
 * mid-command, a member off the network after the stop, and an abort while a step runs. Each case
 * ends in a modelled state with nothing lost, and adds its row to the table in docs/reliability.md,
 * which this class checks (and rewrites with {@code -Dgolden.update=true}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EtcdRestoreFaultMatrixIT {

  static final Path DOC = Path.of("..", "docs", "reliability.md");
  static final String BEGIN = "<!-- begin: produced by EtcdRestoreFaultMatrixIT -->";
  static final String END = "<!-- end: produced by EtcdRestoreFaultMatrixIT -->";
  static final int CASES = 7;

  RestoreFaults faults;
  final List<String> rows = new ArrayList<>();

  @BeforeAll
  void lab() throws Exception {
    faults = RestoreFaults.up();
  }

  @AfterAll
  void tableAndDown() throws Exception {
    try {
      if (rows.size() == CASES) {
        checkTable();
      }
    } finally {
      if (faults != null) {
        faults.close();
      }
    }
  }

  /** A row of the table: the case passed with this outcome. */
  private void row(String fault, String where, String outcome, String test) {
    rows.add("| " + fault + " | `" + where + "` | " + outcome + " | `" + test + "` |");
  }

  private void checkTable() throws Exception {
    String table =
        "| Fault | Where | Outcome | Test |\n|---|---|---|---|\n" + String.join("\n", rows) + "\n";
    String doc = Files.readString(DOC);
    int b = doc.indexOf(BEGIN);
    int e = doc.indexOf(END);
    assertThat(b).as(DOC + " holds the marker " + BEGIN).isNotNegative();
    assertThat(e).as(DOC + " holds the marker " + END).isGreaterThan(b);
    String produced = doc.substring(0, b + BEGIN.length()) + "\n" + table + doc.substring(e);
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(DOC, produced);
      return;
    }
    assertThat(doc)
        .as(
            "docs/reliability.md's fault matrix is what this run found; -Dgolden.update=true rewrites it")
        .isEqualTo(produced);
  }

  @Test
  @Order(1)
  void aCliKilledDuringThePatchIsResumedByItsProbe() throws Exception {
    String run = faults.startToStopGate();
    faults.killWhen(
        run,
        "Gate_ApproveStop",
        "bob",
        false,
        RestoreFaults.line("command.sent", "Task_PatchManifests"));
    RunOutcome r = resumeAndRestart(run);
    assertThat(r.state()).as(r.message()).isEqualTo(RunState.DONE);
    assertNoPersonAsked(run);
    assertRestored(run);
    row(
        "SIGKILL of the CLI, then resume",
        "Task_PatchManifests",
        "its probe decides (done, or run again); no person asked; restored",
        "aCliKilledDuringThePatchIsResumedByItsProbe");
  }

  @Test
  @Order(2)
  void aCliKilledDuringTheEtcdStartIsResumedByItsProbe() throws Exception {
    String run =
        killAfterTheRestartGateAndResumeToDone(
            l ->
                RestoreFaults.line("command.sent", "Task_StartEtcd").test(l)
                    && l.contains("installed"));
    faults.assertRanAgainWithoutAPerson(run, "Task_StartEtcd");
    assertRestored(run);
    row(
        "SIGKILL of the CLI, then resume",
        "Task_StartEtcd",
        "its probe finds every patched manifest; the start runs again; no person asked; restored",
        "aCliKilledDuringTheEtcdStartIsResumedByItsProbe");
  }

  @Test
  @Order(3)
  void aCliKilledDuringTheControlPlaneStartIsResumedByItsProbe() throws Exception {
    String run =
        killAfterTheRestartGateAndResumeToDone(
            RestoreFaults.line("command.sent", "Task_StartControlPlane"));
    faults.assertRanAgainWithoutAPerson(run, "Task_StartControlPlane");
    for (int n = 1; n <= RestoreFaults.MEMBERS; n++) {
      assertThat(faults.lab.ssh(n, "crictl ps --name '^kube-apiserver$' -q").output()).isNotBlank();
    }
    assertRestored(run);
    row(
        "SIGKILL of the CLI, then resume",
        "Task_StartControlPlane",
        "runs again (always safe: every move is a no-op once made); no person asked; restored",
        "aCliKilledDuringTheControlPlaneStartIsResumedByItsProbe");
  }

  @Test
  @Order(4)
  void anSshConnectionCutDuringARestoreIsAnsweredByTheProbeInTheSameProcess() throws Exception {
    // cp-2's restore takes 5 s more than it would, so the cut lands while it runs.
    Path tool = faults.lab.nodePath(2, "/usr/local/bin/etcdutl");
    Path real = Files.readSymbolicLink(tool);
    Files.delete(tool);
    Files.writeString(
        tool, "#!/bin/sh\ncase \"$*\" in *restore*) sleep 5;; esac\nexec '" + real + "' \"$@\"\n");
    tool.toFile().setExecutable(true);
    String run;
    try {
      run = faults.startToStopGate();
      Process driver = faults.decide(run, "Gate_ApproveStop", "bob", false);
      faults.awaitLine(
          run,
          l ->
              RestoreFaults.line("command.sent", "Task_RestoreMembers").test(l)
                  && l.contains("\"node\":\"cp-2\"")
                  && l.contains("--initial-cluster-token"),
          driver);
      Thread.sleep(1000);
      assertThat(faults.lab.cutSsh(2)).as("connections cut on cp-2").isPositive();
      assertThat(driver.waitFor(3, TimeUnit.MINUTES)).isTrue();
    } finally {
      Files.delete(tool);
      Files.createSymbolicLink(tool, real);
    }
    List<JsonNode> records = faults.records(run);
    assertThat(records)
        .as("the restore step saw the connection break")
        .anyMatch(
            r ->
                r.path("activityId").asText().equals("Task_RestoreMembers")
                    && r.toString().contains("CONNECTION_LOST"));
    assertNoPersonAsked(run);
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(faults.home))) {
      assertThat(Files.readString(faults.lab.dir().resolve("driver.log"))).contains("WAITING");
      // The run went on to the restart gate by itself: approving it there ends the restore.
      RunOutcome r =
          engine.approve(run, "Gate_ApproveRestart", "carol", "go", as(faults.lab, "carol"));
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.DONE);
    }
    long restores =
        faults.records(run).stream()
            .filter(r -> RestoreFaults.isRestore(r) && RestoreFaults.onNode(r, "cp-2"))
            .count();
    assertThat(restores).as("cp-2 restored at most once more").isBetween(1L, 2L);
    assertThat(faults.lab.ssh(2, "ls -d /var/lib/etcd-restore-" + run + "*").output())
        .doesNotContain(".part");
    assertRestored(run);
    row(
        "SSH connection to one member cut mid-command",
        "Task_RestoreMembers",
        "waits for the command left running, then its probe decides in the same process; no"
            + " person asked; restored",
        "anSshConnectionCutDuringARestoreIsAnsweredByTheProbeInTheSameProcess");
  }

  @Test
  @Order(5)
  void aMemberOffTheNetworkAfterTheStopHoldsTheRunUntilItIsBack() throws Exception {
    String run = faults.toRestartGate();
    faults.lab.stopSsh(3);
    RunOutcome r;
    try {
      try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(faults.home))) {
        r = engine.approve(run, "Gate_ApproveRestart", "carol", "go", as(faults.lab, "carol"));
      }
      // The approving process takes the node lock on every member before its first change, and
      // cp-3 cannot give it: the start is not sent anywhere, and the run waits for a resume.
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.FAILED);
      assertThat(r.message()).contains("cp-3").contains("Nothing was changed");
      assertThat(faults.records(run))
          .noneMatch(
              rec ->
                  RestoreFaults.line("command.sent", "Task_StartEtcd").test(rec.toString())
                      && rec.path("command").asText().contains("installed"));
    } finally {
      faults.lab.startSsh(3);
    }
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(faults.home))) {
      r = engine.resume(run, "alice", as(faults.lab, "alice"));
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.DONE);
    }
    assertRestored(run);
    row(
        "one member off the network after the stop (its sshd gone)",
        "Task_StartEtcd",
        "not sent to any member: the node lock cannot be taken on that one (failed, nothing"
            + " changed); once it is back, resume goes on; restored",
        "aMemberOffTheNetworkAfterTheStopHoldsTheRunUntilItIsBack");
  }

  @Test
  @Order(6)
  void anAbortWhileTheRestoreRunsWaitsForTheStepThenRollsBack() throws Exception {
    put(faults.lab, "before-case-6");
    String manifests = faults.manifests();
    String run = faults.startToStopGate();
    Process driver = faults.decide(run, "Gate_ApproveStop", "bob", false);
    faults.awaitLine(run, RestoreFaults.line("command.sent", "Task_RestoreMembers"), driver);
    RunOutcome r;
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(faults.home))) {
      r = engine.abort(run, "bob", "wrong snapshot", as(faults.lab, "bob"));
    }
    assertThat(r.state()).as(r.message()).isIn(RunState.ABORTED, RunState.ROLLED_BACK);
    assertThat(driver.waitFor(1, TimeUnit.MINUTES)).isTrue();
    // The abort waited for the process driving the run: it came after the restore had ended.
    List<JsonNode> records = faults.records(run);
    Instant restoreEnded = at(records, "step.finished", "Task_RestoreMembers");
    Instant aborted = at(records, "abort.requested", null);
    assertThat(aborted).isAfterOrEqualTo(restoreEnded);
    faults.assertRolledBack(run, manifests, "before-case-6", "Task_AbortRollBack");
    row(
        "abort while a step runs",
        "Task_RestoreMembers",
        "waits for the process driving the run to stop, then the abort path rolls back",
        "anAbortWhileTheRestoreRunsWaitsForTheStepThenRollsBack");
  }

  @Test
  @Order(7)
  void aMemberWhoseDiskFillsUpDuringTheRestoreIsRolledBack() throws Exception {
    // A lab of its own whose nodes each have a 256 MiB /var/lib: the data dirs and the restore's.
    RestoreFaults small = RestoreFaults.up(256);
    try {
      String manifests = small.manifests();
      String run = small.startToStopGate();
      // cp-2's disk is left half the snapshot's size: the etcd that runs there has what it has
      // written already, and a restore, which copies the snapshot, cannot fit.
      long leave = Files.size(Path.of(small.snap.file())) / 2;
      LabInstance.Result filled =
          small.lab.ssh(
              2,
              "avail=$(df -k --output=avail /var/lib | tail -1);"
                  + " fallocate -l $(( avail * 1024 - "
                  + leave
                  + " )) /var/lib/filler && echo filled");
      assertThat(filled.output()).contains("filled");
      RunOutcome r;
      try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(small.home))) {
        r = engine.approve(run, "Gate_ApproveStop", "bob", "go", as(small.lab, "bob"));
      }
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.ROLLED_BACK);
      assertThat(small.records(run))
          .as("the restore failed on cp-2 for want of space")
          .anyMatch(
              rec ->
                  rec.path("activityId").asText().equals("Task_RestoreMembers")
                      && rec.path("node").asText().equals("cp-2")
                      && rec.toString().contains("no space left on device"));
      small.assertRolledBack(run, manifests, "after-snapshot");
      // The original data dir is where it was, and nothing of the failed restore took its place.
      assertThat(
              small
                  .lab
                  .ssh(
                      2,
                      "ls -d /var/lib/etcd/member && ls -d /var/lib/etcd-restore-" + run + " 2>&1")
                  .output())
          .contains("/var/lib/etcd/member")
          .contains("No such file or directory");
    } finally {
      small.close();
    }
    row(
        "one member's disk full",
        "Task_RestoreMembers",
        "the restore fails on that member (no space left on device); rolled back to the original"
            + " data",
        "aMemberWhoseDiskFillsUpDuringTheRestoreIsRolledBack");
  }

  /** When the first record of {@code type} (for {@code activityId}, if given) was written. */
  private static Instant at(List<JsonNode> records, String type, String activityId) {
    return records.stream()
        .filter(
            r ->
                r.path("type").asText().startsWith(type)
                    && (activityId == null || r.path("activityId").asText().equals(activityId)))
        .map(r -> Instant.parse(r.path("at").asText()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " record"));
  }

  /**
   * Takes a restore to the restart gate, approves it in the driver, SIGKILLs the driver when the
   * evidence has a line that matches, resumes, and asserts the restore ends done; returns the run.
   */
  private String killAfterTheRestartGateAndResumeToDone(java.util.function.Predicate<String> when)
      throws Exception {
    String run = faults.toRestartGate();
    faults.killWhen(run, "Gate_ApproveRestart", "carol", false, when);
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(faults.home))) {
      RunOutcome r = engine.resume(run, "alice", as(faults.lab, "alice"));
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.DONE);
    }
    return run;
  }

  /** Resumes a run killed before the restart gate and approves the restart. */
  private RunOutcome resumeAndRestart(String run) {
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(faults.home))) {
      RunOutcome r = engine.resume(run, "alice", as(faults.lab, "alice"));
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.WAITING);
      assertThat(r.gate().activityId()).isEqualTo("Gate_ApproveRestart");
      return engine.approve(run, "Gate_ApproveRestart", "carol", "go", as(faults.lab, "carol"));
    }
  }

  /**
   * The run ended restored with nothing lost: the cluster serves the snapshot (the marker), every
   * member's original data dir is kept whole, the evidence verifies.
   */
  private void assertRestored(String run) throws Exception {
    assertThat(marker(faults.lab)).isEqualTo("before-snapshot");
    faults.assertOriginalDataKept();
    RestoreFaults.assertVerifies(faults.home, run);
  }

  private void assertNoPersonAsked(String run) throws Exception {
    assertThat(faults.records(run))
        .noneMatch(r -> r.path("type").asText().equals("reconcile.required"));
  }
}
