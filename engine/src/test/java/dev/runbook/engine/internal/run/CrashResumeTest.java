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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a real engine process (SIGKILL) in the middle of a step and resumes the run in another: a
 * read-only step runs again; a mutating one runs again only when its probe says so, and otherwise
 * the run stops for a person.
 */
class CrashResumeTest {

  @TempDir Path tmp;
  Path home;
  Path work;
  Path runbooks;
  Path inventory;
  CrashHome crash;

  @BeforeEach
  void setUp() throws Exception {
    crash = CrashHome.in(tmp, "crash");
    home = crash.home();
    work = crash.work();
    runbooks = crash.runbooks();
    inventory = crash.inventory();
  }

  /** Starts the run in another JVM, waits until step NAME hangs, kills the JVM with SIGKILL. */
  private String killDuring(String name, String probe) throws Exception {
    Files.writeString(work.resolve("hang-" + name), "");
    Process child = child(probe);
    awaitFile(child, name + ".done");
    new ProcessBuilder("kill", "-KILL", Long.toString(child.pid())).start().waitFor();
    assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
    Files.delete(work.resolve("hang-" + name));
    List<Runs.Summary> runs = Runs.list(home);
    assertThat(runs).hasSize(1);
    assertThat(runs.get(0).state()).isEqualTo("interrupted");
    return runs.get(0).runId();
  }

  private void awaitFile(Process child, String file) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(work.resolve(file))) {
      assertThat(child.isAlive()).as("child: %s", crash.childLog()).isTrue();
      assertThat(System.nanoTime()).as("%s never appeared", file).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private Process child(String probe) throws IOException {
    return crash.child(probe);
  }

  private RunbookEngine engine() {
    return crash.engine();
  }

  private List<JsonNode> started(String run, String activity) throws IOException {
    return EvidenceReader.read(home.resolve("runs").resolve(run)).stream()
        .filter(r -> r.path("type").asText().equals("step.started"))
        .filter(r -> r.path("activityId").asText().equals(activity))
        .toList();
  }

  @Test
  void aSecondProcessOnTheSameHomeWaitsForTheOneDrivingTheRunAndSaysSo() throws Exception {
    Files.writeString(work.resolve("hang-write"), "");
    Process child = child("file");
    awaitFile(child, "write.done");
    String run = Runs.list(home).get(0).runId();
    assertThat(Runs.summary(home, run).state()).isEqualTo("running");
    List<String> notices = new java.util.concurrent.CopyOnWriteArrayList<>();
    RunListener listener =
        new RunListener() {
          @Override
          public void notice(String message) {
            notices.add(message);
          }
        };
    // The child holds the H2 file (AUTO_SERVER serves it to us) and drives the run.
    try (RunbookEngine engine =
        RunbookEngine.open(
            new EngineOptions(home, null, runbooks, null, TestSteps.all(), listener))) {
      var second =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> {
                try {
                  return engine.resume(run, "bob").state().name();
                } catch (BadInputException e) {
                  return e.getMessage();
                }
              });
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (notices.isEmpty()) {
        assertThat(System.nanoTime()).as("no waiting notice").isLessThan(deadline);
        Thread.sleep(50);
      }
      assertThat(notices.get(0)).contains("being driven by another runbook process");
      assertThat(second).isNotDone();
      Files.delete(work.resolve("hang-write"));
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(second.get(60, TimeUnit.SECONDS)).contains("not active");
    }
    assertThat(Runs.summary(home, run).state()).isEqualTo("done");
    assertThat(Files.readString(work.resolve("write.started"))).isEqualTo("x");
  }

  @Test
  void aReadOnlyStepInFlightRunsAgain() throws Exception {
    String run = killDuring("read", "unknown");
    try (RunbookEngine engine = engine()) {
      assertThat(engine.resume(run, "bob").state()).isEqualTo(RunState.DONE);
    }
    assertThat(Files.readString(work.resolve("read.started"))).isEqualTo("xx");
    List<JsonNode> attempts = started(run, "Task_SlowRead");
    assertThat(attempts).hasSize(2);
    assertThat(attempts.get(1).path("jobId").asText())
        .isEqualTo(attempts.get(0).path("jobId").asText());
    assertThat(attempts.get(1).path("attempt").asInt()).isEqualTo(2);
    assertThat(Runs.verify(home, run).ok()).isTrue();
  }

  @Test
  void aMutatingStepInFlightWhoseProbeCannotTellStopsForAPerson() throws Exception {
    String run = killDuring("write", "unknown");
    try (RunbookEngine engine = engine()) {
      RunOutcome o = engine.resume(run, "bob");
      assertThat(o.state()).isEqualTo(RunState.RECONCILE);
      assertThat(o.gate().activityId()).isEqualTo("Task_SlowWrite");
      assertThat(Files.readString(work.resolve("write.started"))).isEqualTo("x");
      assertThat(Runs.summary(home, run).state()).isEqualTo("reconcile");
      assertThatThrownBy(() -> engine.approve(run, "reconcile", "alice", "I started it"))
          .isInstanceOf(BadInputException.class);
      RunOutcome done = engine.approve(run, "reconcile", "bob", "checked: safe to write again");
      assertThat(done.state()).isEqualTo(RunState.DONE);
    }
    assertThat(Files.readString(work.resolve("write.started"))).isEqualTo("xx");
  }

  @Test
  void aMutatingStepInFlightWhoseProbeFindsItDoneIsNotRunAgain() throws Exception {
    String run = killDuring("write", "file");
    try (RunbookEngine engine = engine()) {
      assertThat(engine.resume(run, "bob").state()).isEqualTo(RunState.DONE);
    }
    assertThat(Files.readString(work.resolve("write.started")))
        .as(String.join("\n", Runs.records(home, run)) + crash.childLog())
        .isEqualTo("x");
    assertThat(EvidenceReader.read(home.resolve("runs").resolve(run)))
        .anyMatch(r -> r.path("outcome").asText().equals("already-done"));
  }
}
