package dev.runbook.engine.internal.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.Runs;
import dev.runbook.engine.internal.evidence.EvidenceReader;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Approvals given before the run reaches their gate (issue 16): held, verified and recorded when
 * given, they open the gate when the run gets there, in the process driving it, with the gate's
 * rules applied when given; a gate that forbids it, a gate already passed, the starter and a second
 * approval by the same person are refused.
 */
class ApproveAheadTest {

  @TempDir Path tmp;
  Path home;
  Path inventory;
  Path work;
  RunbookEngine engine;

  @BeforeEach
  void setUp() throws IOException, URISyntaxException {
    home = tmp.resolve("home");
    work = Files.createDirectories(tmp.resolve("work"));
    inventory = LocalInventory.write(tmp);
    Path runbooks = Path.of(getClass().getResource("/test-runbooks").toURI());
    engine =
        RunbookEngine.open(
            new EngineOptions(home, null, runbooks, null, TestSteps.all(), RunListener.NONE));
  }

  @AfterEach
  void tearDown() {
    engine.close();
  }

  private RunOutcome start() {
    return engine.start("ahead-test", inventory, Map.of("dir", work.toString()), "alice");
  }

  private List<String> types(String run) throws IOException {
    return EvidenceReader.read(home.resolve("runs").resolve(run)).stream()
        .map(r -> r.path("type").asText() + " " + r.path("activityId").asText(""))
        .map(String::strip)
        .toList();
  }

  @Test
  void approvalsGivenAheadOpenTheLaterGateWhenTheRunReachesIt() throws IOException {
    RunOutcome o = start();
    assertThat(o.gate().activityId()).isEqualTo("Gate_First");
    String run = o.runId();

    RunOutcome held = engine.approve(run, "Gate_Second", "bob", "plan read, go at once");
    assertThat(held.state()).isEqualTo(RunState.WAITING);
    assertThat(held.gate().activityId()).as("still at the first gate").isEqualTo("Gate_First");
    held = engine.approve(run, "Gate_Second", "carol", "second pair of eyes");
    assertThat(work.resolve("out.txt")).as("nothing ran ahead of its gate").doesNotExist();
    // status shows what is held, from the evidence alone
    assertThat(Runs.summary(home, run).held())
        .extracting(Runs.Held::gate, Runs.Held::by, Runs.Held::comment)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Gate_Second", "bob", "plan read, go at once"),
            org.assertj.core.groups.Tuple.tuple("Gate_Second", "carol", "second pair of eyes"));

    // One approval at the first gate, and the run goes through the second by itself.
    RunOutcome next = engine.approve(run, "Gate_First", "bob", "go");
    assertThat(work.resolve("out.txt")).hasContent(run);
    assertThat(next.state()).isEqualTo(RunState.WAITING);
    assertThat(next.gate().activityId()).isEqualTo("Gate_Look");
    assertThat(Runs.summary(home, run).held()).as("used at their gate").isEmpty();

    List<String> t = types(run);
    assertThat(t)
        .containsSubsequence(
            "gate.approved-ahead Gate_Second",
            "gate.approved-ahead Gate_Second",
            "gate.decision Gate_First",
            "gate.pending Gate_Second",
            "gate.decision Gate_Second",
            "gate.decision Gate_Second",
            "step.started Task_Write");
    JsonNode decision =
        EvidenceReader.read(home.resolve("runs").resolve(run)).stream()
            .filter(
                r ->
                    r.path("type").asText().equals("gate.decision")
                        && r.path("activityId").asText().equals("Gate_Second"))
            .findFirst()
            .orElseThrow();
    assertThat(decision.path("by").asText()).isEqualTo("bob");
    assertThat(decision.path("comment").asText())
        .startsWith("approved ahead at 20")
        .endsWith(": plan read, go at once");
    assertThat(Runs.verify(home, run).ok()).isTrue();
  }

  @Test
  void oneHeldApprovalOfTwoLeavesTheGateWaitingForTheSecond() {
    String run = start().runId();
    engine.approve(run, "Gate_Second", "bob", "ahead");
    RunOutcome at = engine.approve(run, "Gate_First", "carol", "go");
    assertThat(at.gate().activityId()).isEqualTo("Gate_Second");
    assertThat(Runs.summary(home, run).held()).isEmpty();
    assertThat(Runs.summary(home, run).pendingGate().approvals()).containsExactly("bob");
    assertThat(at.gate().approvals()).containsExactly("bob");
    assertThat(work.resolve("out.txt")).doesNotExist();
    assertThatThrownBy(() -> engine.approve(run, null, "bob", "again"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("already approved");
    RunOutcome look = engine.approve(run, null, "carol", "now");
    assertThat(look.gate().activityId()).isEqualTo("Gate_Look");
    assertThat(work.resolve("out.txt")).hasContent(run);
  }

  @Test
  void whatTheGateForbidsIsRefusedAheadAsAtTheGate() throws IOException {
    String run = start().runId();
    Path evidence = home.resolve("runs").resolve(run).resolve("evidence.jsonl");

    long before = Files.size(evidence);
    assertThatThrownBy(() -> engine.approve(run, "Gate_Look", "bob", "ahead"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("gate.approveAhead: false")
        .hasMessageContaining("nothing was recorded");
    assertThat(Files.size(evidence)).isEqualTo(before);

    assertThatThrownBy(() -> engine.approve(run, "Gate_Second", "alice", "my own run"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("other than the person who started the run");
    assertThatThrownBy(() -> engine.approve(run, "Gate_Second", "mallory", "not on the board"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("needs role 'change-board'");
    engine.approve(run, "Gate_Second", "bob", "ahead");
    assertThatThrownBy(() -> engine.approve(run, "Gate_Second", "bob", "twice"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("already approved");
    assertThat(types(run).stream().filter(t -> t.equals("gate.approved-ahead Gate_Second")))
        .hasSize(1);

    // A gate the run has passed cannot be approved again, ahead or not.
    engine.approve(run, "Gate_First", "carol", "go");
    engine.approve(run, "Gate_Second", "carol", "go");
    assertThatThrownBy(() -> engine.approve(run, "Gate_First", "carol", "again"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("passed it already");
    assertThatThrownBy(() -> engine.approve(run, "Gate_Nowhere", "carol", "?"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("no pending gate Gate_Nowhere");
  }

  @Test
  void aRejectionAtTheFirstGateLeavesHeldApprovalsUnused() throws IOException {
    String run = start().runId();
    engine.approve(run, "Gate_Second", "bob", "ahead");
    engine.approve(run, "Gate_Second", "carol", "ahead");
    RunOutcome r = engine.reject(run, "Gate_First", "carol", "not today");
    assertThat(r.state()).isEqualTo(RunState.REJECTED);
    assertThat(work.resolve("out.txt")).doesNotExist();
    assertThat(types(run)).doesNotContain("gate.decision Gate_Second");
  }
}
