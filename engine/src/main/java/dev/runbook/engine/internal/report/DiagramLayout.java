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
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws a {@link ProcessGraph} for the report's inline SVG. A runbook with diagram interchange (the
 * shipped ones, and any drawn in Camunda Modeler) is drawn where its DI puts every shape, label and
 * waypoint, so the report shows what the author laid out. Without complete DI (a runbook written by
 * hand) it is placed on a grid (a column per layer, a row per row) and its flows routed as
 * polylines: a flow between neighbours in one row is a straight line; every other flow drops into
 * the gap between rows and runs along it, so it never crosses a node.
 */
final class DiagramLayout {

  static final int MARGIN = 24;
  private static final int COLUMN = 170;
  private static final int ROW = 140;
  private static final int BOX_W = 136;
  private static final int BOX_H = 60;
  private static final int EVENT_R = 16;
  private static final int BOUNDARY_R = 8;
  private static final int CHANNEL = 24;
  static final int LINE = 13;
  private static final int LABEL_CHARS = 20;

  private DiagramLayout() {}

  static Diagram draw(ProcessGraph graph, RunPath path) {
    Diagram drawn = DiagramInterchange.draw(graph, path);
    return drawn != null ? drawn : layOut(graph, path);
  }

  private static Diagram layOut(ProcessGraph graph, RunPath path) {
    Map<String, Shape> shapes = new HashMap<>();
    List<Shape> ordered = new ArrayList<>();
    int maxLayer = 0;
    int maxRow = 0;
    for (Node n : graph.nodes()) {
      if (n.kind() != Kind.BOUNDARY) {
        Shape s = place(n, path.visited(n.id()));
        shapes.put(n.id(), s);
        ordered.add(s);
        maxLayer = Math.max(maxLayer, n.layer());
        maxRow = Math.max(maxRow, n.row());
      }
    }
    for (Node n : graph.nodes()) {
      if (n.kind() != Kind.BOUNDARY) {
        List<Node> attached = graph.boundaries(n.id());
        Shape task = shapes.get(n.id());
        for (int i = 0; i < attached.size(); i++) {
          Node b = attached.get(i);
          int cx = task.x() + (i + 1) * task.w() / (attached.size() + 1);
          int cy = task.y() + task.h();
          Shape s =
              new Shape(
                  b.id(),
                  "boundary",
                  b.label() + " (" + b.trigger() + ")",
                  cx - BOUNDARY_R,
                  cy - BOUNDARY_R,
                  2 * BOUNDARY_R,
                  2 * BOUNDARY_R,
                  cx,
                  cy,
                  BOUNDARY_R,
                  List.of(),
                  path.visited(b.id()));
          shapes.put(b.id(), s);
          ordered.add(s);
        }
      }
    }
    List<Edge> edges = new ArrayList<>();
    for (Flow f : graph.flows()) {
      Node source = graph.node(f.source());
      Node target = graph.node(f.target());
      if (source != null && target != null) {
        edges.add(route(f, source, target, shapes, graph, path.taken(f.id())));
      }
    }
    int width = 2 * MARGIN + (maxLayer + 1) * COLUMN;
    int height = 2 * MARGIN + (maxRow + 1) * ROW;
    return new Diagram(width, height, ordered, edges);
  }

  private static Shape place(Node n, boolean visited) {
    int cx = MARGIN + n.layer() * COLUMN + COLUMN / 2;
    int cy = MARGIN + n.row() * ROW + BOX_H / 2 + CHANNEL;
    String kind = n.kind().name().toLowerCase(Locale.ROOT);
    String title = n.label() + " (" + n.id() + ")";
    boolean box = n.activity();
    int w = box ? BOX_W : 2 * EVENT_R;
    int h = box ? BOX_H : 2 * EVENT_R;
    List<String> lines = wrap(n.label());
    List<Label> labels = new ArrayList<>();
    // A task's name sits inside its box; an event's under its circle.
    int first = box ? cy - (lines.size() - 1) * LINE / 2 + 4 : cy + EVENT_R + LINE;
    for (int i = 0; i < lines.size(); i++) {
      labels.add(new Label(cx, first + i * LINE, lines.get(i)));
    }
    return new Shape(
        n.id(),
        kind,
        title,
        cx - w / 2,
        cy - h / 2,
        w,
        h,
        cx,
        cy,
        box ? 0 : EVENT_R,
        labels,
        visited);
  }

  private static Edge route(
      Flow f,
      Node source,
      Node target,
      Map<String, Shape> shapes,
      ProcessGraph graph,
      boolean taken) {
    Shape s = shapes.get(source.id());
    Shape t = shapes.get(target.id());
    boolean fromBoundary = source.kind() == Kind.BOUNDARY;
    Node owner = fromBoundary ? graph.node(source.attachedTo()) : source;
    List<int[]> points = new ArrayList<>();
    if (!fromBoundary && owner.row() == target.row() && target.layer() == owner.layer() + 1) {
      points.add(new int[] {s.x() + s.w(), s.cy()});
      points.add(new int[] {t.x(), t.cy()});
    } else {
      int exitX = fromBoundary ? s.cx() : s.cx() + Math.min(s.w() / 2 - 6, 20);
      points.add(new int[] {exitX, s.y() + s.h()});
      // Arrive from the side the gap is on, left of centre, clear of the target's boundary events.
      int arriveX = t.x() + Math.min(14, t.w() / 2);
      if (target.row() > owner.row()) {
        int channel = t.y() - CHANNEL / 2;
        points.add(new int[] {exitX, channel});
        points.add(new int[] {arriveX, channel});
        points.add(new int[] {arriveX, t.y()});
      } else {
        int ownerBottom = shapes.get(owner.id()).y() + shapes.get(owner.id()).h();
        int channel = ownerBottom + CHANNEL + (fromBoundary ? 6 : 0);
        points.add(new int[] {exitX, channel});
        points.add(new int[] {arriveX, channel});
        points.add(new int[] {arriveX, t.y() + t.h()});
      }
    }
    StringBuilder sb = new StringBuilder();
    for (int[] p : points) {
      sb.append(sb.length() == 0 ? "" : " ").append(p[0]).append(',').append(p[1]);
    }
    return new Edge(f.id(), sb.toString(), taken, fromBoundary);
  }

  /** Splits a name into lines of about {@value #LABEL_CHARS} characters, four at most. */
  static List<String> wrap(String text) {
    return wrap(text, LABEL_CHARS, 4);
  }

  /** Splits a name into lines of about {@code chars} characters, {@code max} at most. */
  static List<String> wrap(String text, int chars, int max) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : text.split("\\s+")) {
      if (line.length() > 0 && line.length() + 1 + word.length() > chars) {
        lines.add(line.toString());
        line.setLength(0);
      }
      line.append(line.length() == 0 ? "" : " ").append(word);
    }
    if (line.length() > 0) {
      lines.add(line.toString());
    }
    if (lines.size() > max) {
      List<String> cut = new ArrayList<>(lines.subList(0, max));
      cut.set(max - 1, cut.get(max - 1) + " …");
      return cut;
    }
    return lines;
  }
}
