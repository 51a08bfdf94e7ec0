package dev.runbook.engine.internal.report;

import dev.runbook.engine.api.Decision;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.internal.catalog.ProcessGraph;
import dev.runbook.engine.internal.catalog.ProcessGraph.Flow;
import dev.runbook.engine.internal.catalog.ProcessGraph.Kind;
import dev.runbook.engine.internal.catalog.ProcessGraph.Node;
import dev.runbook.engine.internal.evidence.EvidenceEvents;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The path a run took through its runbook, as far as evidence shows it. Evidence names the
 * activities (step.started, gate.pending) but not the flows, events or end event between them, so
 * those are found in the graph: from one activity to the next through nodes that are not
 * activities, leaving by the way the evidence says the activity ended (done or approved: its normal
 * flows; a BPMN error: the boundary event catching that code; a rejection: GATE_REJECTED; an
 * expiry: the timer). After run.ended, the same walk reaches the end event.
 */
final class RunPath {

  private enum Exit {
    NORMAL,
    ERROR,
    TIMER,
    ANY,
    NONE
  }

  private final ProcessGraph graph;
  private final Set<String> nodes = new HashSet<>();
  private final Set<String> flows = new HashSet<>();

  private RunPath(ProcessGraph graph) {
    this.graph = graph;
  }

  static RunPath of(ProcessGraph graph, List<EvidenceEvents.Recorded> events) {
    RunPath path = new RunPath(graph);
    path.walk(events);
    return path;
  }

  boolean visited(String nodeId) {
    return nodes.contains(nodeId);
  }

  boolean taken(String flowId) {
    return flows.contains(flowId);
  }

  private void walk(List<EvidenceEvents.Recorded> events) {
    String current = null;
    Exit exit = Exit.ANY;
    String errorCode = null;
    for (EvidenceEvents.Recorded r : events) {
      RunEvent e = r.event();
      if (e instanceof RunEvent.RunStarted) {
        for (Node n : graph.nodes()) {
          if (n.kind() == Kind.START && current == null) {
            current = n.id();
            exit = Exit.NORMAL;
            nodes.add(n.id());
          }
        }
      } else if (e instanceof RunEvent.StepStarted || e instanceof RunEvent.GatePending) {
        String activity =
            e instanceof RunEvent.StepStarted s
                ? s.activityId()
                : ((RunEvent.GatePending) e).activityId();
        if (activity == null || graph.node(activity) == null || activity.equals(current)) {
          continue; // a retry or a resume of the same activity
        }
        if (current != null) {
          connect(current, exit, errorCode, id -> id.equals(activity));
        }
        nodes.add(activity);
        current = activity;
        exit = Exit.ANY;
        errorCode = null;
      } else if (e instanceof RunEvent.StepFinished f) {
        if (f.activityId() != null && f.activityId().equals(current)) {
          errorCode = f.errorCode();
          exit =
              f.outcome() != null && f.outcome().done()
                  ? Exit.NORMAL
                  : errorCode != null ? Exit.ERROR : Exit.NONE;
        }
      } else if (e instanceof RunEvent.GateDecision d) {
        if (d.activityId() != null && d.activityId().equals(current)) {
          if (d.decision() == Decision.APPROVED) {
            exit = Exit.NORMAL;
          } else if (d.decision() == Decision.REJECTED) {
            exit = Exit.ERROR;
            errorCode = "GATE_REJECTED";
          } else if (d.decision() == Decision.EXPIRED) {
            exit = Exit.TIMER;
          } else {
            exit = Exit.ANY;
          }
        }
      } else if (e instanceof RunEvent.RunResumed) {
        if (exit == Exit.NONE) {
          exit = Exit.ANY; // the failed step is run again; whatever follows came from it
        }
      } else if (e instanceof RunEvent.RunEnded end) {
        // An aborted run or a technical failure stops the process where it stands.
        if (current != null && exit != Exit.NONE && !"aborted".equals(end.outcome())) {
          connect(current, exit, errorCode, id -> graph.node(id).kind() == Kind.END);
        }
        current = null;
      }
    }
  }

  /**
   * Marks the shortest way from {@code from} to a node {@code goal} accepts, leaving as {@code
   * exit} says (or any way, if that finds none) and passing no other activity.
   */
  private void connect(String from, Exit exit, String errorCode, Predicate<String> goal) {
    if (exit == Exit.NONE) {
      exit = Exit.ANY;
    }
    if (!search(from, exits(from, exit, errorCode), goal)) {
      search(from, exits(from, Exit.ANY, null), goal);
    }
  }

  private List<Flow> exits(String from, Exit exit, String errorCode) {
    List<Flow> out = new ArrayList<>();
    if (exit == Exit.NORMAL || exit == Exit.ANY) {
      out.addAll(graph.outgoing(from));
    }
    if (exit != Exit.NORMAL) {
      List<Node> boundaries = graph.boundaries(from);
      List<Node> matching =
          boundaries.stream()
              .filter(
                  b ->
                      exit == Exit.ANY
                          || (exit == Exit.TIMER && b.trigger().startsWith("timer"))
                          || (exit == Exit.ERROR
                              && (b.trigger().equals(errorCode)
                                  || b.trigger().equals("any error"))))
              .toList();
      matching.forEach(b -> out.addAll(graph.outgoing(b.id())));
    }
    return out;
  }

  private boolean search(String from, List<Flow> first, Predicate<String> goal) {
    Map<String, Flow> via = new HashMap<>();
    Deque<String> queue = new ArrayDeque<>();
    for (Flow f : first) {
      if (via.putIfAbsent(f.target(), f) == null) {
        queue.add(f.target());
      }
    }
    while (!queue.isEmpty()) {
      String n = queue.poll();
      if (goal.test(n)) {
        mark(from, n, via);
        return true;
      }
      Node node = graph.node(n);
      if (node == null || node.activity() || node.kind() == Kind.END) {
        continue;
      }
      for (Flow f : graph.outgoing(n)) {
        if (via.putIfAbsent(f.target(), f) == null) {
          queue.add(f.target());
        }
      }
    }
    return false;
  }

  private void mark(String from, String to, Map<String, Flow> via) {
    for (String n = to; !n.equals(from); ) {
      Flow f = via.get(n);
      flows.add(f.id());
      nodes.add(n);
      Node source = graph.node(f.source());
      if (source != null && source.kind() == Kind.BOUNDARY) {
        nodes.add(source.id());
        break; // the boundary event sits on `from`
      }
      n = f.source();
    }
  }
}
