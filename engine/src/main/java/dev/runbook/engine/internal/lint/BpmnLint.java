package dev.runbook.engine.internal.lint;

import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.RunbookInfo;
import dev.runbook.engine.internal.catalog.AbortPath;
import dev.runbook.engine.internal.catalog.Catalog;
import dev.runbook.engine.internal.catalog.Gates;
import dev.runbook.engine.internal.catalog.ParameterType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.camunda.bpm.model.bpmn.instance.Activity;
import org.camunda.bpm.model.bpmn.instance.BaseElement;
import org.camunda.bpm.model.bpmn.instance.BoundaryEvent;
import org.camunda.bpm.model.bpmn.instance.EndEvent;
import org.camunda.bpm.model.bpmn.instance.ErrorEventDefinition;
import org.camunda.bpm.model.bpmn.instance.FlowNode;
import org.camunda.bpm.model.bpmn.instance.Process;
import org.camunda.bpm.model.bpmn.instance.SequenceFlow;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.camunda.bpm.model.bpmn.instance.StartEvent;
import org.camunda.bpm.model.bpmn.instance.Task;
import org.camunda.bpm.model.bpmn.instance.UserTask;
import org.camunda.bpm.model.bpmn.instance.bpmndi.BpmnDiagram;
import org.camunda.bpm.model.bpmn.instance.bpmndi.BpmnEdge;
import org.camunda.bpm.model.bpmn.instance.bpmndi.BpmnShape;

/**
 * Checks a runbook's BPMN for what the engine relies on and a reviewer needs. Every problem is
 * reported, not the first only.
 */
public final class BpmnLint {

  /** Readable ids: {@code Task_TakeSnapshot}, {@code Gateway_QuorumHealthy}, never generated. */
  private static final Pattern READABLE_ID = Pattern.compile("[A-Z][A-Za-z]*_[A-Z][A-Za-z0-9_]*");

  private static final Pattern PROCESS_ID = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");
  private static final Pattern STEP_EXPRESSION = Pattern.compile("\\$\\{([A-Za-z][A-Za-z0-9]*)}");
  static final Set<String> OUTCOMES =
      Set.of("done", "rolled-back", "rejected", "expired", "failed");

  private BpmnLint() {}

  /**
   * @param steps bean name to effect, of every step the engine knows
   * @return problems as {@code source: element: what is wrong}; empty when the runbook is fine
   */
  public static List<String> check(Catalog.Entry entry, Map<String, Effect> steps) {
    List<String> problems = new ArrayList<>();
    Process process = entry.process();
    String src = entry.source();
    if (!PROCESS_ID.matcher(process.getId()).matches()) {
      problems.add(src + ": process id '" + process.getId() + "' must be kebab-case");
    }
    if (process.getCamundaHistoryTimeToLiveString() == null) {
      problems.add(src + ": process has no camunda:historyTimeToLive");
    }
    parameters(entry, problems);
    for (BaseElement e : entry.model().getModelElementsByType(BaseElement.class)) {
      String id = e.getId();
      if (e == process || id == null || e.getParentElement() == null) {
        continue;
      }
      if (e instanceof FlowNode
          || e instanceof SequenceFlow
          || e instanceof org.camunda.bpm.model.bpmn.instance.Error) {
        if (!READABLE_ID.matcher(id).matches()) {
          problems.add(src + ": id '" + id + "' looks generated: name it like Task_TakeSnapshot");
        }
      }
    }
    for (org.camunda.bpm.model.bpmn.instance.Error error :
        entry.model().getModelElementsByType(org.camunda.bpm.model.bpmn.instance.Error.class)) {
      String code = error.getErrorCode();
      if (code == null || Arrays.stream(ErrorCode.values()).noneMatch(c -> c.name().equals(code))) {
        problems.add(
            src
                + ": "
                + error.getId()
                + ": error code '"
                + code
                + "' is not in ErrorCode "
                + Arrays.toString(ErrorCode.values()));
      }
    }
    for (Task task : entry.model().getModelElementsByType(Task.class)) {
      String where = src + ": " + task.getId();
      if (Catalog.documentation(task).isEmpty()) {
        problems.add(
            where
                + ": task has no <documentation> (purpose, preconditions, blast radius, rollback)");
      }
      if (task instanceof ServiceTask st) {
        String step = stepName(st);
        if (step == null) {
          problems.add(
              where + ": bind the step by bean name: camunda:delegateExpression=\"${stepName}\"");
        } else if (!steps.containsKey(step)) {
          problems.add(where + ": unknown step '" + step + "'; known steps: " + steps.keySet());
        }
        if (!st.isCamundaAsyncBefore()) {
          problems.add(
              where
                  + ": every step must be camunda:asyncBefore=\"true\" (state is committed between steps)");
        }
      } else if (task instanceof UserTask gate) {
        try {
          Gates.rules(gate);
        } catch (RuntimeException e) {
          problems.add(where + ": " + e.getMessage());
        }
        if (!catches(entry, gate, ErrorCode.GATE_REJECTED)) {
          problems.add(where + ": gate has no boundary event for GATE_REJECTED (the reject path)");
        }
      } else {
        problems.add(where + ": only service tasks (steps) and user tasks (gates) are supported");
      }
    }
    for (EndEvent end : entry.model().getModelElementsByType(EndEvent.class)) {
      String outcome = Catalog.properties(end).get("outcome");
      if (outcome == null || !OUTCOMES.contains(outcome)) {
        problems.add(
            src
                + ": "
                + end.getId()
                + ": end event needs camunda property 'outcome', one of "
                + OUTCOMES);
      }
    }
    problems.addAll(ungatedDestructive(entry, steps));
    problems.addAll(AbortPath.problems(entry));
    problems.addAll(partialDiagram(entry));
    return problems;
  }

  /**
   * A runbook may come without diagram interchange (the report lays it out), but DI that leaves
   * elements out hides them in Camunda Modeler and bpmn-js: a reviewer would approve a drawing that
   * lacks a step. Typically the process was edited by hand after the Modeler saved it.
   */
  private static List<String> partialDiagram(Catalog.Entry entry) {
    var model = entry.model();
    if (model.getModelElementsByType(BpmnDiagram.class).isEmpty()) {
      return List.of();
    }
    Set<String> drawn = new HashSet<>();
    for (BpmnShape s : model.getModelElementsByType(BpmnShape.class)) {
      if (s.getBpmnElement() != null) {
        drawn.add(s.getBpmnElement().getId());
      }
    }
    for (BpmnEdge e : model.getModelElementsByType(BpmnEdge.class)) {
      if (e.getBpmnElement() != null) {
        drawn.add(e.getBpmnElement().getId());
      }
    }
    List<String> problems = new ArrayList<>();
    List<BaseElement> elements = new ArrayList<>(model.getModelElementsByType(FlowNode.class));
    elements.addAll(model.getModelElementsByType(SequenceFlow.class));
    for (BaseElement e : elements) {
      if (!drawn.contains(e.getId())) {
        problems.add(
            entry.source()
                + ": "
                + e.getId()
                + ": not in the diagram (bpmndi) that the file has: open it in Camunda Modeler"
                + " and place it, or remove the bpmndi:BPMNDiagram");
      }
    }
    return problems;
  }

  /** The bean name in {@code ${name}}, or null when the task is not bound that way. */
  public static String stepName(ServiceTask task) {
    String expr = task.getCamundaDelegateExpression();
    if (expr == null) {
      return null;
    }
    Matcher m = STEP_EXPRESSION.matcher(expr.strip());
    return m.matches() ? m.group(1) : null;
  }

  private static boolean catches(Catalog.Entry entry, Activity activity, ErrorCode code) {
    for (BoundaryEvent b : entry.model().getModelElementsByType(BoundaryEvent.class)) {
      if (b.getAttachedTo() != activity) {
        continue;
      }
      for (var def : b.getEventDefinitions()) {
        if (def instanceof ErrorEventDefinition ed
            && ed.getError() != null
            && code.name().equals(ed.getError().getErrorCode())) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Walks from every start event without passing a gate; a DESTRUCTIVE step reached is a problem. A
   * gate is passed only by its approval (its outgoing flow): its reject and timeout paths (its
   * boundary events) approve nothing, so the walk follows them.
   */
  private static List<String> ungatedDestructive(Catalog.Entry entry, Map<String, Effect> steps) {
    List<String> problems = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    Deque<FlowNode> queue =
        new ArrayDeque<>(entry.model().getModelElementsByType(StartEvent.class));
    while (!queue.isEmpty()) {
      FlowNode n = queue.poll();
      if (!seen.add(n.getId())) {
        continue;
      }
      if (n instanceof ServiceTask st && steps.get(stepName(st)) == Effect.DESTRUCTIVE) {
        problems.add(
            entry.source()
                + ": "
                + st.getId()
                + ": DESTRUCTIVE step '"
                + stepName(st)
                + "' is reachable without passing an approval gate");
      }
      if (!(n instanceof UserTask)) {
        queue.addAll(Gates.next(n));
      }
      for (BoundaryEvent b : entry.model().getModelElementsByType(BoundaryEvent.class)) {
        if (b.getAttachedTo() == n) {
          queue.add(b);
        }
      }
    }
    return problems;
  }

  /**
   * Every parameter has a known type, bounds of that type, and either is required or has a default
   * that is a value of its type (or empty, meaning "not used"): a parameter left out must still
   * resolve where the BPMN uses it.
   */
  private static void parameters(Catalog.Entry entry, List<String> problems) {
    Map<String, ParameterType.Spec> specs = entry.parameterSpecs();
    for (RunbookInfo.Parameter p : entry.parameters()) {
      String where = entry.source() + ": parameter " + p.name() + ": ";
      ParameterType.Spec spec = specs.get(p.name());
      if (spec == null) {
        problems.add(where + "type '" + p.type() + "' is not one of " + ParameterType.words());
        continue;
      }
      spec.declarationProblem().ifPresent(why -> problems.add(where + why));
      if (p.required() && p.defaultValue() != null) {
        problems.add(where + "is required and has a default: declare one of the two");
      } else if (!p.required() && p.defaultValue() == null) {
        problems.add(
            where + "is neither required nor has a default (an empty default means \"not used\")");
      } else if (p.defaultValue() != null
          && !p.defaultValue().isEmpty()
          && spec.declarationProblem().isEmpty()) {
        spec.problem(p.defaultValue(), p.secret())
            .ifPresent(
                why ->
                    problems.add(
                        where + "its default does not fit " + spec.describe() + ": " + why));
      }
    }
  }
}
