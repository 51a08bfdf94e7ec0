package dev.runbook.cli;

import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import java.io.PrintWriter;

/** Tells the person where a run stands and what they can do next; returns the exit code. */
final class Outcomes {

  private Outcomes() {}

  static int print(PrintWriter out, RunOutcome o) {
    RunOutcome.PendingGate g = o.gate();
    if (o.state() == RunState.WAITING && g != null) {
      out.printf("%nRun %s is waiting at gate %s: %s%n", o.runId(), g.activityId(), g.name());
      out.printf(
          "  needs %d distinct approver(s)%s%s; approved so far: %s%n",
          g.approversRequired(),
          g.role() == null ? "" : " with role " + g.role(),
          g.starterMayApprove() ? "" : ", not the person who started the run",
          g.approvals().isEmpty() ? "nobody" : String.join(", ", g.approvals()));
      out.printf("  approving releases: %s%n", String.join(" -> ", g.releases()));
      if (g.planSha256() != null) {
        out.printf(
            "  an approval approves plan %s (in the run's evidence: plan.json)%n", g.planSha256());
      }
      if (g.expiresAt() != null) {
        out.printf("  the gate fails closed at %s%n", g.expiresAt());
      }
      out.printf(
          "  approve: runbook approve %s %s --as NAME --comment \"what you checked\"%n",
          o.runId(), g.activityId());
      out.printf(
          "  reject:  runbook reject %s %s --as NAME --comment \"why\"%n",
          o.runId(), g.activityId());
    } else if (o.state() == RunState.RECONCILE && g != null) {
      out.printf(
          "%nRun %s stopped: step %s needs a person.%n  %s%n",
          o.runId(), g.activityId(), o.message());
      out.printf(
          "  check the node(s), then run the step again: runbook approve %s reconcile --as NAME"
              + " --comment \"what you checked\"%n",
          o.runId());
      out.printf(
          "  or end the run:   runbook reject %s reconcile --as NAME --comment \"why\"%n",
          o.runId());
    } else {
      out.printf(
          "%nRun %s: %s%s%n",
          o.runId(), o.state().label(), o.message() == null ? "" : ": " + o.message());
    }
    out.printf("  evidence: runbook evidence %s --verify%n", o.runId());
    out.flush();
    return o.state().exitCode();
  }
}
