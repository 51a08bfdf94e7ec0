package dev.runbook.engine.internal.evidence;

import dev.runbook.engine.api.Decision;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.FailureReason;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.StepOutcome;
import java.util.List;
import java.util.Map;

/** Sample events for the evidence tests. */
final class Events {

  private Events() {}

  static RunEvent.RunStarted runStarted() {
    return new RunEvent.RunStarted(
        "run-1",
        "etcd-restore",
        "prod-eu",
        "alice",
        Map.of("snapshot", "/var/lib/etcd-backup/snap.db"),
        "inventory.yaml",
        "a".repeat(64),
        "b".repeat(64));
  }

  static RunEvent.StepStarted stepStarted(String activityId) {
    return new RunEvent.StepStarted(
        activityId,
        "Take etcd snapshot",
        "takeSnapshot",
        Effect.READ_ONLY,
        "job-1",
        1,
        List.of("cp1"));
  }

  static RunEvent.CommandSent commandSent(String command) {
    return new RunEvent.CommandSent(
        "Task_TakeSnapshot", "cp1", "10.0.0.1", "SHA256:abcdefgh", command, command);
  }

  static RunEvent.CommandFinished commandFinished(String stdout) {
    return new RunEvent.CommandFinished(
        "Task_TakeSnapshot", "cp1", 0, 1234, stdout, "", "c".repeat(64), "d".repeat(64), null);
  }

  static RunEvent.CommandFinished commandFailed() {
    return new RunEvent.CommandFinished(
        "Task_TakeSnapshot",
        "cp1",
        2,
        10,
        "",
        "no such file",
        "c".repeat(64),
        "d".repeat(64),
        FailureReason.NON_ZERO_EXIT);
  }

  static RunEvent.StepFinished stepFinished(String activityId, Map<String, Object> outputs) {
    return new RunEvent.StepFinished(
        activityId, "takeSnapshot", StepOutcome.DONE, 1500, outputs, null, null, null);
  }

  static RunEvent.GatePending gatePending(String activityId, int required) {
    return new RunEvent.GatePending(
        activityId,
        "Approve restore",
        "task-1",
        required,
        "sre",
        false,
        "2030-01-01T00:00:00Z",
        List.of("Task_StopApiServers"));
  }

  static RunEvent.GateDecision approved(String activityId, String by, int approvals, int required) {
    return new RunEvent.GateDecision(
        activityId,
        "Approve restore",
        Decision.APPROVED,
        by,
        "sre",
        "looks right",
        "b".repeat(64),
        approvals,
        required);
  }

  static RunEvent.GateDecision rejected(String activityId, String by) {
    return new RunEvent.GateDecision(
        activityId, "Approve restore", Decision.REJECTED, by, "sre", "wrong snapshot", null, 0, 1);
  }

  static RunEvent.RunEnded ended(String outcome, String message) {
    return new RunEvent.RunEnded(outcome, message, null);
  }
}
