package dev.runbook.engine.internal.catalog;

import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.RunbookDetail;
import dev.runbook.engine.api.RunbookDetail.Activity;
import dev.runbook.engine.api.RunbookDetail.ErrorPath;
import dev.runbook.engine.api.RunbookDetail.GateRules;
import dev.runbook.engine.internal.lint.BpmnLint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.camunda.bpm.model.bpmn.instance.UserTask;

/** Builds what {@code runbook show} prints from a runbook's BPMN and the steps known. */
public final class Descriptions {

  private Descriptions() {}

  /**
   * @param effects the effect of every known step, by bean name
   */
  public static RunbookDetail describe(Catalog.Entry entry, Map<String, Effect> effects) {
    ProcessGraph graph = ProcessGraph.of(entry.model());
    List<Activity> activities = new ArrayList<>();
    for (ProcessGraph.Node n : graph.inOrder()) {
      if (!n.activity()) {
        continue;
      }
      List<String> next =
          graph.outgoing(n.id()).stream().map(f -> named(graph, f.target())).toList();
      List<ErrorPath> onError = new ArrayList<>();
      for (ProcessGraph.Node b : graph.boundaries(n.id())) {
        for (ProcessGraph.Flow f : graph.outgoing(b.id())) {
          onError.add(new ErrorPath(b.id(), b.name(), b.trigger(), named(graph, f.target())));
        }
      }
      String documentation = Catalog.documentation(n.element());
      if (n.element() instanceof UserTask gate) {
        Gates.Rules r = Gates.rules(gate);
        activities.add(
            new Activity(
                n.id(),
                n.label(),
                "gate",
                documentation,
                null,
                null,
                new GateRules(r.approvers(), r.role(), r.starterMayApprove()),
                next,
                onError));
      } else {
        String step = n.element() instanceof ServiceTask st ? BpmnLint.stepName(st) : null;
        Effect effect = step == null ? null : effects.get(step);
        activities.add(
            new Activity(
                n.id(),
                n.label(),
                effect == null ? "task" : "step",
                documentation,
                step,
                effect,
                null,
                next,
                onError));
      }
    }
    return new RunbookDetail(entry.info(), activities);
  }

  private static String named(ProcessGraph graph, String id) {
    ProcessGraph.Node n = graph.node(id);
    return n == null || n.name() == null ? id : n.name() + " (" + id + ")";
  }
}
