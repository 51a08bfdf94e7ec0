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
 * Abort and a rejected reconcile, on H2 with local steps (test-runbooks/abort-test.bpmn): before
 * any DESTRUCTIVE step the run ends at once; past one the runbook's abort path rolls back and the
 * cluster stays locked until it ends; {@code --no-rollback} ends now and says what is left; a
 * runbook without an abort path refuses. etcd-restore's abort on the lab: EtcdRestoreAbortIT.
 */
class EngineAbortTest {

  @TempDir Path tmp;
  Path home;
  Path inventory;
  Path work;
  Path data;
  RunbookEngine engine;

  @BeforeEach
  void setUp() throws IOException, URISyntaxException {
    home = tmp.resolve("home");
    work = Files.createDirectories(tmp.resolve("work"));
    data = Files.writeString(work.resolve("data"), "the data");
    inventory = LocalInventory.write(tmp);
    engine = open(home, Path.of(getClass().getResource("/test-runbooks").toURI()));
  }

  @AfterEach
  void tearDown() {
    engine.close();
  }

  private static RunbookEngine open(Path home, Path runbooks) {
    return RunbookEngine.open(
        new EngineOptions(home, null, runbooks, null, TestSteps.all(), RunListener.NONE));
  }

  private RunOutcome start() {
    return start(engine);
  }

  private RunOutcome start(RunbookEngine e) {
    return e.start("abort-test", inventory, Map.of("dir", work.toString()), "alice");
  }

  /** A run waiting at Gate_Finish: its DESTRUCTIVE step moved the data aside. */
  private String pastTheMove(RunbookEngine e) {
    RunOutcome o = e.approve(start(e).runId(), "Gate_Move", "bob", "moving");
    assertThat(o.state()).as(o.message()).isEqualTo(RunState.WAITING);
    assertThat(o.gate().activityId()).isEqualTo("Gate_Finish");
    assertThat(data).doesNotExist();
    return o.runId();
  }

  private List<JsonNode> records(String run, String type) throws IOException {
    return EvidenceReader.read(home.resolve("runs").resolve(run)).stream()
        .filter(r -> r.path("type").asText().equals(type))
        .toList();
  }

  @Test
  void anAbortBeforeAnyDestructiveStepEndsTheRunAndFreesTheCluster() throws IOException {
    String run = start().runId();

    RunOutcome o = engine.abort(run, "bob", "wrong window");

    assertThat(o.state()).isEqualTo(RunState.ABORTED);
    assertThat(data).hasContent("the data");
    assertThat(Runs.summary(home, run).state()).isEqualTo("aborted");
    assertThat(records(run, "abort.requested"))
        .singleElement()
        .satisfies(r -> assertThat(r.path("rollback").asBoolean()).isFalse());
    assertThat(Runs.verify(home, run).ok()).isTrue();
    assertThat(start().state()).isEqualTo(RunState.WAITING); // the cluster is free
  }

  @Test
  void anAbortPastADestructiveStepRollsBackByTheAbortPath() throws IOException {
    String run = pastTheMove(engine);

    RunOutcome o = engine.abort(run, "bob", "the restore looks wrong");

    assertThat(o.state()).as(o.message()).isEqualTo(RunState.ROLLED_BACK);
    assertThat(data).hasContent("the data");
    assertThat(Runs.summary(home, run).state()).isEqualTo("rolled-back");
    assertThat(records(run, "step.finished"))
        .anySatisfy(r -> assertThat(r.path("activityId").asText()).isEqualTo("Task_AbortUndo"));
    JsonNode abort = records(run, "abort.requested").get(0);
    assertThat(abort.path("rollback").asBoolean()).isTrue();
    assertThat(abort.path("by").asText()).isEqualTo("bob");
    assertThat(records(run, "run.ended").get(0).path("message").asText())
        .contains("Aborted and rolled back");
    assertThat(Runs.verify(home, run).ok()).isTrue();
    assertThat(start().state()).isEqualTo(RunState.WAITING);
  }

  @Test
  void theClusterStaysLockedUntilTheAbortPathEndsAndStatusSaysItRollsBack() throws IOException {
    String run = pastTheMove(engine);
    Path failUndo = Files.writeString(work.resolve("data.fail-undo"), "");

    RunOutcome failed = engine.abort(run, "bob", "stop this");

    assertThat(failed.state()).isEqualTo(RunState.FAILED);
    assertThat(failed.message()).contains("rollback after the abort stopped");
    assertThat(Runs.summary(home, run).state()).isEqualTo("rolling-back");
    assertThatThrownBy(this::start)
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("held by run " + run);
    assertThatThrownBy(() -> engine.abort(run, "carol", "again"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("already rolling back");

    Files.delete(failUndo);
    RunOutcome back = engine.resume(run, "bob");

    assertThat(back.state()).as(back.message()).isEqualTo(RunState.ROLLED_BACK);
    assertThat(data).hasContent("the data");
    assertThat(Runs.summary(home, run).state()).isEqualTo("rolled-back");
    assertThat(Runs.verify(home, run).ok()).isTrue();
    assertThat(start().state()).isEqualTo(RunState.WAITING);
  }

  @Test
  void noRollbackNeedsAConfirmationThenEndsAndSaysWhatIsLeft() throws IOException {
    String run = pastTheMove(engine);

    assertThatThrownBy(() -> engine.abortWithoutRollback(run, "bob", "leave it", false))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("Move the data aside (Task_Move, DESTRUCTIVE)")
        .hasMessageContaining("dir/data is gone, kept as dir/data.aside")
        .hasMessageContaining("--confirm");
    assertThat(Runs.summary(home, run).state()).isEqualTo("waiting");
    assertThat(records(run, "abort.requested")).isEmpty();

    RunOutcome o = engine.abortWithoutRollback(run, "bob", "leave it for the DBA", true);

    assertThat(o.state()).isEqualTo(RunState.ABORTED);
    assertThat(o.message())
        .contains("without rollback")
        .contains("Move the data aside (Task_Move, DESTRUCTIVE) on n1: done")
        .contains("dir/data is gone, kept as dir/data.aside");
    assertThat(data).doesNotExist();
    assertThat(work.resolve("data.aside")).hasContent("the data");
    JsonNode abort = records(run, "abort.requested").get(0);
    assertThat(abort.path("rollback").asBoolean()).isFalse();
    assertThat(abort.path("left").get(0).asText()).contains("Task_Move");
    assertThat(Runs.summary(home, run).state()).isEqualTo("aborted");
    assertThat(Runs.verify(home, run).ok()).isTrue();
    assertThat(start().state()).isEqualTo(RunState.WAITING);
  }

  @Test
  void aRunbookWithoutAnAbortPathRefusesAnAbortPastADestructiveStep()
      throws IOException, URISyntaxException {
    Path runbooks = Files.createDirectories(tmp.resolve("runbooks"));
    String bpmn =
        Files.readString(Path.of(getClass().getResource("/test-runbooks/abort-test.bpmn").toURI()));
    Files.writeString(
        runbooks.resolve("abort-test.bpmn"),
        bpmn.replaceAll("(?s)<!-- abort-path: begin -->.*<!-- abort-path: end -->", "")
            .replace("<bpmn:message id=\"Message_Abort\" name=\"abort\" />", ""));
    engine.close();
    engine = open(home, runbooks);
    String run = pastTheMove(engine);

    assertThatThrownBy(() -> engine.abort(run, "bob", "stop"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("models no abort path")
        .hasMessageContaining("Task_Move")
        .hasMessageContaining("--no-rollback --confirm");
    assertThat(Runs.summary(home, run).state()).isEqualTo("waiting");
    assertThatThrownBy(this::start).isInstanceOf(BadInputException.class);

    assertThat(engine.abortWithoutRollback(run, "bob", "by hand", true).state())
        .isEqualTo(RunState.ABORTED);
    assertThat(start().state()).isEqualTo(RunState.WAITING);
  }

  @Test
  void aRejectedReconcilePastADestructiveStepRollsBackByTheAbortPath() throws IOException {
    String run = pastTheMove(engine);
    // No dir/finish: Task_Finish fails without a record of its end, as if the engine had died.
    RunOutcome failed = engine.approve(run, "Gate_Finish", "bob", "finish");
    assertThat(failed.state()).isEqualTo(RunState.FAILED);
    RunOutcome reconcile = engine.resume(run, "bob");
    assertThat(reconcile.state()).as(reconcile.message()).isEqualTo(RunState.RECONCILE);

    RunOutcome o = engine.reject(run, "reconcile", "carol", "cannot tell what it did");

    assertThat(o.state()).as(o.message()).isEqualTo(RunState.ROLLED_BACK);
    assertThat(data).hasContent("the data");
    assertThat(records(run, "abort.requested").get(0).path("comment").asText())
        .contains("reconcile rejected");
    assertThat(Runs.verify(home, run).ok()).isTrue();
    assertThat(start().state()).isEqualTo(RunState.WAITING);
  }
}
