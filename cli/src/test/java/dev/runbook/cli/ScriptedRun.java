package dev.runbook.cli;

import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.FailureReason;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.StepOutcome;
import dev.runbook.engine.api.WaitProgress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A run as the engine hands it to a console, scripted: a step on three members that prints a lot
 * and waits for quorum, then a step whose command fails on one member with a long output. Every
 * event, line and notice goes through {@code redact} first, as the engine's listener boundary does.
 */
final class ScriptedRun {

  static final String RUN = "7f3c2a01";
  static final List<String> NODES = List.of("cp-1", "cp-2", "cp-3");
  static final int OUTPUT_LINES = 40; // per member, of the step that succeeds
  static final int FAILED_COMMAND_LINES = 20;
  static final int FAILED_STDERR_LINES = 30;
  static final Duration WAIT = Duration.ofSeconds(45);
  static final Duration POLL = Duration.ofMillis(250);

  private ScriptedRun() {}

  /** The long command that fails: line i is {@code step i}. */
  static String failingCommand(String secret) {
    return IntStream.rangeClosed(1, FAILED_COMMAND_LINES)
            .mapToObj(i -> "echo step " + i)
            .collect(Collectors.joining("\n"))
        + "\netcdctl --password="
        + secret
        + " member list";
  }

  /**
   * Plays the run into {@code to}, every string redacted by {@code redact}; returns its outcome.
   */
  static RunOutcome play(RunListener to, String secret, UnaryOperator<RunEvent> redact) {
    Redacting r = new Redacting(to, redact);
    r.event(
        new RunEvent.RunStarted(
            RUN, "etcd-restore", "lab", "alice", Map.of("token", secret), "inv.yaml", null, null));
    r.event(
        new RunEvent.StepStarted(
            "Task_StartEtcd", "Start etcd", "etcdStartEtcd", Effect.MUTATING, "j1", 1, NODES));
    for (String n : NODES) {
      r.notice(n + ": starting etcd on the restored data");
      r.event(
          new RunEvent.CommandSent(
              "Task_StartEtcd", n, "10.0.0.1", "SHA256:k", "cp a b", "cp a b"));
      List<String> lines = new ArrayList<>();
      for (int i = 1; i <= OUTPUT_LINES; i++) {
        lines.add("copied line " + i + " of " + n);
        r.output(n, false, "copied line " + i + " of " + n);
      }
      r.event(
          new RunEvent.CommandFinished(
              "Task_StartEtcd",
              n,
              0,
              12,
              String.join("\n", lines),
              "",
              "a".repeat(64),
              "b".repeat(64),
              null));
    }
    for (long ms = 0; ms <= WAIT.toMillis(); ms += POLL.toMillis()) {
      int healthy = (int) Math.min(3, ms / 7000);
      r.progress(
          "Task_StartEtcd",
          new WaitProgress(
              "waiting for quorum",
              healthy,
              3,
              "healthy",
              Duration.ofMillis(ms),
              Duration.ofSeconds(180)));
    }
    r.event(
        new RunEvent.StepFinished(
            "Task_StartEtcd",
            "etcdStartEtcd",
            StepOutcome.DONE,
            46_000,
            Map.of(),
            null,
            null,
            null));
    r.event(
        new RunEvent.StepStarted(
            "Task_Validate",
            "Check the cluster",
            "etcdValidate",
            Effect.READ_ONLY,
            "j2",
            1,
            NODES));
    // A probe that exits 1 and a command after it that succeeds: not why the step fails.
    r.event(new RunEvent.CommandSent("Task_Validate", "cp-1", "h", "k", "test -e /probe", "w"));
    r.event(new RunEvent.CommandFinished("Task_Validate", "cp-1", 1, 3, "", "", "c", "d", null));
    r.event(new RunEvent.CommandSent("Task_Validate", "cp-1", "h", "k", "true", "w"));
    r.event(new RunEvent.CommandFinished("Task_Validate", "cp-1", 0, 3, "", "", "c", "d", null));
    String command = failingCommand(secret);
    r.event(new RunEvent.CommandSent("Task_Validate", "cp-2", "h", "k", command, command));
    List<String> err = new ArrayList<>();
    for (int i = 1; i <= FAILED_STDERR_LINES; i++) {
      err.add(i == FAILED_STDERR_LINES ? "auth failed for password " + secret : "error line " + i);
      r.output("cp-2", true, err.get(err.size() - 1));
    }
    r.event(
        new RunEvent.CommandFinished(
            "Task_Validate",
            "cp-2",
            2,
            40,
            "",
            String.join("\n", err),
            "c".repeat(64),
            "d".repeat(64),
            FailureReason.NON_ZERO_EXIT));
    r.event(
        new RunEvent.StepFinished(
            "Task_Validate",
            "etcdValidate",
            StepOutcome.FAILED,
            900,
            Map.of(),
            FailureReason.NON_ZERO_EXIT,
            "STEP_FAILED",
            "cp-2: exit status 2"));
    r.event(new RunEvent.RunEnded("failed", "Task_Validate: cp-2: exit status 2", null));
    return new RunOutcome(RUN, RunState.FAILED, "Task_Validate: cp-2: exit status 2", null);
  }

  /** Where a run waits at a gate, as approve prints it. */
  static RunOutcome atGate() {
    return new RunOutcome(
        RUN,
        RunState.WAITING,
        "waiting at gate Gate_ApproveStop",
        new RunOutcome.PendingGate(
            "Gate_ApproveStop",
            "Approve stopping the control plane",
            List.of(),
            1,
            null,
            false,
            List.of("Stop the API servers, then etcd on every member"),
            "2030-01-01T00:00:00Z",
            "e".repeat(64)));
  }

  /** What the engine's boundary does: events as their records read, lines and notices redacted. */
  private record Redacting(RunListener to, UnaryOperator<RunEvent> redact) implements RunListener {
    @Override
    public void event(RunEvent event) {
      to.event(redact.apply(event));
    }

    @Override
    public void output(String node, boolean stderr, String line) {
      to.output(node, stderr, text(line));
    }

    @Override
    public void notice(String message) {
      to.notice(text(message));
    }

    @Override
    public void progress(String activityId, WaitProgress wait) {
      to.progress(activityId, wait);
    }

    /** A line redacted the way the journal redacts it: through a one-line notice-free event. */
    private String text(String line) {
      RunEvent.RunResumed e = (RunEvent.RunResumed) redact.apply(new RunEvent.RunResumed(line));
      return e.by();
    }
  }
}
