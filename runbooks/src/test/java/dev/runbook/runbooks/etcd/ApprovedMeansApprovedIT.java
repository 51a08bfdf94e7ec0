package dev.runbook.runbooks.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.RunbookPlan;
import dev.runbook.engine.api.Runs;
import dev.runbook.lab.LabInstance;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What was approved is what runs, on the lab (issue 15): a template edited between the start of a
 * run and its approval is refused, naming the file, and the edited command never reaches the node;
 * a snapshot swapped between the plan's approval and the run is refused before the run exists.
 */
class ApprovedMeansApprovedIT {

  static LabInstance lab;
  @TempDir Path tmp;

  @BeforeAll
  static void up() throws Exception {
    lab = LabInstance.up(1, "3.5");
  }

  @AfterAll
  static void down() {
    if (lab != null) {
      lab.close();
    }
  }

  @Test
  void aTemplateEditedBetweenTheStartAndTheApprovalIsRefusedAndSendsNothing() throws Exception {
    Path home = tmp.resolve("home");
    String stampDir = "/var/lib/runbook/approved-" + Long.toHexString(System.nanoTime());
    Map<String, String> params = Map.of("stampDir", stampDir);
    String runId;
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
      RunOutcome o =
          engine.start(
              "ssh-check", lab.inventory(), params, "alice", null, EtcdRunbooksIT.as(lab, "alice"));
      assertThat(o.state()).as(o.message()).isEqualTo(RunState.WAITING);
      runId = o.runId();
    }
    // The read-only step after the gate, edited to leave a trace on the node (issue 15's attack).
    String trace = "/tmp/edited-template-" + runId;
    Path edited = tmp.resolve("edited");
    Path readStamp = edited.resolve("commands/ssh-check/read-stamp.ftl");
    Files.createDirectories(readStamp.getParent());
    Files.writeString(readStamp, "touch " + trace + "; cat -- ${path}\n");
    try (RunbookEngine engine =
        RunbookEngine.open(EngineOptions.of(home).withTemplatesDir(edited))) {
      assertThatThrownBy(
              () -> engine.approve(runId, null, "bob", "looks fine", EtcdRunbooksIT.as(lab, "bob")))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("commands/ssh-check/read-stamp.ftl");
    }
    assertThat(lab.ssh(1, "test -e " + trace + " && echo present || echo absent").output())
        .contains("absent");
    assertThat(lab.ssh(1, "ls -A " + stampDir + " 2>/dev/null || true").output())
        .doesNotContain(runId);
    // Nothing was decided: the run still waits, and the shipped templates approve it.
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
      assertThat(Runs.list(home).get(0).state()).isEqualTo("waiting");
      RunOutcome done =
          engine.approve(runId, null, "bob", "looks fine", EtcdRunbooksIT.as(lab, "bob"));
      assertThat(done.state()).as(done.message()).isEqualTo(RunState.DONE);
    }
    assertThat(lab.ssh(1, "test -e " + trace + " && echo present || echo absent").output())
        .contains("absent");
    assertThat(Runs.verify(home, runId).ok()).isTrue();
  }

  @Test
  void aSnapshotSwappedAfterThePlanWasApprovedIsRefusedBeforeARunExists() throws Exception {
    Path home = tmp.resolve("home");
    Path snapshot = tmp.resolve("approved.db");
    copyFixture("etcd-3.4-one-key.db", snapshot);
    EngineOptions options = EngineOptions.of(home);
    Map<String, String> params =
        Map.of("snapshot", snapshot.toString(), "scratchRoot", EtcdRunbooksIT.SCRATCH);
    RunbookPlan approved =
        RunbookEngine.plan(options, "etcd-restore-rehearsal", lab.inventory(), params, false);
    // Same path, other content: a valid snapshot too, so only the binding can tell.
    copyFixture("etcd-3.4-two-keys.db", snapshot);
    try (RunbookEngine engine = RunbookEngine.open(options)) {
      assertThatThrownBy(
              () ->
                  engine.start(
                      "etcd-restore-rehearsal",
                      lab.inventory(),
                      params,
                      "alice",
                      approved.sha256(),
                      EtcdRunbooksIT.as(lab, "alice")))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("would not do what plan " + approved.sha256())
          .hasMessageContaining("snapshot SHA-256");
    }
    assertThat(Runs.list(home)).isEmpty();
    assertThat(lab.ssh(1, "ls -A " + EtcdRunbooksIT.SCRATCH + " 2>/dev/null || true").output())
        .doesNotContain("etcd-rehearsal-");
  }

  private static void copyFixture(String name, Path to) throws Exception {
    try (InputStream in = ApprovedMeansApprovedIT.class.getResourceAsStream("/snapshots/" + name)) {
      Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
