package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.Identity;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.internal.catalog.Gates;
import dev.runbook.engine.internal.evidence.EvidenceEvents;
import java.util.ArrayList;
import java.util.List;
import org.camunda.bpm.engine.task.Task;
import org.camunda.bpm.model.bpmn.instance.UserTask;

/**
 * Approvals given before the run reaches their gate: verified and held, they decide the gate in the
 * process driving the run when it gets there, bound to the same plan.
 */
final class HeldApprovals {

  private final EngineCore core;

  HeldApprovals(EngineCore core) {
    this.core = core;
  }

  /**
   * Holds an approval for a gate the run has not reached yet: verified and recorded now, it opens
   * the gate when the run gets there (in the process driving it, no new CLI start inside the
   * downtime), as long as the run is still bound to the plan it was given for.
   */
  RunOutcome approveAhead(
      RunSession s, UserTask model, String by, String comment, Identity identity) {
    Gates.Rules rules = Gates.rules(model);
    boolean reached =
        s.events().stream()
            .anyMatch(
                r ->
                    r.event() instanceof RunEvent.GatePending p
                        && p.activityId().equals(model.getId()));
    if (reached) {
      throw new BadInputException(
          "run "
              + s.runId
              + " has no pending gate "
              + model.getId()
              + ": the run passed it already (decided or expired); see `runbook status "
              + s.runId
              + "`");
    }
    if (!rules.approveAhead()) {
      throw new BadInputException(
          "gate "
              + model.getId()
              + " may not be approved before the run reaches it (gate.approveAhead: false):"
              + " someone must look at the live state first. Approve it when `runbook status "
              + s.runId
              + "` shows it waiting; nothing was recorded");
    }
    Attestor.Attested who =
        core.gates.attest(s, "approve", model.getId(), "approved", comment, by, identity);
    List<String> held = new ArrayList<>();
    heldAhead(s, model.getId()).forEach(r -> held.add(r.by()));
    Gatekeeper.checkApprover(s, who, model, rules, by, held);
    Gatekeeper.recordVerified(s, who);
    s.emit(
        new RunEvent.GateApprovedAhead(
            model.getId(),
            model.getName(),
            by,
            rules.role(),
            comment,
            s.planSha256(),
            held.size() + 1,
            rules.approvers(),
            who.keyFingerprint()));
    return core.driver.settle(s);
  }

  /** An approval held for a gate: what was recorded, and when. */
  record Held(RunEvent.GateApprovedAhead approval, String at) {
    String by() {
      return approval.by();
    }
  }

  /** The approvals held for {@code gate}, given for the plan the run is bound to, in order. */
  static List<Held> heldAhead(RunSession s, String gate) {
    List<Held> held = new ArrayList<>();
    for (EvidenceEvents.Recorded r : s.events()) {
      if (r.event() instanceof RunEvent.GateApprovedAhead a
          && a.activityId().equals(gate)
          && java.util.Objects.equals(a.planSha256(), s.planSha256())) {
        held.add(new Held(a, r.atText()));
      }
    }
    return held;
  }

  /**
   * When the run has just reached a gate that holds approvals given ahead, decides it with them as
   * if each person approved now (the decision says when they did). True when the gate opened.
   */
  boolean openHeldGate(RunSession s) {
    List<Task> tasks = core.gates.activeGates(s);
    if (tasks.size() != 1) {
      return false;
    }
    Task task = tasks.get(0);
    List<Held> held = heldAhead(s, task.getTaskDefinitionKey());
    if (held.isEmpty()) {
      return false;
    }
    core.driver.settle(
        s); // records gate.pending first: the evidence shows the gate reached, then decided
    UserTask model = Gatekeeper.gateModel(s, task.getTaskDefinitionKey());
    Gates.Rules rules = Gates.rules(model);
    List<String> approvals = Gatekeeper.approvals(s, task);
    for (Held h : held) {
      String by = h.by();
      if (approvals.contains(by)) {
        continue;
      }
      approvals.add(by);
      String comment = h.approval().comment() == null ? "" : h.approval().comment();
      s.emit(
          Gatekeeper.decision(
              s,
              model,
              rules,
              dev.runbook.engine.api.Decision.APPROVED,
              by,
              "approved ahead at " + h.at() + (comment.isEmpty() ? "" : ": " + comment),
              approvals.size(),
              h.approval().keyFingerprint()));
    }
    if (approvals.size() >= rules.approvers()) {
      core.engine().getTaskService().complete(task.getId());
      return true;
    }
    return false;
  }
}
