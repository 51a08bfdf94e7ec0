package dev.runbook.runbooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.BaseElement;
import org.camunda.bpm.model.bpmn.instance.BoundaryEvent;
import org.camunda.bpm.model.bpmn.instance.FlowNode;
import org.camunda.bpm.model.bpmn.instance.SequenceFlow;
import org.camunda.bpm.model.bpmn.instance.SubProcess;
import org.camunda.bpm.model.bpmn.instance.bpmndi.BpmnDiagram;
import org.camunda.bpm.model.bpmn.instance.bpmndi.BpmnEdge;
import org.camunda.bpm.model.bpmn.instance.bpmndi.BpmnShape;
import org.camunda.bpm.model.bpmn.instance.dc.Bounds;
import org.camunda.bpm.model.bpmn.instance.di.Waypoint;
import org.camunda.bpm.model.xml.instance.ModelElementInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every shipped runbook carries diagram interchange that Camunda Modeler and bpmn-js can draw: a
 * shape for every flow node, an edge for every sequence flow joining its ends, and nothing drawn on
 * top of anything else. Without it the Modeler opens an empty canvas.
 */
class DiagramInterchangeTest {

  static final Path RUNBOOKS = Path.of("src/main/resources/runbooks");

  /** A waypoint may sit on a shape's outline or just inside it (the Modeler docks on circles). */
  private static final double TOUCH = 2;

  static List<Path> shipped() throws IOException {
    try (Stream<Path> files = Files.list(RUNBOOKS)) {
      List<Path> bpmn = files.filter(p -> p.toString().endsWith(".bpmn")).sorted().toList();
      // Guards against a moved directory making every check below pass on nothing.
      assertThat(bpmn)
          .extracting(p -> p.getFileName().toString())
          .contains(
              "ssh-check.bpmn",
              "etcd-snapshot.bpmn",
              "etcd-restore-rehearsal.bpmn",
              "etcd-restore.bpmn");
      return bpmn;
    }
  }

  @ParameterizedTest
  @MethodSource("shipped")
  void everyFlowNodeHasExactlyOneShape(Path file) throws IOException {
    BpmnModelInstance model = read(file);
    assertThat(model.getModelElementsByType(BpmnDiagram.class)).as(file + ": diagrams").hasSize(1);
    Map<String, Integer> shapes = count(model.getModelElementsByType(BpmnShape.class));
    for (FlowNode n : model.getModelElementsByType(FlowNode.class)) {
      assertThat(shapes.getOrDefault(n.getId(), 0)).as(file + ": shapes of " + n.getId()).isOne();
    }
    for (BpmnShape s : model.getModelElementsByType(BpmnShape.class)) {
      assertThat(s.getBpmnElement()).as(file + ": " + s.getId() + " draws an element").isNotNull();
      assertThat(s.getBounds()).as(file + ": bounds of " + s.getId()).isNotNull();
    }
  }

  @ParameterizedTest
  @MethodSource("shipped")
  void everySequenceFlowHasOneEdgeJoiningItsEnds(Path file) throws IOException {
    BpmnModelInstance model = read(file);
    Map<String, Bounds> bounds = bounds(model);
    Map<String, List<BpmnEdge>> edges = new HashMap<>();
    for (BpmnEdge e : model.getModelElementsByType(BpmnEdge.class)) {
      assertThat(e.getBpmnElement()).as(file + ": " + e.getId() + " draws an element").isNotNull();
      edges.computeIfAbsent(e.getBpmnElement().getId(), k -> new ArrayList<>()).add(e);
    }
    for (SequenceFlow f : model.getModelElementsByType(SequenceFlow.class)) {
      List<BpmnEdge> drawn = edges.getOrDefault(f.getId(), List.of());
      assertThat(drawn).as(file + ": edges of " + f.getId()).hasSize(1);
      List<Waypoint> points = new ArrayList<>(drawn.get(0).getWaypoints());
      assertThat(points).as(file + ": waypoints of " + f.getId()).hasSizeGreaterThanOrEqualTo(2);
      Waypoint first = points.get(0);
      Waypoint last = points.get(points.size() - 1);
      assertThat(touches(first, bounds.get(f.getSource().getId())))
          .as(
              "%s: %s starts at %s,%s on %s",
              file, f.getId(), first.getX(), first.getY(), f.getSource().getId())
          .isTrue();
      assertThat(touches(last, bounds.get(f.getTarget().getId())))
          .as(
              "%s: %s ends at %s,%s on %s",
              file, f.getId(), last.getX(), last.getY(), f.getTarget().getId())
          .isTrue();
    }
  }

  @ParameterizedTest
  @MethodSource("shipped")
  void boundaryEventsSitOnTheirHostsOutline(Path file) throws IOException {
    BpmnModelInstance model = read(file);
    Map<String, Bounds> bounds = bounds(model);
    for (BoundaryEvent b : model.getModelElementsByType(BoundaryEvent.class)) {
      Bounds e = drawn(bounds, b, file);
      Bounds host = drawn(bounds, b.getAttachedTo(), file);
      double cx = e.getX() + e.getWidth() / 2;
      double cy = e.getY() + e.getHeight() / 2;
      boolean onVertical =
          (near(cx, host.getX()) || near(cx, host.getX() + host.getWidth()))
              && within(cy, host.getY(), host.getY() + host.getHeight());
      boolean onHorizontal =
          (near(cy, host.getY()) || near(cy, host.getY() + host.getHeight()))
              && within(cx, host.getX(), host.getX() + host.getWidth());
      assertThat(onVertical || onHorizontal)
          .as(
              "%s: %s's centre %s,%s on the outline of %s",
              file, b.getId(), cx, cy, b.getAttachedTo().getId())
          .isTrue();
    }
  }

  @ParameterizedTest
  @MethodSource("shipped")
  void noTwoShapesOverlap(Path file) throws IOException {
    BpmnModelInstance model = read(file);
    List<FlowNode> nodes = new ArrayList<>(model.getModelElementsByType(FlowNode.class));
    Map<String, Bounds> bounds = bounds(model);
    List<String> overlaps = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      for (int j = i + 1; j < nodes.size(); j++) {
        FlowNode a = nodes.get(i);
        FlowNode b = nodes.get(j);
        if (!mayOverlap(a, b) && overlap(drawn(bounds, a, file), drawn(bounds, b, file))) {
          overlaps.add(a.getId() + " and " + b.getId());
        }
      }
    }
    assertThat(overlaps).as(file + ": shapes drawn over each other").isEmpty();
  }

  /** A boundary event on its host, and a node inside the subprocess that holds it. */
  private static boolean mayOverlap(FlowNode a, FlowNode b) {
    return attached(a, b) || attached(b, a) || inside(a, b) || inside(b, a);
  }

  private static boolean attached(FlowNode event, FlowNode host) {
    return event instanceof BoundaryEvent e && e.getAttachedTo() == host;
  }

  private static boolean inside(FlowNode node, FlowNode container) {
    if (!(container instanceof SubProcess)) {
      return false;
    }
    for (ModelElementInstance p = node.getParentElement(); p != null; p = p.getParentElement()) {
      if (p == container) {
        return true;
      }
    }
    return false;
  }

  static BpmnModelInstance read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return Bpmn.readModelFromStream(in);
    }
  }

  private static Map<String, Integer> count(Collection<BpmnShape> shapes) {
    Map<String, Integer> count = new HashMap<>();
    for (BpmnShape s : shapes) {
      BaseElement e = s.getBpmnElement();
      if (e != null) {
        count.merge(e.getId(), 1, Integer::sum);
      }
    }
    return count;
  }

  private static Map<String, Bounds> bounds(BpmnModelInstance model) {
    Map<String, Bounds> bounds = new HashMap<>();
    for (BpmnShape s : model.getModelElementsByType(BpmnShape.class)) {
      if (s.getBpmnElement() != null) {
        bounds.put(s.getBpmnElement().getId(), s.getBounds());
      }
    }
    return bounds;
  }

  private static Bounds drawn(Map<String, Bounds> bounds, BaseElement e, Path file) {
    assertThat(bounds.get(e.getId())).as(file + ": bounds of " + e.getId()).isNotNull();
    return bounds.get(e.getId());
  }

  private static boolean touches(Waypoint p, Bounds b) {
    return b != null
        && within(p.getX(), b.getX(), b.getX() + b.getWidth())
        && within(p.getY(), b.getY(), b.getY() + b.getHeight());
  }

  private static boolean overlap(Bounds a, Bounds b) {
    return a.getX() < b.getX() + b.getWidth()
        && b.getX() < a.getX() + a.getWidth()
        && a.getY() < b.getY() + b.getHeight()
        && b.getY() < a.getY() + a.getHeight();
  }

  private static boolean within(double v, double from, double to) {
    return v >= from - TOUCH && v <= to + TOUCH;
  }

  private static boolean near(double v, double edge) {
    return Math.abs(v - edge) <= TOUCH;
  }
}
