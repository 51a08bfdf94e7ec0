package dev.runbook.engine.internal.report;

import dev.runbook.engine.internal.catalog.ProcessGraph;
import dev.runbook.engine.internal.catalog.ProcessGraph.Flow;
import dev.runbook.engine.internal.catalog.ProcessGraph.Kind;
import dev.runbook.engine.internal.catalog.ProcessGraph.Node;
import dev.runbook.engine.internal.report.ReportModel.Diagram;
import dev.runbook.engine.internal.report.ReportModel.Edge;
import dev.runbook.engine.internal.report.ReportModel.Label;
import dev.runbook.engine.internal.report.ReportModel.Shape;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.camunda.bpm.model.bpmn.instance.BaseElement;
import org.camunda.bpm.model.bpmn.instance.SubProcess;
import org.camunda.bpm.model.bpmn.instance.bpmndi.BpmnEdge;
import org.camunda.bpm.model.bpmn.instance.bpmndi.BpmnLabel;
import org.camunda.bpm.model.bpmn.instance.bpmndi.BpmnShape;
import org.camunda.bpm.model.bpmn.instance.dc.Bounds;
import org.camunda.bpm.model.bpmn.instance.di.Waypoint;
import org.camunda.bpm.model.xml.ModelInstance;

/**
 * A {@link ProcessGraph} drawn from its BPMN's diagram interchange: shapes at their DI bounds,
 * labels in their DI label bounds, flows along their waypoints, all moved so the drawing starts at
 * the report's margin. Only complete DI is used; one node or flow without it and the caller lays
 * the graph out itself, since a half-drawn diagram would mislead more than a generated one.
 */
final class DiagramInterchange {

  /** Average width of a character of the report's 11px diagram font, for wrapping. */
  private static final int CHAR_W = 6;

  private static final int EXTERNAL_LABEL_W = 90;

  private DiagramInterchange() {}

  /** The diagram, or null when the BPMN lacks DI for any node or flow of {@code graph}. */
  static Diagram draw(ProcessGraph graph, RunPath path) {
    List<Node> nodes = graph.nodes();
    if (nodes.isEmpty()) {
      return null;
    }
    ModelInstance model = nodes.get(0).element().getModelInstance();
    Map<String, BpmnShape> shapes =
        byElement(model.getModelElementsByType(BpmnShape.class), BpmnShape::getBpmnElement);
    Map<String, BpmnEdge> edges =
        byElement(model.getModelElementsByType(BpmnEdge.class), BpmnEdge::getBpmnElement);
    List<Flow> flows = new ArrayList<>();
    for (Node n : nodes) {
      BpmnShape s = shapes.get(n.id());
      if (s == null || s.getBounds() == null) {
        return null;
      }
    }
    for (Flow f : graph.flows()) {
      if (graph.node(f.source()) != null && graph.node(f.target()) != null) {
        BpmnEdge e = edges.get(f.id());
        if (e == null || e.getWaypoints().size() < 2) {
          return null;
        }
        flows.add(f);
      }
    }

    // Everything drawn, to move the drawing to the margin and size the SVG around it.
    double minX = Double.MAX_VALUE;
    double minY = Double.MAX_VALUE;
    double maxX = -Double.MAX_VALUE;
    double maxY = -Double.MAX_VALUE;
    List<Bounds> boxes = new ArrayList<>();
    // An expanded subprocess (etcd-restore's abort path) is not a node of the graph, but its box
    // holds nodes that are: drawn under them, so the reader sees what belongs to it.
    List<SubProcess> containers = new ArrayList<>();
    for (SubProcess sp : model.getModelElementsByType(SubProcess.class)) {
      BpmnShape s = shapes.get(sp.getId());
      if (s != null && s.getBounds() != null) {
        containers.add(sp);
        boxes.add(s.getBounds());
      }
    }
    for (Node n : nodes) {
      BpmnShape s = shapes.get(n.id());
      boxes.add(s.getBounds());
      if (labelBounds(s) != null) {
        boxes.add(labelBounds(s));
      }
    }
    for (Bounds b : boxes) {
      minX = Math.min(minX, b.getX());
      minY = Math.min(minY, b.getY());
      maxX = Math.max(maxX, b.getX() + b.getWidth());
      maxY = Math.max(maxY, b.getY() + b.getHeight());
    }
    for (Flow f : flows) {
      for (Waypoint w : edges.get(f.id()).getWaypoints()) {
        minX = Math.min(minX, w.getX());
        minY = Math.min(minY, w.getY());
        maxX = Math.max(maxX, w.getX());
        maxY = Math.max(maxY, w.getY());
      }
    }
    int dx = DiagramLayout.MARGIN - (int) Math.floor(minX);
    int dy = DiagramLayout.MARGIN - (int) Math.floor(minY);

    List<Shape> drawn = new ArrayList<>();
    for (SubProcess sp : containers) {
      drawn.add(container(sp, shapes.get(sp.getId()).getBounds(), dx, dy, path));
    }
    // Boundary events after the tasks, so they are drawn on top of the task they sit on.
    for (Node n : nodes) {
      if (n.kind() != Kind.BOUNDARY) {
        drawn.add(shape(n, shapes.get(n.id()), dx, dy, path));
      }
    }
    for (Node n : nodes) {
      if (n.kind() == Kind.BOUNDARY) {
        drawn.add(shape(n, shapes.get(n.id()), dx, dy, path));
      }
    }
    List<Edge> lines = new ArrayList<>();
    for (Flow f : flows) {
      StringBuilder points = new StringBuilder();
      for (Waypoint w : edges.get(f.id()).getWaypoints()) {
        points.append(points.length() == 0 ? "" : " ");
        points.append(round(w.getX()) + dx).append(',').append(round(w.getY()) + dy);
      }
      lines.add(
          new Edge(
              f.id(),
              points.toString(),
              path.taken(f.id()),
              graph.node(f.source()).kind() == Kind.BOUNDARY));
    }
    int width = (int) Math.ceil(maxX) + dx + DiagramLayout.MARGIN;
    int height = (int) Math.ceil(maxY) + dy + DiagramLayout.MARGIN;
    return new Diagram(width, height, drawn, lines);
  }

  private static Shape shape(Node n, BpmnShape di, int dx, int dy, RunPath path) {
    Bounds b = di.getBounds();
    int x = round(b.getX()) + dx;
    int y = round(b.getY()) + dy;
    int w = round(b.getWidth());
    int h = round(b.getHeight());
    int cx = x + w / 2;
    int cy = y + h / 2;
    boolean box = n.activity();
    boolean boundary = n.kind() == Kind.BOUNDARY;
    List<Label> labels = new ArrayList<>();
    Bounds lb = labelBounds(di);
    if (box) {
      // Inside the box, as many lines as fit, centred.
      int max = Math.max(1, (h - 8) / DiagramLayout.LINE);
      List<String> text = DiagramLayout.wrap(n.label(), Math.max(8, (w - 10) / CHAR_W), max);
      int first = cy - (text.size() - 1) * DiagramLayout.LINE / 2 + 4;
      for (int i = 0; i < text.size(); i++) {
        labels.add(new Label(cx, first + i * DiagramLayout.LINE, text.get(i)));
      }
    } else if (lb != null) {
      int lx = round(lb.getX()) + dx + round(lb.getWidth()) / 2;
      int ly = round(lb.getY()) + dy + 10;
      // bpmn-js (and so the Modeler) wraps an external label 90 wide whatever its bounds say.
      int wide = Math.max(round(lb.getWidth()), EXTERNAL_LABEL_W);
      List<String> text = DiagramLayout.wrap(n.label(), wide / CHAR_W, 4);
      for (int i = 0; i < text.size(); i++) {
        labels.add(new Label(lx, ly + i * DiagramLayout.LINE, text.get(i)));
      }
    } else if (!boundary) {
      // No label bounds: under the circle, as bpmn-js would put it.
      List<String> text = DiagramLayout.wrap(n.label());
      for (int i = 0; i < text.size(); i++) {
        labels.add(new Label(cx, cy + h / 2 + DiagramLayout.LINE * (i + 1), text.get(i)));
      }
    }
    String title =
        boundary ? n.label() + " (" + n.trigger() + ")" : n.label() + " (" + n.id() + ")";
    return new Shape(
        n.id(),
        n.kind().name().toLowerCase(Locale.ROOT),
        title,
        x,
        y,
        w,
        h,
        cx,
        cy,
        box ? 0 : Math.min(w, h) / 2,
        labels,
        path.visited(n.id()));
  }

  private static Shape container(SubProcess sp, Bounds b, int dx, int dy, RunPath path) {
    int x = round(b.getX()) + dx;
    int y = round(b.getY()) + dy;
    int w = round(b.getWidth());
    int h = round(b.getHeight());
    String name = sp.getName() == null || sp.getName().isBlank() ? sp.getId() : sp.getName();
    boolean visited =
        sp.getFlowElements().stream().anyMatch(e -> e.getId() != null && path.visited(e.getId()));
    return new Shape(
        sp.getId(),
        "subprocess",
        name + " (" + sp.getId() + ")",
        x,
        y,
        w,
        h,
        x + w / 2,
        y + h / 2,
        0,
        // Top left, as the Modeler puts an expanded subprocess's name; the template anchors it.
        List.of(new Label(x + 8, y + 16, name)),
        visited);
  }

  private static Bounds labelBounds(BpmnShape s) {
    BpmnLabel label = s.getBpmnLabel();
    return label == null ? null : label.getBounds();
  }

  /** DI elements by the id of the BPMN element they draw; the first one where there are two. */
  private static <T> Map<String, T> byElement(
      Collection<T> elements, Function<T, BaseElement> drawn) {
    Map<String, T> map = new HashMap<>();
    for (T e : elements) {
      BaseElement target = drawn.apply(e);
      if (target != null) {
        map.putIfAbsent(target.getId(), e);
      }
    }
    return map;
  }

  private static int round(double v) {
    return (int) Math.round(v);
  }
}
