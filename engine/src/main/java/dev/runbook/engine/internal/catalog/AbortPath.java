package dev.runbook.engine.internal.catalog;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.camunda.bpm.model.bpmn.instance.EndEvent;
import org.camunda.bpm.model.bpmn.instance.EventDefinition;
import org.camunda.bpm.model.bpmn.instance.Message;
import org.camunda.bpm.model.bpmn.instance.MessageEventDefinition;
import org.camunda.bpm.model.bpmn.instance.Process;
import org.camunda.bpm.model.bpmn.instance.StartEvent;
import org.camunda.bpm.model.bpmn.instance.SubProcess;

/**
 * A runbook's abort path, by convention: an interrupting event subprocess, a direct child of the
 * process, whose one start event is a message start event for the message named {@value #MESSAGE}.
 * The engine sends that message to a run aborted past a DESTRUCTIVE step: the subprocess cancels
 * whatever the run was doing (a gate, a failed step) and runs the runbook's own way back, and the
 * run, with its cluster lock, ends only when that path ends. The engine knows nothing else of it.
 */
public final class AbortPath {

  /** The message name the abort path starts on. */
  public static final String MESSAGE = "abort";

  private AbortPath() {}

  /** The abort path's event subprocess, when the runbook models one as the convention says. */
  public static Optional<SubProcess> of(Process process) {
    for (SubProcess sp : process.getChildElementsByType(SubProcess.class)) {
      if (sp.triggeredByEvent() && start(sp).isPresent()) {
        return Optional.of(sp);
      }
    }
    return Optional.empty();
  }

  /** The message start event of {@code sp} for {@value #MESSAGE}, if it has one. */
  public static Optional<StartEvent> start(SubProcess sp) {
    for (StartEvent s : sp.getChildElementsByType(StartEvent.class)) {
      if (isAbort(s)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  private static boolean isAbort(StartEvent s) {
    for (EventDefinition d : s.getEventDefinitions()) {
      if (d instanceof MessageEventDefinition m && m.getMessage() != null) {
        return MESSAGE.equals(m.getMessage().getName());
      }
    }
    return false;
  }

  /**
   * What is wrong with the runbook's use of the convention: a message named {@value #MESSAGE}
   * anywhere but on the start event of one interrupting event subprocess directly under the
   * process, with no other start event beside it and every end event of it rolling back.
   */
  public static List<String> problems(Catalog.Entry entry) {
    List<String> problems = new ArrayList<>();
    String src = entry.source() + ": ";
    int paths = 0;
    for (MessageEventDefinition d :
        entry.model().getModelElementsByType(MessageEventDefinition.class)) {
      Message m = d.getMessage();
      if (m == null || !MESSAGE.equals(m.getName())) {
        problems.add(
            src
                + d.getParentElement().getAttributeValue("id")
                + ": the engine sends only the message '"
                + MESSAGE
                + "' (the abort path); other message events never fire");
        continue;
      }
      if (!(d.getParentElement() instanceof StartEvent s)
          || !(s.getParentElement() instanceof SubProcess sp)
          || !sp.triggeredByEvent()
          || sp.getParentElement() != entry.process()) {
        problems.add(
            src
                + d.getParentElement().getAttributeValue("id")
                + ": the '"
                + MESSAGE
                + "' message may only start an event subprocess directly under the process"
                + " (the abort path)");
        continue;
      }
      paths++;
      if (!s.isInterrupting()) {
        problems.add(
            src
                + s.getId()
                + ": the abort path must be interrupting (isInterrupting=\"true\"): it replaces"
                + " what the run was doing");
      }
      if (sp.getChildElementsByType(StartEvent.class).size() != 1) {
        problems.add(src + sp.getId() + ": the abort path has one start event, the abort message");
      }
      for (EndEvent end : sp.getChildElementsByType(EndEvent.class)) {
        if (!"rolled-back".equals(Catalog.properties(end).get("outcome"))) {
          problems.add(
              src
                  + end.getId()
                  + ": an end event of the abort path has outcome 'rolled-back' (a failed"
                  + " rollback step stops the run there, holding the cluster)");
        }
      }
      if (sp.getChildElementsByType(EndEvent.class).isEmpty()) {
        problems.add(src + sp.getId() + ": the abort path has no end event");
      }
    }
    if (paths > 1) {
      problems.add(src + "more than one abort path; model one");
    }
    return problems;
  }
}
