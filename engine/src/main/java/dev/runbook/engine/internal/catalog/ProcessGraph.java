package dev.runbook.engine.internal.catalog;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.BoundaryEvent;
import org.camunda.bpm.model.bpmn.instance.EndEvent;
import org.camunda.bpm.model.bpmn.instance.ErrorEventDefinition;
import org.camunda.bpm.model.bpmn.instance.EventDefinition;
import org.camunda.bpm.model.bpmn.instance.FlowNode;
import org.camunda.bpm.model.bpmn.instance.Gateway;
import org.camunda.bpm.model.bpmn.instance.SequenceFlow;
import org.camunda.bpm.model.bpmn.instance.StartEvent;
import org.camunda.bpm.model.bpmn.instance.TimerEventDefinition;
import org.camunda.bpm.model.bpmn.instance.UserTask;

/**
 * A runbook's flow as a graph with a position for every node, for {@code show} (process order) and
 * the report's diagram where the BPMN has no diagram interchange (the report draws DI when there
 * is; {@code show} always lists in this order): a node's layer is its longest path from the start
 * along sequence flows (a flow from a boundary event counts as leaving the task it is attached to),
 * so a node always stands right of everything that leads to it. Nodes reached by normal flows take
 * the top rows; nodes reached only through boundary events (error and rollback paths) the rows
 * below them.
 */
public final class ProcessGraph {

  public enum Kind {
    START,
    END,
    TASK,
    GATE,
    GATEWAY,
    EVENT,
    BOUNDARY
  }

  /**
   * @param attachedTo for a boundary event: the task it is attached to; else null
   * @param trigger for a boundary event: the error code it catches, {@code any error}, or {@code
   *     timer} and its duration; else null
   * @param layer column, from 0 at the start; a boundary event has its task's
   * @param row 0 for the first row of the normal path
   */
  public record Node(
      String id,
      String name,
      Kind kind,
      FlowNode element,
      String attachedTo,
      String trigger,
      int layer,
      int row) {

    /** The name, or the id for a node without one. */
    public String label() {
      return name == null || name.isBlank() ? id : name;
    }

    public boolean activity() {
      return kind == Kind.TASK || kind == Kind.GATE;
    }
  }

  public record Flow(String id, String source, String target) {}

  private final Map<String, Node> nodes;
  private final List<Flow> flows;

  private ProcessGraph(Map<String, Node> nodes, List<Flow> flows) {
    this.nodes = nodes;
    this.flows = flows;
  }

  public static ProcessGraph of(BpmnModelInstance model) {
    List<FlowNode> elements = new ArrayList<>(model.getModelElementsByType(FlowNode.class));
    // An event subprocess (the abort path) is drawn as what it holds, a path of its own from its
    // start event: its box has no flows and would stand alone.
    elements.removeIf(e -> e instanceof org.camunda.bpm.model.bpmn.instance.SubProcess);
    List<Flow> flows = new ArrayList<>();
    for (SequenceFlow f : model.getModelElementsByType(SequenceFlow.class)) {
      flows.add(new Flow(f.getId(), f.getSource().getId(), f.getTarget().getId()));
    }
    Map<String, String> attached = new HashMap<>();
    for (FlowNode e : elements) {
      if (e instanceof BoundaryEvent b && b.getAttachedTo() != null) {
        attached.put(b.getId(), b.getAttachedTo().getId());
      }
    }
    // Edges between laid-out nodes: a boundary event's flows leave from its task.
    Map<String, List<String>> all = new LinkedHashMap<>();
    Map<String, List<String>> normal = new LinkedHashMap<>();
    for (FlowNode e : elements) {
      if (!attached.containsKey(e.getId())) {
        all.put(e.getId(), new ArrayList<>());
        normal.put(e.getId(), new ArrayList<>());
      }
    }
    for (Flow f : flows) {
      String from = attached.getOrDefault(f.source(), f.source());
      if (all.containsKey(from) && all.containsKey(f.target())) {
        all.get(from).add(f.target());
        if (!attached.containsKey(f.source())) {
          normal.get(from).add(f.target());
        }
      }
    }
    List<String> starts =
        elements.stream().filter(e -> e instanceof StartEvent).map(FlowNode::getId).toList();
    Map<String, Integer> layers = longestPaths(all, starts);
    Set<String> main = reachable(normal, starts);

    Map<String, Integer> rows = new HashMap<>();
    Map<Integer, Integer> mainInLayer = new HashMap<>();
    for (String id : all.keySet()) {
      if (main.contains(id)) {
        rows.put(id, mainInLayer.merge(layers.get(id), 1, Integer::sum) - 1);
      }
    }
    int mainRows = mainInLayer.values().stream().max(Integer::compare).orElse(1);
    Map<Integer, Integer> otherInLayer = new HashMap<>();
    for (String id : all.keySet()) {
      if (!main.contains(id)) {
        rows.put(id, mainRows + otherInLayer.merge(layers.get(id), 1, Integer::sum) - 1);
      }
    }

    Map<String, Node> nodes = new LinkedHashMap<>();
    for (FlowNode e : elements) {
      String owner = attached.getOrDefault(e.getId(), e.getId());
      if (!layers.containsKey(owner)) {
        continue; // attached to something that is not a flow node of this process
      }
      nodes.put(
          e.getId(),
          new Node(
              e.getId(),
              e.getName(),
              kind(e),
              e,
              attached.get(e.getId()),
              e instanceof BoundaryEvent b ? trigger(b) : null,
              layers.get(owner),
              rows.get(owner)));
    }
    return new ProcessGraph(nodes, List.copyOf(flows));
  }

  /** Every node but boundary events, in process order: by layer, then row. */
  public List<Node> inOrder() {
    return nodes.values().stream()
        .filter(n -> n.kind() != Kind.BOUNDARY)
        .sorted(Comparator.comparingInt(Node::layer).thenComparingInt(Node::row))
        .toList();
  }

  public List<Node> nodes() {
    return List.copyOf(nodes.values());
  }

  public Node node(String id) {
    return nodes.get(id);
  }

  public List<Flow> flows() {
    return flows;
  }

  public List<Flow> outgoing(String id) {
    return flows.stream().filter(f -> f.source().equals(id)).toList();
  }

  /** The boundary events attached to {@code activityId}, in file order. */
  public List<Node> boundaries(String activityId) {
    return nodes.values().stream().filter(n -> activityId.equals(n.attachedTo())).toList();
  }

  private static Kind kind(FlowNode e) {
    if (e instanceof StartEvent) {
      return Kind.START;
    }
    if (e instanceof EndEvent) {
      return Kind.END;
    }
    if (e instanceof BoundaryEvent) {
      return Kind.BOUNDARY;
    }
    if (e instanceof UserTask) {
      return Kind.GATE;
    }
    if (e instanceof Gateway) {
      return Kind.GATEWAY;
    }
    if (e instanceof org.camunda.bpm.model.bpmn.instance.Activity) {
      return Kind.TASK;
    }
    return Kind.EVENT;
  }

  private static String trigger(BoundaryEvent b) {
    for (EventDefinition d : b.getEventDefinitions()) {
      if (d instanceof TimerEventDefinition t) {
        return t.getTimeDuration() == null
            ? "timer"
            : "timer " + t.getTimeDuration().getTextContent().strip();
      }
      if (d instanceof ErrorEventDefinition ed) {
        return ed.getError() == null || ed.getError().getErrorCode() == null
            ? "any error"
            : ed.getError().getErrorCode();
      }
    }
    return "event";
  }

  /**
   * Longest path from the starts, ignoring the edges that close a cycle (found by a depth-first
   * walk), so a loop back cannot push its nodes ever further right. Nodes no start reaches stand in
   * layer 0.
   */
  private static Map<String, Integer> longestPaths(
      Map<String, List<String>> edges, List<String> starts) {
    List<String> postOrder = new ArrayList<>();
    Set<String> done = new HashSet<>();
    Set<String> onPath = new HashSet<>();
    Set<String> backEdges = new HashSet<>();
    List<String> roots = new ArrayList<>(starts);
    roots.addAll(edges.keySet());
    for (String root : roots) {
      if (done.contains(root)) {
        continue;
      }
      Deque<Map.Entry<String, Integer>> stack = new ArrayDeque<>();
      stack.push(Map.entry(root, 0));
      onPath.add(root);
      while (!stack.isEmpty()) {
        var top = stack.pop();
        List<String> out = edges.get(top.getKey());
        if (top.getValue() < out.size()) {
          stack.push(Map.entry(top.getKey(), top.getValue() + 1));
          String next = out.get(top.getValue());
          if (onPath.contains(next)) {
            backEdges.add(top.getKey() + "->" + next);
          } else if (!done.contains(next)) {
            onPath.add(next);
            stack.push(Map.entry(next, 0));
          }
        } else {
          onPath.remove(top.getKey());
          done.add(top.getKey());
          postOrder.add(top.getKey());
        }
      }
    }
    Map<String, Integer> layer = new HashMap<>();
    edges.keySet().forEach(id -> layer.put(id, 0));
    for (int i = postOrder.size() - 1; i >= 0; i--) {
      String from = postOrder.get(i);
      for (String to : edges.get(from)) {
        if (!backEdges.contains(from + "->" + to)) {
          layer.merge(to, layer.get(from) + 1, Math::max);
        }
      }
    }
    return layer;
  }

  private static Set<String> reachable(Map<String, List<String>> edges, List<String> starts) {
    Set<String> seen = new HashSet<>();
    Deque<String> queue = new ArrayDeque<>(starts);
    while (!queue.isEmpty()) {
      String n = queue.poll();
      if (seen.add(n)) {
        queue.addAll(edges.get(n));
      }
    }
    return seen;
  }
}
