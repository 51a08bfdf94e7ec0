package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.Decision;
import dev.runbook.engine.api.Identity;
import dev.runbook.engine.api.IdentityException;
import dev.runbook.engine.api.Refusal;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.internal.catalog.Gates;
import dev.runbook.engine.internal.evidence.EvidenceEvents;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.camunda.bpm.engine.task.Task;
import org.camunda.bpm.model.bpmn.instance.UserTask;

/**
 * The gates: who may decide a gate (its rules: approvers, role, the starter, signed statements),
 * the decisions themselves, and the reconcile gate a step of unknown outcome stops at.
 */
final class Gatekeeper {

  private final EngineCore core;

  Gatekeeper(EngineCore core) {
    this.core = core;
  }

  /** Approves the gate waiting in {@code s} (see {@link EngineCore#approve}). */
  RunOutcome approve(
      RunSession s,
      String gate,
      String by,
      String comment,
      Identity identity,
      String reviewedPlan) {
    RunInputs.requireReviewedPlan(s, reviewedPlan);
    if (core.recovery.recover(s)) {
      // The gate was decided already (the evidence says so): go on as that decision did.
      return core.driver.drive(s);
    }
    core.driver.fireDueTimers(s);
    core.driver.settle(s); // the gate is announced in the evidence before anyone's decision on it
    if (reconcilePending(s) != null && (gate == null || gate.equals(EngineCore.RECONCILE))) {
      return approveReconcile(s, by, comment, identity);
    }
    if (gate != null && !pending(s, gate) && gateModel(s, gate) != null) {
      return core.held.approveAhead(s, gateModel(s, gate), by, comment, identity);
    }
    Task task = pendingTask(s, gate);
    UserTask model = s.runbook.model().getModelElementById(task.getTaskDefinitionKey());
    Gates.Rules rules = Gates.rules(model);
    Attestor.Attested who = attest(s, "approve", model.getId(), "approved", comment, by, identity);
    List<String> approvals = approvals(s, task);
    checkApprover(s, who, model, rules, by, approvals);
    approvals.add(by);
    recordVerified(s, who);
    s.emit(
        decision(
            s,
            model,
            rules,
            Decision.APPROVED,
            by,
            comment,
            approvals.size(),
            who.keyFingerprint()));
    if (approvals.size() >= rules.approvers()) {
      core.engine().getTaskService().complete(task.getId());
      return core.driver.drive(s);
    }
    return core.driver.settle(s);
  }

  /** Rejects the gate waiting in {@code s} (see {@link EngineCore#reject}). */
  RunOutcome reject(RunSession s, String gate, String by, String comment, Identity identity) {
    if (core.recovery.recover(s)) {
      throw new BadInputException(
          "run "
              + s.runId
              + "'s gate was decided already: the evidence records it (see above), and the"
              + " engine's database, which had lost it, now holds it too. Nothing was"
              + " rejected. To stop the run: `runbook abort "
              + s.runId
              + " --as NAME --comment WHY`");
    }
    core.driver.fireDueTimers(s);
    core.driver.settle(s); // the gate is announced in the evidence before anyone's decision on it
    String reconcile = reconcilePending(s);
    if (reconcile != null && (gate == null || gate.equals(EngineCore.RECONCILE))) {
      // Rejecting a reconcile ends the run as an abort does: past a DESTRUCTIVE step by the
      // runbook's abort path. The statement is verified first (a refused one is recorded);
      // where an abort would be refused, nothing is recorded of the verified statement.
      Attestor.Attested who =
          attest(s, "reject", EngineCore.RECONCILE, "rejected", comment, by, identity);
      Aborts.Abort how = core.aborts.abortKind(s, false, false);
      recordVerified(s, who);
      s.emit(
          new RunEvent.GateDecision(
              reconcile,
              EngineCore.RECONCILE,
              Decision.REJECTED,
              by,
              null,
              comment,
              s.planSha256(),
              0,
              1,
              who.keyFingerprint()));
      return core.aborts.abortRun(s, by, "reconcile rejected: " + comment, how);
    }
    Task task = pendingTask(s, gate);
    UserTask model = s.runbook.model().getModelElementById(task.getTaskDefinitionKey());
    Gates.Rules rules = Gates.rules(model);
    Attestor.Attested who = attest(s, "reject", model.getId(), "rejected", comment, by, identity);
    recordVerified(s, who);
    s.emit(
        decision(
            s,
            model,
            rules,
            Decision.REJECTED,
            by,
            comment,
            approvals(s, task).size(),
            who.keyFingerprint()));
    core.engine().getTaskService().handleBpmnError(task.getId(), "GATE_REJECTED", comment);
    return core.driver.drive(s);
  }

  /**
   * A person's decision on {@code model}'s gate, bound to the run's plan: an approval records the
   * role it counts for, a rejection none. {@code count} is how many approvals the gate has with it.
   */
  static RunEvent.GateDecision decision(
      RunSession s,
      UserTask model,
      Gates.Rules rules,
      Decision decision,
      String by,
      String comment,
      int count,
      String keyFingerprint) {
    return new RunEvent.GateDecision(
        model.getId(),
        model.getName(),
        decision,
        by,
        decision == Decision.APPROVED ? rules.role() : null,
        comment,
        s.planSha256(),
        count,
        rules.approvers(),
        keyFingerprint);
  }

  /** The statement a person signs for an action on a run, with what it binds. */
  Attestor.Attested attest(
      RunSession s,
      String action,
      String gate,
      String decision,
      String comment,
      String by,
      Identity identity) {
    return Attestor.attest(
        s.inventory,
        s.chain(),
        new Attestor.Expected(action, s.runId, gate, s.planSha256(), decision, comment, by),
        identity,
        Instant.now(),
        s::emit);
  }

  /** Refuses a person's action for a gate rule, recording the attempt in the run's evidence. */
  static IdentityException refuse(
      RunSession s, Attestor.Attested who, String gate, Refusal reason, String message) {
    s.emit(
        new RunEvent.StatementRefused(
            "approve", gate, who.principal(), who.keyFingerprint(), reason, message));
    return new IdentityException(reason, message);
  }

  /**
   * Records a verified statement, after a copy of the allowed-signers file it was checked against
   * when the run has none yet: the evidence alone then shows whose key was whose.
   */
  static void recordVerified(RunSession s, Attestor.Attested who) {
    if (who.event() != null) {
      if (who.signers() != null) {
        s.keepAllowedSigners(who.signers().bytes());
      }
      s.emit(who.event());
    }
  }

  RunOutcome approveReconcile(RunSession s, String by, String comment, Identity identity) {
    if (comment == null || comment.isBlank()) {
      throw new BadInputException(
          "approving a reconcile re-runs a step that may have run: say what you checked with --comment");
    }
    Attestor.Attested who =
        attest(s, "approve", EngineCore.RECONCILE, "approved", comment, by, identity);
    if (by.equals(s.startedBy)) {
      throw refuse(
          s,
          who,
          EngineCore.RECONCILE,
          Refusal.STARTER_FORBIDDEN,
          by + " started run " + s.runId + "; a reconcile needs someone else to check the host");
    }
    String activity = reconcilePending(s);
    recordVerified(s, who);
    s.emit(
        new RunEvent.GateDecision(
            activity,
            EngineCore.RECONCILE,
            Decision.APPROVED,
            by,
            null,
            comment,
            s.planSha256(),
            1,
            1,
            who.keyFingerprint()));
    core.driver.retryFailedJobs(s);
    return core.driver.drive(s);
  }

  /** The activity of a reconcile.required with no decision after it, or null. */
  static String reconcilePending(RunSession s) {
    String pending = null;
    for (EvidenceEvents.Recorded r : s.events()) {
      if (r.event() instanceof RunEvent.ReconcileRequired q) {
        pending = q.activityId();
      } else if (r.event() instanceof RunEvent.GateDecision d
          && EngineCore.RECONCILE.equals(d.name())) {
        pending = null;
      }
    }
    return pending;
  }

  /** The run's gates waiting now. */
  List<Task> activeGates(RunSession s) {
    return core.engine()
        .getTaskService()
        .createTaskQuery()
        .processInstanceId(s.processInstanceId)
        .active()
        .list();
  }

  Task pendingTask(RunSession s, String gate) {
    List<Task> tasks = activeGates(s);
    if (gate != null) {
      tasks = tasks.stream().filter(t -> t.getTaskDefinitionKey().equals(gate)).toList();
    }
    if (tasks.isEmpty()) {
      throw new BadInputException(
          "run "
              + s.runId
              + " has no pending gate"
              + (gate == null ? "" : " " + gate)
              + " (it may have expired or been decided): see `runbook status "
              + s.runId
              + "`");
    }
    if (tasks.size() > 1) {
      throw new BadInputException(
          "run "
              + s.runId
              + " has several pending gates; name one: "
              + tasks.stream().map(Task::getTaskDefinitionKey).toList());
    }
    return tasks.get(0);
  }

  /**
   * Breaking another run's lock on a node is a decision about the cluster, so it is for a person
   * who may decide this runbook's gates: one holding a role a gate names. A runbook whose gates
   * name no role lets anyone named break it, as anyone named may approve its gates.
   */
  static void requireDecider(RunSession s, String by, String node) {
    java.util.Set<String> roles = new java.util.TreeSet<>();
    for (UserTask gate : s.runbook.model().getModelElementsByType(UserTask.class)) {
      String role = Gates.rules(gate).role();
      if (role != null) {
        roles.add(role);
      }
    }
    if (roles.isEmpty()
        || roles.stream()
            .anyMatch(r -> s.inventory.roles().getOrDefault(r, List.of()).contains(by))) {
      return;
    }
    throw new IdentityException(
        Refusal.ROLE_MISSING,
        "breaking the lock on "
            + node
            + " is a decision for someone who may decide this runbook's gates: a role in "
            + roles
            + " of the inventory's roles, which "
            + by
            + " does not hold. Nothing was changed");
  }

  /** Refuses (recorded) an approver the gate's rules do not allow: the starter, a role, twice. */
  static void checkApprover(
      RunSession s,
      Attestor.Attested who,
      UserTask model,
      Gates.Rules rules,
      String by,
      List<String> already) {
    if (!rules.starterMayApprove() && by.equals(s.startedBy)) {
      throw refuse(
          s,
          who,
          model.getId(),
          Refusal.STARTER_FORBIDDEN,
          by
              + " started run "
              + s.runId
              + "; gate "
              + model.getId()
              + " needs an approver other than the person who started the run");
    }
    if (rules.role() != null
        && !s.inventory.roles().getOrDefault(rules.role(), List.of()).contains(by)) {
      throw refuse(
          s,
          who,
          model.getId(),
          Refusal.ROLE_MISSING,
          "gate "
              + model.getId()
              + " needs role '"
              + rules.role()
              + "', which "
              + by
              + " does not hold in the inventory's roles ("
              + s.inventory.roles().getOrDefault(rules.role(), List.of())
              + ")");
    }
    if (already.contains(by)) {
      throw refuse(
          s,
          who,
          model.getId(),
          Refusal.ALREADY_APPROVED,
          by
              + " already approved gate "
              + model.getId()
              + "; it needs "
              + rules.approvers()
              + " distinct approvers");
    }
  }

  /** Whether {@code gate} is a gate waiting now. */
  boolean pending(RunSession s, String gate) {
    return core.engine()
            .getTaskService()
            .createTaskQuery()
            .processInstanceId(s.processInstanceId)
            .taskDefinitionKey(gate)
            .active()
            .count()
        > 0;
  }

  static UserTask gateModel(RunSession s, String gate) {
    return s.runbook.model().getModelElementById(gate) instanceof UserTask u ? u : null;
  }

  /** Who approved this visit of the gate so far, from the evidence (see {@link GateLedger}). */
  static List<String> approvals(RunSession s, Task task) {
    return new ArrayList<>(
        GateLedger.of(s.events(), task.getTaskDefinitionKey(), task.getId()).approvals());
  }
}
