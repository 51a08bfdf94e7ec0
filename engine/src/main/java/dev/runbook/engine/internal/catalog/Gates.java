package dev.runbook.engine.internal.catalog;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.camunda.bpm.model.bpmn.instance.EndEvent;
import org.camunda.bpm.model.bpmn.instance.FlowNode;
import org.camunda.bpm.model.bpmn.instance.SequenceFlow;
import org.camunda.bpm.model.bpmn.instance.Task;
import org.camunda.bpm.model.bpmn.instance.UserTask;

/**
 * The rules of an approval gate (a BPMN user task), declared as camunda properties on it: {@code
 * gate.approvers} (distinct people needed, default 1), {@code gate.role} (a role of the inventory's
 * {@code roles} that every approver must hold), {@code gate.starterMayApprove} (default false: the
 * person who started the run may not approve), {@code gate.approveAhead} (default true: an approval
 * may be given before the run reaches the gate, and opens it when it does).
 */
public final class Gates {

  /**
   * @param approveAhead whether an approval may be given before the run reaches the gate ({@code
   *     gate.approveAhead}, default true): false where a person must see the live state first
   */
  public record Rules(
      int approvers, String role, boolean starterMayApprove, boolean approveAhead) {}

  private Gates() {}

  public static Rules rules(UserTask gate) {
    Map<String, String> p = Catalog.properties(gate);
    int approvers = Integer.parseInt(p.getOrDefault("gate.approvers", "1").strip());
    if (approvers < 1) {
      throw new IllegalArgumentException(gate.getId() + ": gate.approvers must be at least 1");
    }
    String role = p.get("gate.role");
    return new Rules(
        approvers,
        role == null || role.isBlank() ? null : role.strip(),
        Boolean.parseBoolean(p.get("gate.starterMayApprove")),
        !"false".equalsIgnoreCase(p.getOrDefault("gate.approveAhead", "true").strip()));
  }

  /**
   * The nodes a sequence flow leads to from {@code n}, read from the flows' sourceRef (a BPMN file
   * need not list a node's {@code <outgoing>} for the engine to follow it).
   */
  public static List<FlowNode> next(FlowNode n) {
    List<FlowNode> next = new ArrayList<>();
    for (SequenceFlow f : n.getModelInstance().getModelElementsByType(SequenceFlow.class)) {
      if (f.getSource() == n) {
        next.add(f.getTarget());
      }
    }
    return next;
  }

  /**
   * The names of the tasks an approval releases: those reached from the gate's normal outgoing
   * flows before the next gate, in breadth-first order.
   */
  public static List<String> releases(UserTask gate) {
    List<String> names = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    Deque<FlowNode> queue = new ArrayDeque<>();
    queue.addAll(next(gate));
    while (!queue.isEmpty()) {
      FlowNode n = queue.poll();
      if (!seen.add(n.getId()) || n instanceof UserTask) {
        continue;
      }
      if (n instanceof Task) {
        names.add(n.getName() == null ? n.getId() : n.getName());
      }
      if (!(n instanceof EndEvent)) {
        queue.addAll(next(n));
      }
    }
    return names;
  }
}
