package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.internal.catalog.Gates;
import dev.runbook.engine.internal.evidence.EvidenceEvents;
import java.util.List;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.task.Task;
import org.camunda.bpm.model.bpmn.instance.UserTask;

/**
 * Brings the engine database level with the run's evidence before a process acts on the run (see
 * {@link #recover}).
 */
final class Recovery {

  private final EngineCore core;

  Recovery(EngineCore core) {
    this.core = core;
  }

  /**
   * Brings the engine database level with the run's evidence, before a process acts on the run. The
   * evidence is fsynced before the database commits, and a SIGKILL can cost H2 its last commit even
   * so (seen in the fault matrix: a resume found the run still waiting at a gate whose approval,
   * and the first command after it, were in the evidence). So what the evidence shows decided is
   * not asked of anyone again:
   *
   * <ul>
   *   <li>a run the evidence shows ended is removed from the database (its end was recorded, so
   *       nothing more is written to its evidence), its cluster released, and the action refused as
   *       for any ended run;
   *   <li>a waiting gate whose visit the evidence shows decided (rejected, or approved by as many
   *       people as it needs) is closed as decided, recorded as {@code run.recovered}.
   * </ul>
   *
   * A gate's expiry is left to its timer, still due in the database. True when a gate was closed.
   */
  boolean recover(RunSession s) {
    List<EvidenceEvents.Recorded> evidence = s.events();
    RunEvent.RunEnded end = null;
    for (EvidenceEvents.Recorded r : evidence) {
      if (r.event() instanceof RunEvent.RunEnded e) {
        end = e;
      }
    }
    RuntimeService runtime = core.engine().getRuntimeService();
    if (end != null) {
      if (runtime.createProcessInstanceQuery().processInstanceId(s.processInstanceId).count() > 0) {
        // Without its listeners: the end is in the evidence already, and nothing may follow it.
        runtime.deleteProcessInstance(
            s.processInstanceId, "ended per its evidence: " + end.outcome(), true);
        core.options()
            .listener()
            .notice(
                "run "
                    + s.runId
                    + " ended ("
                    + end.outcome()
                    + ") per its evidence; the engine's database, which had lost that, now"
                    + " holds it too");
      }
      core.locks().release(s.inventory.cluster(), s.runId);
      throw new BadInputException(
          "run " + s.runId + " has ended (" + end.outcome() + "): " + end.message());
    }
    boolean closed = false;
    for (Task task : core.gates.activeGates(s)) {
      UserTask model = Gatekeeper.gateModel(s, task.getTaskDefinitionKey());
      if (model == null) {
        continue;
      }
      GateLedger.Decided d =
          GateLedger.of(evidence, model.getId(), task.getId())
              .decided(Gates.rules(model).approvers());
      if (d == null) {
        continue;
      }
      s.emit(
          new RunEvent.RunRecovered(
              "gate-decision", model.getId(), d.decision() + " by " + d.by() + " at " + d.at()));
      if (d.decision() == dev.runbook.engine.api.Decision.REJECTED) {
        core.engine().getTaskService().handleBpmnError(task.getId(), "GATE_REJECTED", d.comment());
      } else {
        core.engine().getTaskService().complete(task.getId());
      }
      closed = true;
    }
    return closed;
  }
}
