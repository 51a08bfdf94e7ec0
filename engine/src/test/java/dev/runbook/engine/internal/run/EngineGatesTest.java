package dev.runbook.engine.internal.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.Runs;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's gate rules, rejection, expiry, rollback and cluster lock, on H2 with local steps.
 * The same paths over SSH on the lab are in the runbooks' and CLI's integration tests.
 */
class EngineGatesTest {

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

  private RunOutcome start(Map<String, String> params) {
    return engine.start("gate-test", inventory, params, "alice");
  }

  @Test
  void twoDistinctApproversOtherThanTheStarterReleaseTheGate() {
    RunOutcome o = start(Map.of("dir", work.toString()));
    assertThat(o.state()).isEqualTo(RunState.WAITING);
    assertThat(o.gate().activityId()).isEqualTo("Gate_Approve");
    assertThat(o.gate().releases()).containsExactly("Write the file");
    String run = o.runId();

    assertThatThrownBy(() -> engine.approve(run, null, "alice", "mine"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("other than the person who started the run");
    assertThatThrownBy(() -> engine.approve(run, null, "mallory", "ok"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("needs role 'change-board'");

    RunOutcome one = engine.approve(run, "Gate_Approve", "bob", "looked at it");
    assertThat(one.state()).isEqualTo(RunState.WAITING);
    assertThat(one.gate().approvals()).containsExactly("bob");
    assertThat(work.resolve("out.txt")).doesNotExist();
    assertThatThrownBy(() -> engine.approve(run, null, "bob", "again"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("already approved");

    RunOutcome done = engine.approve(run, null, "carol", "second pair of eyes");
    assertThat(done.state()).isEqualTo(RunState.DONE);
    assertThat(work.resolve("out.txt")).hasContent(run);
    assertThat(Runs.verify(home, run).ok()).isTrue();
    assertThat(Runs.summary(home, run).state()).isEqualTo("done");
  }

  @Test
  void aGateThatSaysSoLetsTheStarterApprove() throws IOException, URISyntaxException {
    // The same runbook with the gate's override: one approver, and the starter may be it.
    Path runbooks = Files.createDirectories(tmp.resolve("runbooks"));
    String bpmn =
        Files.readString(Path.of(getClass().getResource("/test-runbooks/gate-test.bpmn").toURI()));
    Files.writeString(
        runbooks.resolve("gate-test.bpmn"),
        bpmn.replace(
            "<camunda:property name=\"gate.approvers\" value=\"2\" />",
            "<camunda:property name=\"gate.approvers\" value=\"1\" />"
                + "<camunda:property name=\"gate.starterMayApprove\" value=\"true\" />"));
    try (RunbookEngine own =
        RunbookEngine.open(
            new EngineOptions(
                tmp.resolve("home-2"), null, runbooks, null, TestSteps.all(), RunListener.NONE))) {
      RunOutcome o = own.start("gate-test", inventory, Map.of("dir", work.toString()), "alice");
      assertThat(o.gate().starterMayApprove()).isTrue();

      RunOutcome done = own.approve(o.runId(), null, "alice", "my own change, allowed here");

      assertThat(done.state()).isEqualTo(RunState.DONE);
      assertThat(work.resolve("out.txt")).hasContent(o.runId());
    }
  }

  @Test
  void aRejectionNeedsACommentAndTakesTheRejectPathWithNothingChanged() {
    String run = start(Map.of("dir", work.toString())).runId();
    assertThatThrownBy(() -> engine.reject(run, null, "bob", " "))
        .isInstanceOf(BadInputException.class);
    RunOutcome o = engine.reject(run, null, "bob", "not today");
    assertThat(o.state()).isEqualTo(RunState.REJECTED);
    assertThat(work.resolve("out.txt")).doesNotExist();
    assertThat(Runs.summary(home, run).state()).isEqualTo("rejected");
  }

  @Test
  void anExpiredGateFailsClosed() throws InterruptedException {
    String run = start(Map.of("dir", work.toString(), "gateTimeout", "PT1S")).runId();
    Thread.sleep(1500);
    assertThatThrownBy(() -> engine.approve(run, null, "bob", "too late"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("expired");
    assertThat(work.resolve("out.txt")).doesNotExist();
    assertThat(Runs.summary(home, run).state()).isEqualTo("expired");
  }

  @Test
  void aResumeAfterTheGatesTimeRanOutEndsTheRunExpired() throws InterruptedException {
    // What `runbook status` tells a person to do once the time ran out and nobody drove the run.
    String run = start(Map.of("dir", work.toString(), "gateTimeout", "PT1S")).runId();
    Thread.sleep(1500);

    RunOutcome o = engine.resume(run, "bob");

    assertThat(o.state().label()).isEqualTo("expired");
    assertThat(work.resolve("out.txt")).doesNotExist();
    assertThat(Runs.summary(home, run).state()).isEqualTo("expired");
  }

  @Test
  void aFailedChangeTakesTheRollbackPath() throws IOException {
    Path notADir = Files.writeString(tmp.resolve("file"), "x");
    String run = start(Map.of("dir", notADir.toString())).runId();
    engine.approve(run, null, "bob", "ok");
    RunOutcome o = engine.approve(run, null, "carol", "ok");
    assertThat(o.state()).isEqualTo(RunState.ROLLED_BACK);
    assertThat(Runs.verify(home, run).ok()).isTrue();
  }

  @Test
  void oneRunPerClusterUntilItEndsOrIsAborted() {
    String first = start(Map.of("dir", work.toString())).runId();
    assertThatThrownBy(() -> start(Map.of("dir", work.toString())))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("held by run " + first);
    assertThatThrownBy(() -> engine.abort(first, "bob", "")).isInstanceOf(BadInputException.class);
    assertThat(engine.abort(first, "bob", "wrong window").state()).isEqualTo(RunState.ABORTED);
    RunOutcome second = start(Map.of("dir", work.toString()));
    assertThat(second.state()).isEqualTo(RunState.WAITING);
    assertThat(Runs.summary(home, first).state()).isEqualTo("aborted");
  }

  @Test
  void badInputIsRefusedBeforeAnythingRuns() {
    assertThatThrownBy(() -> engine.start("no-such", inventory, Map.of(), "alice"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("gate-test");
    assertThatThrownBy(() -> start(Map.of("dir", work.toString(), "colour", "red")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("'colour' is not declared");
    assertThatThrownBy(() -> start(Map.of()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("'dir' is required");
    assertThatThrownBy(() -> engine.approve("0badc0de", null, "bob", "x"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("unknown run");
    assertThat(Runs.list(home)).isEmpty();
  }

  @Test
  void aSecretParameterReachesTheStepButNoFileUnderTheRun() throws IOException {
    String secret = "s3cr3t-Token-4711";
    String run = start(Map.of("dir", work.toString(), "token", secret)).runId();
    engine.reject(run, null, "bob", "only checking secrets");
    List<Path> files;
    try (Stream<Path> s = Files.walk(home.resolve("runs").resolve(run))) {
      files = s.filter(Files::isRegularFile).toList();
    }
    assertThat(files).isNotEmpty();
    for (Path f : files) {
      assertThat(new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1))
          .as(f.toString())
          .doesNotContain(secret);
    }
    assertThat(Files.readString(home.resolve("runs").resolve(run).resolve("evidence.jsonl")))
        .contains("secret is [REDACTED]");
  }

  @Test
  void aListenerGetsWhatTheEvidenceKeepsWithTheSecretsRedacted() {
    String secret = "s3cr3t-Token-4711";
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    RunListener listener =
        new RunListener() {
          @Override
          public void event(dev.runbook.engine.api.RunEvent event) {
            seen.add(event.toString());
          }

          @Override
          public void notice(String message) {
            seen.add(message);
          }

          @Override
          public void progress(String activityId, dev.runbook.engine.api.WaitProgress wait) {
            seen.add(wait.text());
          }
        };
    engine.close();
    engine =
        RunbookEngine.open(
            new EngineOptions(home, null, runbooks(), null, TestSteps.all(), listener));
    start(Map.of("dir", work.toString(), "token", secret));
    String all = String.join("\n", seen);
    assertThat(all)
        .doesNotContain(secret)
        .contains("noting: secret is [REDACTED]")
        .contains("waiting on secret is [REDACTED]: 0/1 noted")
        .contains("token=[REDACTED]") // the run's parameters
        .contains("text=secret is [REDACTED]"); // the step's outputs
  }

  private static Path runbooks() {
    try {
      return Path.of(EngineGatesTest.class.getResource("/test-runbooks").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
