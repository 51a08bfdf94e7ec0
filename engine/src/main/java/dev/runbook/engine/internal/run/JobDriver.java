package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.internal.catalog.Gates;
import dev.runbook.engine.internal.evidence.EvidenceEvents;
import java.util.List;
import java.util.Objects;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.management.JobDefinition;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.task.Task;
import org.camunda.bpm.model.bpmn.instance.BoundaryEvent;
import org.camunda.bpm.model.bpmn.instance.UserTask;

/**
 * Drives a run in the calling process: executes its jobs one at a time until it needs a person (a
 * gate), a timer, or ends or fails, and says where it then stands. The job executor stays off, so a
 * CLI command does its work and exits.
 */
final class JobDriver {

  private final EngineCore core;

  JobDriver(EngineCore core) {
    this.core = core;
  }

  /** Executes the run's jobs until it waits for a person, ends or fails. */
  RunOutcome drive(RunSession s) {
    ManagementService mgmt = core.engine().getManagementService();
    while (true) {
      List<Job> jobs =
          mgmt.createJobQuery()
              .processInstanceId(s.processInstanceId)
              .executable()
              .orderByJobDuedate()
              .asc()
              .list();
      if (jobs.isEmpty()) {
        if (core.held.openHeldGate(s)) {
          continue;
        }
        return settle(s);
      }
      String jobId = jobs.get(0).getId();
      try {
        Driver.runJob(jobId, () -> mgmt.executeJob(jobId));
      } catch (RuntimeException e) {
        StepDelegate.ReconcileRequired reconcile =
            EngineCore.find(e, StepDelegate.ReconcileRequired.class);
        if (reconcile != null) {
          return new RunOutcome(
              s.runId,
              RunState.RECONCILE,
              s.redact(reconcile.getMessage()),
              new RunOutcome.PendingGate(
                  reconcile.activityId,
                  EngineCore.RECONCILE,
                  List.of(),
                  1,
                  null,
                  false,
                  List.of(),
                  null,
                  s.planSha256(),
                  s.inventory.approval().unsigned()));
        }
        String next =
            core.aborts.inAbortPath(s)
                ? "\nThe rollback after the abort stopped here; the cluster stays locked. `runbook"
                    + " resume "
                    + s.runId
                    + " --as NAME` tries the step again; `runbook abort "
                    + s.runId
                    + " --as NAME --comment WHY --no-rollback --confirm` ends the run as it is."
                : "\nThe run stopped here. `runbook resume "
                    + s.runId
                    + " --as NAME` tries the step"
                    + " again; `runbook abort "
                    + s.runId
                    + " --as NAME --comment WHY` ends the run (past a DESTRUCTIVE step, by the"
                    + " runbook's abort path).";
        return new RunOutcome(
            s.runId,
            RunState.FAILED,
            // A failure's message may quote a command's output: the console shows it redacted.
            s.redact(EngineCore.rootMessage(e)) + next,
            null);
      }
    }
  }

  void fireDueTimers(RunSession s) {
    ManagementService mgmt = core.engine().getManagementService();
    for (Job job :
        mgmt.createJobQuery().processInstanceId(s.processInstanceId).timers().executable().list()) {
      Driver.runJob(job.getId(), () -> mgmt.executeJob(job.getId()));
    }
    if (core.engine()
            .getRuntimeService()
            .createProcessInstanceQuery()
            .processInstanceId(s.processInstanceId)
            .count()
        == 0) {
      RunOutcome o = settle(s);
      throw new BadInputException(
          "run " + s.runId + " has ended (" + o.state().label() + "): " + o.message());
    }
  }

  void retryFailedJobs(RunSession s) {
    ManagementService mgmt = core.engine().getManagementService();
    for (Job job :
        mgmt.createJobQuery().processInstanceId(s.processInstanceId).noRetriesLeft().list()) {
      mgmt.setJobRetries(job.getId(), 1);
    }
  }

  /** Where the run stands now that nothing more can be executed without a person or a timer. */
  RunOutcome settle(RunSession s) {
    RuntimeService runtime = core.engine().getRuntimeService();
    if (runtime.createProcessInstanceQuery().processInstanceId(s.processInstanceId).count() == 0) {
      core.locks().release(s.inventory.cluster(), s.runId);
      RunEvent.RunEnded end = null;
      for (EvidenceEvents.Recorded r : s.events()) {
        if (r.event() instanceof RunEvent.RunEnded e) {
          end = e;
        }
      }
      if (end == null) {
        return new RunOutcome(s.runId, RunState.FAILED, "the run ended without an end event", null);
      }
      return new RunOutcome(
          s.runId, RunState.ofLabel(end.outcome()), Objects.toString(end.message(), ""), null);
    }
    List<Task> pending = core.gates.activeGates(s);
    if (pending.isEmpty()) {
      return new RunOutcome(s.runId, RunState.WAITING, "waiting for a timer", null);
    }
    Task task = pending.get(0);
    UserTask model = s.runbook.model().getModelElementById(task.getTaskDefinitionKey());
    Gates.Rules rules = Gates.rules(model);
    String expiresAt = expiry(s, model);
    RunOutcome.PendingGate gate =
        new RunOutcome.PendingGate(
            model.getId(),
            model.getName(),
            Gatekeeper.approvals(s, task),
            rules.approvers(),
            rules.role(),
            rules.starterMayApprove(),
            Gates.releases(model),
            expiresAt,
            s.planSha256(),
            s.inventory.approval().unsigned());
    boolean announced =
        s.events().stream()
            .anyMatch(
                r ->
                    r.event() instanceof RunEvent.GatePending p && task.getId().equals(p.taskId()));
    if (!announced) {
      s.emit(
          new RunEvent.GatePending(
              model.getId(),
              model.getName(),
              task.getId(),
              rules.approvers(),
              rules.role(),
              rules.starterMayApprove(),
              expiresAt,
              gate.releases(),
              s.inventory.approval().identity()));
    }
    return new RunOutcome(s.runId, RunState.WAITING, "waiting at gate " + model.getId(), gate);
  }

  String expiry(RunSession s, UserTask gate) {
    ManagementService mgmt = core.engine().getManagementService();
    for (Job job : mgmt.createJobQuery().processInstanceId(s.processInstanceId).timers().list()) {
      JobDefinition def =
          mgmt.createJobDefinitionQuery().jobDefinitionId(job.getJobDefinitionId()).singleResult();
      if (def != null
          && s.runbook.model().getModelElementById(def.getActivityId()) instanceof BoundaryEvent b
          && b.getAttachedTo() == gate) {
        return job.getDuedate().toInstant().toString();
      }
    }
    return null;
  }
}
