package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.Decision;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.internal.evidence.EvidenceEvents;
import java.util.ArrayList;
import java.util.List;

/**
 * What a run's evidence says about one visit of a gate: who approved it, and whether it was
 * decided. The evidence is fsynced before the engine database commits the decision, and a SIGKILL
 * can cost the database (H2) its last commit; so the evidence, not a task variable, is what counts,
 * and a gate the evidence shows decided is not asked of a person again.
 *
 * <p>A visit is the gate's task: its {@code gate.pending} record names the task id, and every
 * {@code gate.decision} for that gate after it belongs to that visit.
 */
final class GateLedger {

  /** A gate visit the evidence shows decided: {@code approved} or {@code rejected}. */
  record Decided(Decision decision, String by, String comment, String at) {}

  private final List<String> approvals;
  private final Decided rejected;
  private final String lastApprovalAt;
  private final boolean announced;

  private GateLedger(
      List<String> approvals, Decided rejected, String lastApprovalAt, boolean announced) {
    this.approvals = approvals;
    this.rejected = rejected;
    this.lastApprovalAt = lastApprovalAt;
    this.announced = announced;
  }

  /** The ledger of the visit that task {@code taskId} of gate {@code activityId} is. */
  static GateLedger of(List<EvidenceEvents.Recorded> evidence, String activityId, String taskId) {
    List<String> approvals = new ArrayList<>();
    Decided rejected = null;
    String lastAt = null;
    boolean announced = false;
    for (EvidenceEvents.Recorded r : evidence) {
      if (r.event() instanceof RunEvent.GatePending p && p.activityId().equals(activityId)) {
        // A later visit of the same gate starts a new ledger; only this task's visit counts.
        announced = taskId.equals(p.taskId());
        approvals.clear();
        rejected = null;
        lastAt = null;
      } else if (announced
          && r.event() instanceof RunEvent.GateDecision d
          && d.activityId().equals(activityId)
          && !EngineCore.RECONCILE.equals(d.name())) {
        String at = r.atText();
        if (d.decision() == Decision.APPROVED) {
          if (!approvals.contains(d.by())) {
            approvals.add(d.by());
          }
          lastAt = at;
        } else if (d.decision() == Decision.REJECTED) {
          rejected =
              new Decided(Decision.REJECTED, d.by(), d.comment() == null ? "" : d.comment(), at);
        } // expired: the gate's timer is still due in the database and fires again
      }
    }
    return new GateLedger(approvals, rejected, lastAt, announced);
  }

  /** Whether this task's visit was announced ({@code gate.pending}) in the evidence. */
  boolean announced() {
    return announced;
  }

  /** The people who approved this visit, in order, each once. */
  List<String> approvals() {
    return List.copyOf(approvals);
  }

  /**
   * The decision the evidence holds for this visit, if it closed the gate: a rejection, or as many
   * approvals as the gate needs; null while the gate still waits.
   */
  Decided decided(int approversRequired) {
    if (rejected != null) {
      return rejected;
    }
    if (!approvals.isEmpty() && approvals.size() >= approversRequired) {
      return new Decided(
          Decision.APPROVED,
          String.join(", ", approvals),
          "approved by " + approvals,
          lastApprovalAt);
    }
    return null;
  }
}
