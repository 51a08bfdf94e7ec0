package dev.runbook.engine.internal.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.Runs;
import dev.runbook.engine.internal.evidence.EvidenceReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine database comes back behind the evidence: a SIGKILL can cost H2 its last commits while
 * the evidence, fsynced first, keeps them (seen in the fault matrix on the lab). The test makes
 * that state for real: it copies the database file while no process has it open, lets the run go
 * on, and puts the copy back. What the evidence shows decided is then not asked again.
 */
class LostCommitTest {

  @TempDir Path tmp;
  CrashHome crash;
  Path home;
  Path work;

  @BeforeEach
  void setUp() throws Exception {
    crash = CrashHome.in(tmp, "lost");
    home = crash.home();
    work = crash.work();
  }

  private RunbookEngine engine() {
    return crash.engine();
  }

  private Path database() {
    return home.resolve("engine.mv.db");
  }

  /** Starts a run to its gate and keeps a copy of the database as it is there. */
  private String toTheGate(Path copy) throws IOException {
    String run;
    try (RunbookEngine engine = engine()) {
      RunOutcome o =
          engine.start(
              "lost-commit-test",
              crash.inventory(),
              Map.of("dir", work.toString(), "probe", "file"),
              "alice");
      assertThat(o.state()).isEqualTo(RunState.WAITING);
      assertThat(o.gate().activityId()).isEqualTo("Gate_Write");
      run = o.runId();
    }
    Files.copy(database(), copy);
    return run;
  }

  private List<JsonNode> records(String run, String type) throws IOException {
    return EvidenceReader.read(home.resolve("runs").resolve(run)).stream()
        .filter(r -> r.path("type").asText().equals(type))
        .toList();
  }

  @Test
  void anApprovalTheDatabaseLostIsTakenFromTheEvidenceAndNotAskedAgain() throws Exception {
    Path copy = tmp.resolve("at-the-gate.mv.db");
    String run = toTheGate(copy);
    // bob approves in another process; the write after the gate starts and hangs; SIGKILL.
    Files.writeString(work.resolve("hang-write"), "");
    Process child = crash.child("file", "approve:" + run);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(work.resolve("write.done"))) {
      assertThat(child.isAlive()).as("child: %s", crash.childLog()).isTrue();
      assertThat(System.nanoTime()).as("the write never started").isLessThan(deadline);
      Thread.sleep(50);
    }
    new ProcessBuilder("kill", "-KILL", Long.toString(child.pid())).start().waitFor();
    assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
    Files.delete(work.resolve("hang-write"));
    assertThat(records(run, "gate.decision")).hasSize(1);
    assertThat(records(run, "step.started")).hasSize(1);

    // The database as the SIGKILL can leave it: still waiting at the gate bob approved.
    Files.copy(copy, database(), StandardCopyOption.REPLACE_EXISTING);
    try (RunbookEngine engine = engine()) {
      RunOutcome o = engine.resume(run, "carol");
      assertThat(o.state()).as(String.join("\n", Runs.records(home, run))).isEqualTo(RunState.DONE);
    }
    List<JsonNode> recovered = records(run, "run.recovered");
    assertThat(recovered).hasSize(1);
    assertThat(recovered.get(0).path("kind").asText()).isEqualTo("gate-decision");
    assertThat(recovered.get(0).path("activityId").asText()).isEqualTo("Gate_Write");
    assertThat(recovered.get(0).path("detail").asText()).startsWith("approved by bob at ");
    // Nobody was asked again: bob's is the only decision; the write's probe found it done, so the
    // write ran once, and the run's outcome says so.
    assertThat(records(run, "gate.decision")).hasSize(1);
    assertThat(Files.readString(work.resolve("write.started"))).isEqualTo("x");
    assertThat(records(run, "step.finished"))
        .anyMatch(r -> r.path("outcome").asText().equals("already-done"));
    assertThat(Runs.verify(home, run).ok()).isTrue();
  }

  @Test
  void aRejectionTheDatabaseLostEndsTheRunAsTheEvidenceSaysAndFreesTheCluster() throws Exception {
    Path copy = tmp.resolve("at-the-gate.mv.db");
    String run = toTheGate(copy);
    try (RunbookEngine engine = engine()) {
      assertThat(engine.reject(run, null, "bob", "not now").state()).isEqualTo(RunState.REJECTED);
    }
    Files.copy(copy, database(), StandardCopyOption.REPLACE_EXISTING);
    try (RunbookEngine engine = engine()) {
      // Neither an approval nor a resume brings back a run its evidence shows ended.
      assertThatThrownBy(() -> engine.approve(run, null, "carol", "go"))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("has ended (rejected)");
      assertThatThrownBy(() -> engine.resume(run, "carol"))
          .isInstanceOf(BadInputException.class)
          .hasMessageMatching("(?s).*(has ended \\(rejected\\)|is not active).*");
      // The cluster is free: a new run on it starts.
      RunOutcome next =
          engine.start(
              "lost-commit-test",
              crash.inventory(),
              Map.of("dir", work.toString(), "probe", "file"),
              "alice");
      assertThat(next.state()).isEqualTo(RunState.WAITING);
    }
    assertThat(records(run, "gate.decision")).hasSize(1);
    assertThat(records(run, "run.ended")).hasSize(1);
    assertThat(Files.exists(work.resolve("write.started"))).isFalse();
    assertThat(Runs.summary(home, run).state()).isEqualTo("rejected");
    assertThat(Runs.verify(home, run).ok()).isTrue();
  }
}
