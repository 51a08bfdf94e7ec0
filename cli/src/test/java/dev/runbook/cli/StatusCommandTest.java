package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.internal.evidence.EngineKey;
import dev.runbook.engine.internal.evidence.EvidenceJournal;
import dev.runbook.engine.internal.evidence.Redactor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `runbook status` on a run dir written by the real journal, without an engine. */
class StatusCommandTest {

  static final String RUN = "5e1d0c42";

  @TempDir Path home;

  /** A restore waiting at its stop gate, its restart approved ahead by carol, held. */
  private void waitingWithAHeldApproval() throws Exception {
    try (EvidenceJournal j =
        EvidenceJournal.open(
            home.resolve("runs").resolve(RUN), Redactor.NONE, EngineKey.loadOrCreate(home))) {
      j.append(
          new RunEvent.RunStarted(
              RUN, "etcd-restore", "lab", "alice", Map.of(), "inv.yaml", "a".repeat(64), null));
      j.append(
          new RunEvent.GatePending(
              "Gate_ApproveStop", "Approve the stop", "t1", 1, null, false, null, List.of()));
      j.append(
          new RunEvent.GateApprovedAhead(
              "Gate_ApproveRestart",
              "Approve the restart",
              "carol",
              null,
              "diffs read",
              "b".repeat(64),
              1,
              1,
              "SHA256:carolskey"));
    }
  }

  @Test
  void aWaitingRunShowsItsGateAndEveryApprovalHeldAhead() throws Exception {
    waitingWithAHeldApproval();
    Cli cli = new Cli(home);

    Cli.Result text = cli.run("status", RUN);
    Cli.Result json = cli.run("status", RUN, "--output", "json");

    assertThat(text.code()).as(text.toString()).isEqualTo(Main.DONE);
    assertThat(text.out())
        .contains("waiting at Gate_ApproveStop (Approve the stop): 0 of 1 approvals")
        .contains(
            "held for Gate_ApproveRestart: approved ahead by carol at 20",
            "(key SHA256:carolskey); opens the gate when the run reaches it");
    assertThat(text.out()).doesNotContain("WITHOUT rollback");
    JsonNode held = new ObjectMapper().readTree(json.out()).path("held");
    assertThat(held).hasSize(1);
    assertThat(held.get(0).path("gate").asText()).isEqualTo("Gate_ApproveRestart");
    assertThat(held.get(0).path("by").asText()).isEqualTo("carol");
    assertThat(held.get(0).path("comment").asText()).isEqualTo("diffs read");
  }

  @Test
  void anAskToEndWithoutRollbackIsShownWithWhatTheSecondPersonRuns() throws Exception {
    waitingWithAHeldApproval();
    try (EvidenceJournal j =
        EvidenceJournal.open(
            home.resolve("runs").resolve(RUN), Redactor.NONE, EngineKey.loadOrCreate(home))) {
      j.append(new RunEvent.AbortNoRollbackAsked("bob", "leave it down", List.of("a step")));
    }

    Cli.Result text = new Cli(home).run("status", RUN);

    assertThat(text.out())
        .contains("bob asked at 20")
        .contains("to end it WITHOUT rollback (leave it down); a second person ends it: runbook")
        .contains("abort " + RUN + " --as NAME --comment WHY --no-rollback --confirm");
  }
}
