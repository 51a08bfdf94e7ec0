package dev.runbook.engine.internal.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.Runs;
import dev.runbook.engine.api.StepOutcome;
import dev.runbook.engine.internal.evidence.EngineKey;
import dev.runbook.engine.internal.evidence.EvidenceJournal;
import dev.runbook.engine.internal.evidence.EvidenceReader;
import dev.runbook.engine.internal.evidence.Redactor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine signs a run's evidence as it goes (a checkpoint when a process lets go of the run,
 * after each gate decision and after the end), and {@link Runs#verify} fails the run's evidence
 * once it is cut, emptied or copied under another id. On H2 with local steps.
 */
class EngineEvidenceTest {

  @TempDir Path tmp;

  @Test
  void aGatedRunIsSignedAtEachDecisionAndItsEndAndACutOrCopyFails() throws Exception {
    Path home = tmp.resolve("home");
    Path work = Files.createDirectories(tmp.resolve("work"));
    Path inventory = LocalInventory.write(tmp);
    Path runbooks = Path.of(getClass().getResource("/test-runbooks").toURI());
    String run;
    try (RunbookEngine engine =
        RunbookEngine.open(
            new EngineOptions(home, null, runbooks, null, TestSteps.all(), RunListener.NONE))) {
      RunOutcome waiting =
          engine.start("gate-test", inventory, Map.of("dir", work.toString()), "alice");
      run = waiting.runId();
      assertThat(waiting.state()).isEqualTo(RunState.WAITING);
      // The process let go of the run at the gate: what it left is signed.
      assertThat(Runs.verify(home, run).ok()).as(Runs.verify(home, run).problem()).isTrue();
      engine.approve(run, null, "bob", "ok");
      assertThat(engine.approve(run, null, "carol", "ok").state()).isEqualTo(RunState.DONE);
    }
    Path dir = home.resolve("runs").resolve(run);
    List<JsonNode> records = EvidenceReader.read(dir);
    List<String> types = records.stream().map(r -> r.path("type").asText()).toList();
    for (int i = 0; i < types.size(); i++) {
      if (types.get(i).equals("gate.decision") || types.get(i).equals("run.ended")) {
        assertThat(types.get(i + 1)).as("after record %d", i + 1).isEqualTo("checkpoint");
      }
    }
    assertThat(types.get(types.size() - 1)).isEqualTo("checkpoint");
    assertThat(types.get(types.size() - 2)).isEqualTo("run.ended");

    Runs.Verification whole = Runs.verify(home, run);
    String head = whole.head();
    assertThat(whole.ok()).as(whole.problem()).isTrue();
    assertThat(whole.checkpoints())
        .hasSize((int) types.stream().filter("checkpoint"::equals).count());
    assertThat(whole.checkpoints()).allMatch(Runs.Checkpoint::verified);
    assertThat(whole.lastCheckpoint().records()).isEqualTo(records.size() - 1);
    assertThat(whole.engineKey()).isEqualTo(Runs.engineKey(home));
    assertThat(Runs.verify(home, run, head).ok()).isTrue();

    Path file = dir.resolve("evidence.jsonl");
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    // A copy under another run id, before any cut.
    Path copy = home.resolve("runs").resolve("0badc0de");
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(f -> !f.getFileName().toString().equals("driver.lock")).toList()) {
        Files.copy(f, copy.resolve(dir.relativize(f).toString()));
      }
    }
    assertThat(Runs.verify(home, "0badc0de").reason()).isEqualTo("WRONG_RUN");

    write(file, lines.subList(0, lines.size() - 1));
    assertThat(Runs.verify(home, run).reason()).isEqualTo("UNSIGNED_TAIL");
    write(file, lines.subList(0, lines.size() - 5));
    Runs.Verification cutByFive = Runs.verify(home, run, head);
    assertThat(cutByFive.ok()).isFalse();
    // Cut back to a checkpoint, only the ticket's head shows it; else the tail is unsigned.
    boolean onCheckpoint = types.get(types.size() - 6).equals("checkpoint");
    assertThat(cutByFive.reason()).isEqualTo(onCheckpoint ? "HEAD_NOT_FOUND" : "UNSIGNED_TAIL");
    write(file, List.of());
    assertThat(Runs.verify(home, run).reason()).isEqualTo("EMPTY");
  }

  @Test
  void aFailedStepIsStillTheRunsLastWordAfterTheCheckpointThatSealsIt() throws Exception {
    Path home = tmp.resolve("home");
    Path dir = home.resolve("runs").resolve("0c0d0e0f");
    try (EvidenceJournal j =
        EvidenceJournal.open(dir, Redactor.NONE, EngineKey.loadOrCreate(home))) {
      j.append(
          new RunEvent.RunStarted(
              "0c0d0e0f", "gate-test", "lab", "alice", Map.of(), "inv", "a".repeat(64), null));
      j.append(
          new RunEvent.StepStarted("Task_Write", "Write", "write", Effect.MUTATING, "j", 1, null));
      j.append(
          new RunEvent.StepFinished(
              "Task_Write", "write", StepOutcome.FAILED, 1, Map.of(), null, null, "disk full"));
    } // the process lets go: a checkpoint seals the failure

    List<JsonNode> records = EvidenceReader.read(dir);
    assertThat(records.get(records.size() - 1).path("type").asText()).isEqualTo("checkpoint");
    assertThat(Runs.summary(home, "0c0d0e0f").state()).isEqualTo("failed");
    assertThat(Runs.verify(home, "0c0d0e0f").ok()).isTrue();
  }

  private static void write(Path file, List<String> lines) throws Exception {
    Files.writeString(
        file, lines.isEmpty() ? "" : String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
  }
}
