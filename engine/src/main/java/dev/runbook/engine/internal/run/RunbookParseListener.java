package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.internal.catalog.Catalog;
import dev.runbook.engine.internal.catalog.Gates;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.camunda.bpm.engine.impl.bpmn.parser.AbstractBpmnParseListener;
import org.camunda.bpm.engine.impl.pvm.process.ActivityImpl;
import org.camunda.bpm.engine.impl.pvm.process.ScopeImpl;
import org.camunda.bpm.engine.impl.util.xml.Element;
import org.camunda.bpm.model.bpmn.instance.BoundaryEvent;
import org.camunda.bpm.model.bpmn.instance.EndEvent;
import org.camunda.bpm.model.bpmn.instance.UserTask;

/**
 * Adds the engine's own listeners to every runbook as it is deployed, so the BPMN stays about the
 * procedure: an end event records how the run ended; a gate's timer firing records that the gate
 * expired (fail closed).
 */
final class RunbookParseListener extends AbstractBpmnParseListener {

  private final Sessions sessions;

  RunbookParseListener(Sessions sessions) {
    this.sessions = sessions;
  }

  @Override
  public void parseEndEvent(Element element, ScopeImpl scope, ActivityImpl activity) {
    activity.addListener(ExecutionListener.EVENTNAME_START, (ExecutionListener) this::runEnded);
  }

  @Override
  public void parseBoundaryTimerEventDefinition(
      Element timerEventDefinition, boolean interrupting, ActivityImpl timerActivity) {
    timerActivity.addListener(
        ExecutionListener.EVENTNAME_START, (ExecutionListener) this::timerFired);
  }

  private void runEnded(DelegateExecution execution) {
    RunSession s = sessions.get(execution.getProcessBusinessKey());
    EndEvent end = s.runbook.model().getModelElementById(execution.getCurrentActivityId());
    String outcome = Catalog.properties(end).getOrDefault("outcome", "done");
    String name = end.getName() == null ? end.getId() : end.getName();
    if (!outcome.equals("done") && s.lastFailure != null) {
      name = name + " (" + s.lastFailure + ")";
    }
    // The nodes are free before the end is recorded: the end is the run's last word.
    s.nodeLock.releaseAll();
    s.emit(new RunEvent.RunEnded(outcome, name, null));
  }

  private void timerFired(DelegateExecution execution) {
    RunSession s = sessions.get(execution.getProcessBusinessKey());
    BoundaryEvent timer = s.runbook.model().getModelElementById(execution.getCurrentActivityId());
    if (timer.getAttachedTo() instanceof UserTask gate) {
      s.emit(
          new RunEvent.GateDecision(
              gate.getId(),
              gate.getName(),
              dev.runbook.engine.api.Decision.EXPIRED,
              "engine",
              null,
              "the gate timed out before enough approvals: failing closed",
              null,
              0,
              Gates.rules(gate).approvers()));
    }
  }
}
