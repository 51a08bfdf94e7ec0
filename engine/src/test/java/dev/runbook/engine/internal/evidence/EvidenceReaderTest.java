package dev.runbook.engine.internal.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.internal.evidence.RunSummary.LastStep;
import dev.runbook.engine.internal.evidence.RunSummary.PendingGate;
import dev.runbook.engine.internal.evidence.RunSummary.State;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvidenceReaderTest {

  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2025-03-01T10:15:30.123Z"), ZoneOffset.UTC);
  private static final String GATE = "Gate_ApproveRestore";

  @TempDir Path runDir;

  private RunSummary summaryAfter(RunEvent... events) throws IOException {
    try (EvidenceJournal journal = EvidenceJournal.open(runDir, Redactor.NONE, CLOCK)) {
      for (RunEvent event : events) {
        journal.append(event);
      }
    }
    return EvidenceReader.summarize(runDir);
  }

  @Test
  void aGateNeedingTwoApproversWaitsAfterOne() throws IOException {
    RunSummary s =
        summaryAfter(
            Events.runStarted(),
            Events.stepStarted("Task_TakeSnapshot"),
            Events.gatePending(GATE, 2),
            Events.approved(GATE, "bob", 1, 2));

    assertThat(s.state()).isEqualTo(State.WAITING);
    assertThat(s.pendingGate())
        .isEqualTo(new PendingGate(GATE, "Approve restore", 1, 2, "2030-01-01T00:00:00Z"));
    assertThat(s.runId()).isEqualTo("run-1");
    assertThat(s.runbook()).isEqualTo("etcd-restore");
    assertThat(s.cluster()).isEqualTo("prod-eu");
    assertThat(s.startedBy()).isEqualTo("alice");
    assertThat(s.startedAt()).isEqualTo("2025-03-01T10:15:30.123Z");
    assertThat(s.lastStep()).isEqualTo(new LastStep("Task_TakeSnapshot", "Take etcd snapshot"));
    assertThat(s.endedAt()).isNull();
  }

  @Test
  void theSecondApprovalLetsTheRunGoOn() throws IOException {
    RunSummary s =
        summaryAfter(
            Events.runStarted(),
            Events.gatePending(GATE, 2),
            Events.approved(GATE, "bob", 1, 2),
            Events.approved(GATE, "carol", 2, 2));

    assertThat(s.state()).isEqualTo(State.RUNNING);
    assertThat(s.pendingGate()).isNull();
  }

  @Test
  void aRejectedGateIsNotWaiting() throws IOException {
    RunSummary s =
        summaryAfter(
            Events.runStarted(), Events.gatePending(GATE, 1), Events.rejected(GATE, "bob"));

    assertThat(s.state()).isEqualTo(State.RUNNING);
  }

  @Test
  void aRunThatEndedIsDone() throws IOException {
    RunSummary s =
        summaryAfter(
            Events.runStarted(),
            Events.stepStarted("Task_TakeSnapshot"),
            Events.stepFinished("Task_TakeSnapshot", Map.of()),
            Events.ended("done", "restored from snap.db"));

    assertThat(s.state()).isEqualTo(State.DONE);
    assertThat(s.endedAt()).isEqualTo("2025-03-01T10:15:30.123Z");
    assertThat(s.outcomeMessage()).isEqualTo("restored from snap.db");
  }

  @Test
  void aRolledBackRunSaysSo() throws IOException {
    RunSummary s =
        summaryAfter(
            Events.runStarted(),
            Events.gatePending(GATE, 1),
            Events.approved(GATE, "bob", 1, 1),
            Events.stepStarted("Task_RestoreSnapshot"),
            Events.ended("rolled-back", "etcd not healthy after restore"));

    assertThat(s.state()).isEqualTo(State.ROLLED_BACK);
    assertThat(s.state().label()).isEqualTo("rolled-back");
    assertThat(s.pendingGate()).isNull();
  }

  @Test
  void anOutcomeItDoesNotKnowCountsAsFailed() throws IOException {
    assertThat(summaryAfter(Events.runStarted(), Events.ended("half-done", "?")).state())
        .isEqualTo(State.FAILED);
  }

  @Test
  void aStepInDoubtAfterACrashNeedsReconciling() throws IOException {
    RunSummary s =
        summaryAfter(
            Events.runStarted(),
            Events.stepStarted("Task_MoveManifest"),
            new RunEvent.ReconcileRequired(
                "Task_MoveManifest", "moveManifest", "in flight when the engine stopped"));

    assertThat(s.state()).isEqualTo(State.RECONCILE);
  }

  @Test
  void aResumedRunRunsAgain() throws IOException {
    RunSummary s =
        summaryAfter(
            Events.runStarted(),
            Events.stepStarted("Task_MoveManifest"),
            new RunEvent.ReconcileRequired("Task_MoveManifest", "moveManifest", "unknown"),
            new RunEvent.RunResumed("alice"));

    assertThat(s.state()).isEqualTo(State.RUNNING);
  }

  @Test
  void readsPastATornLastLine() throws IOException {
    summaryAfter(Events.runStarted(), Events.gatePending(GATE, 1));
    Files.writeString(
        runDir.resolve("evidence.jsonl"),
        "{\"seq\":3,\"type\":\"run.en",
        StandardOpenOption.APPEND);

    assertThat(EvidenceReader.read(runDir)).hasSize(2);
    assertThat(EvidenceReader.summarize(runDir).state()).isEqualTo(State.WAITING);
  }
}
