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
      if (g.unsigned()) {
        out.printf(
            "  IDENTITIES ARE NOT SIGNED: the inventory says approval.identity: unsigned, so --as"
                + " is taken as typed%n");
      }
      // The deadline sits with who is needed: one line less per gate, and the drill's restore
      // prompts twice (issue 14: its default console fits 60 lines).
      out.printf(
          "  needs %d distinct approver(s)%s%s%s; approved so far: %s%n",
          g.approversRequired(),
          g.role() == null ? "" : " with role " + g.role(),
          g.starterMayApprove() ? "" : ", not the person who started the run",
          g.expiresAt() == null ? "" : ", by " + g.expiresAt() + " (then the gate fails closed)",
          g.approvals().isEmpty() ? "nobody" : String.join(", ", g.approvals()));
      out.printf("  approving releases: %s%n", String.join(" -> ", g.releases()));
      if (g.planSha256() != null) {
        out.printf(
            "  an approval approves plan %s (in the run's evidence: plan.json); state the plan"
                + " you reviewed with --plan HASH%n",
            g.planSha256());
      }
      out.printf("  approve: %s%n", approve(o));
      out.printf("  reject:  %s%n", reject(o));
      if (!g.unsigned()) {
        out.printf(
            "  signed with --sign-key KEY, ssh-agent (SSH_AUTH_SOCK), or --signature FILE of the"
                + " text `runbook statement %s` prints%n",
            o.runId());
      }
    } else if (o.state() == RunState.RECONCILE && g != null) {
      out.printf(
          "%nRun %s stopped: step %s needs a person.%n  %s%n",
          o.runId(), g.activityId(), o.message());
      if (g.unsigned()) {
        out.printf("  IDENTITIES ARE NOT SIGNED (approval.identity: unsigned)%n");
      }
      out.printf("  check the node(s), then run the step again: %s%n", approve(o));
      out.printf("  or end the run:   %s%n", reject(o));
    } else {
      out.printf(
          "%nRun %s: %s%s%n",
          o.runId(), o.state().label(), o.message() == null ? "" : ": " + o.message());
    }
    out.printf("  evidence: %s%n", evidence(o));
    out.flush();
    return o.state().exitCode();
  }

  /** The command that approves the run's pending gate (or its reconcile stop). */
  static String approve(RunOutcome o) {
    return "runbook approve "
        + o.runId()
        + " "
        + gateArgument(o)
        + " --as NAME --comment \"what you checked\"";
  }

  /** The command that rejects the run's pending gate (or ends it at its reconcile stop). */
  static String reject(RunOutcome o) {
    return "runbook reject " + o.runId() + " " + gateArgument(o) + " --as NAME --comment \"why\"";
  }

  static String evidence(RunOutcome o) {
    return "runbook evidence " + o.runId() + " --verify";
  }

  private static String gateArgument(RunOutcome o) {
    return o.state() == RunState.RECONCILE ? "reconcile" : o.gate().activityId();
  }
}
