package dev.runbook.engine.internal.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.internal.report.ReportModel.Bar;
import dev.runbook.engine.internal.report.ReportModel.Chart;
import dev.runbook.engine.internal.report.ReportModel.Downtime;
import dev.runbook.engine.internal.report.ReportModel.Lane;
import dev.runbook.engine.internal.report.ReportModel.Mark;
import dev.runbook.engine.internal.report.ReportModel.Tick;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The per-node timeline and the downtime of a run, from its evidence times alone: what a change
 * ticket reader asks first (how long was the cluster down, what ran where, where did it wait).
 */
final class RunChart {

  /** The lane of steps that ran on no node (engine host checks, snapshots streamed to it). */
  static final String ENGINE_HOST = "engine host";

  /** The step that takes the cluster down, and the ones that bring it back (steps' bean names). */
  static final String STOP = "etcdStopControlPlane";

  static final Set<String> BACK = Set.of("etcdStartControlPlane", "etcdRollBack");

  static final int LABEL_W = 120;
  static final int PLOT_W = 940;
  static final int TOP = 22;
  static final int LANE_H = 30;
  static final int AXIS_H = 30;

  /** Average width of a character of the chart's 11px font, to tell whether a label fits. */
  private static final int CHAR_W = 6;

  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

  // A run shorter than this gets milliseconds on its axis, or every tick would read the same.
  private static final long SHORT_MS = 10_000;
  private static final DateTimeFormatter CLOCK_MS =
      DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

  /** Room right of the plot for half of the last tick's label. */
  static final int RIGHT = 44;

  private RunChart() {}

  /** The downtime: never null; {@code stopped} false when the run never stopped anything. */
  static Downtime downtime(List<JsonNode> records) {
    Map<String, String> beans = beans(records);
    Instant from = null;
    for (JsonNode r : records) {
      String type = text(r, "type");
      String bean = beans.get(text(r, "activityId"));
      if (from == null) {
        if ("step.started".equals(type) && STOP.equals(bean)) {
          from = at(r);
        }
      } else if ("step.finished".equals(type)
          && BACK.contains(bean)
          && "done".equals(text(r, "outcome"))
          && at(r) != null) {
        return new Downtime(
            true, text(from), text(at(r)), bean, ReportBuilder.duration(millis(from, at(r))));
      }
    }
    if (from == null) {
      return new Downtime(false, null, null, null, null);
    }
    Instant last = last(records);
    return new Downtime(
        true,
        text(from),
        null,
        null,
        last == null ? null : ReportBuilder.duration(millis(from, last)));
  }

  /** The chart, or null when no step started. */
  static Chart of(List<JsonNode> records) {
    Instant t0 = null;
    Instant t1 = null;
    for (JsonNode r : records) {
      Instant at = at(r);
      if (at != null && !"run.started".equals(text(r, "type"))) {
        t0 = t0 == null || at.isBefore(t0) ? at : t0;
        t1 = t1 == null || at.isAfter(t1) ? at : t1;
      }
    }
    if (t0 == null || records.stream().noneMatch(r -> "step.started".equals(text(r, "type")))) {
      return null;
    }
    // A run of one instant still gets a drawable axis.
    long span = Math.max(1, millis(t0, t1));
    Scale x = new Scale(t0, span);

    Map<String, List<Bar>> lanes = new LinkedHashMap<>();
    Map<String, JsonNode> open = new HashMap<>();
    Map<String, Set<String>> nodesOf = new HashMap<>();
    List<Mark> marks = new ArrayList<>();
    Map<String, JsonNode> gates = new HashMap<>();
    JsonNode reconcile = null;
    for (JsonNode r : records) {
      String activity = text(r, "activityId");
      switch (String.valueOf(text(r, "type"))) {
        case "step.started" -> {
          open.put(activity, r);
          Set<String> nodes = new LinkedHashSet<>();
          r.path("nodes").forEach(n -> nodes.add(n.asText()));
          nodesOf.put(activity, nodes);
        }
        case "command.sent" -> {
          if (nodesOf.containsKey(activity) && text(r, "node") != null) {
            nodesOf.get(activity).add(text(r, "node"));
          }
        }
        case "step.finished" -> {
          JsonNode started = open.remove(activity);
          if (started != null) {
            bars(lanes, nodesOf.remove(activity), bar(x, started, at(r), text(r, "outcome")));
          }
        }
        case "gate.pending" -> gates.put(activity, r);
        case "gate.decision" -> {
          JsonNode pending = gates.remove(activity);
          if (pending != null) {
            marks.add(
                mark(
                    x, "gate", pending, at(r), text(pending, "name") + ": " + text(r, "decision")));
          }
        }
        case "reconcile.required" -> reconcile = reconcile == null ? r : reconcile;
        case "run.resumed" -> {
          if (reconcile != null) {
            marks.add(
                mark(
                    x,
                    "wait",
                    reconcile,
                    at(r),
                    "waited for a person: " + text(reconcile, "reason")));
            reconcile = null;
          }
        }
        default -> {}
      }
    }
    // What evidence leaves open ends at the last record: still running, pending or waiting.
    for (Map.Entry<String, JsonNode> e : open.entrySet()) {
      bars(lanes, nodesOf.get(e.getKey()), bar(x, e.getValue(), t1, "running"));
    }
    for (JsonNode pending : gates.values()) {
      marks.add(mark(x, "gate", pending, t1, text(pending, "name") + ": pending"));
    }
    if (reconcile != null) {
      marks.add(mark(x, "wait", reconcile, t1, "waits for a person: " + text(reconcile, "reason")));
    }

    List<Lane> drawn = new ArrayList<>();
    int y = TOP;
    for (Map.Entry<String, List<Bar>> e : lanes.entrySet()) {
      drawn.add(new Lane(e.getKey(), y, LANE_H, e.getValue()));
      y += LANE_H;
    }
    List<Tick> ticks = new ArrayList<>();
    for (int i = 0; i <= 4; i++) {
      Instant at = t0.plusMillis(span * i / 4);
      ticks.add(new Tick(x.at(at), (span < SHORT_MS ? CLOCK_MS : CLOCK).format(at)));
    }
    return new Chart(
        LABEL_W + PLOT_W + RIGHT,
        y + AXIS_H,
        text(t0) + " to " + text(t1) + " (" + ReportBuilder.duration(millis(t0, t1)) + ")",
        drawn,
        marks,
        ticks);
  }

  private static void bars(Map<String, List<Bar>> lanes, Set<String> nodes, Bar bar) {
    Set<String> on = nodes == null || nodes.isEmpty() ? Set.of(ENGINE_HOST) : nodes;
    for (String node : on) {
      lanes.computeIfAbsent(node, n -> new ArrayList<>()).add(bar);
    }
  }

  private static Bar bar(Scale x, JsonNode started, Instant end, String outcome) {
    int left = x.at(at(started));
    int w = Math.max(3, x.at(end == null ? at(started) : end) - left);
    String name = String.valueOf(text(started, "name"));
    String label = name.length() * CHAR_W <= w - 6 ? name : "";
    String took = end == null ? "" : ", " + ReportBuilder.duration(millis(at(started), end));
    return new Bar(
        left,
        w,
        label,
        name + " (" + text(started, "activityId") + "): " + outcome + took,
        outcome == null ? "unknown" : outcome);
  }

  private static Mark mark(Scale x, String kind, JsonNode from, Instant to, String title) {
    int left = x.at(at(from));
    int w = Math.max(4, x.at(to == null ? at(from) : to) - left);
    return new Mark(kind, left, w, kind.equals("gate") ? "gate" : "wait", title);
  }

  /** Milliseconds since the first record drawn, as pixels of the plot. */
  private record Scale(Instant t0, long span) {
    int at(Instant t) {
      long ms = t == null ? 0 : millis(t0, t);
      return LABEL_W + (int) (ms * PLOT_W / span);
    }
  }

  /** Each activity's step bean, as step.finished (else step.started) names it. */
  private static Map<String, String> beans(List<JsonNode> records) {
    Map<String, String> beans = new HashMap<>();
    for (JsonNode r : records) {
      String type = text(r, "type");
      if ("step.finished".equals(type)
          || "step.started".equals(type) && !beans.containsKey(text(r, "activityId"))) {
        if (text(r, "step") != null && text(r, "activityId") != null) {
          beans.put(text(r, "activityId"), text(r, "step"));
        }
      }
    }
    return beans;
  }

  private static Instant last(List<JsonNode> records) {
    for (int i = records.size() - 1; i >= 0; i--) {
      if (at(records.get(i)) != null) {
        return at(records.get(i));
      }
    }
    return null;
  }

  private static long millis(Instant from, Instant to) {
    return Math.max(0, to.toEpochMilli() - from.toEpochMilli());
  }

  private static Instant at(JsonNode r) {
    String at = text(r, "at");
    try {
      return at == null ? null : Instant.parse(at);
    } catch (DateTimeParseException e) {
      return null; // a damaged record: the verification banner says so, the chart skips it
    }
  }

  private static String text(Instant at) {
    return at.toString();
  }

  private static String text(JsonNode record, String field) {
    JsonNode value = record == null ? null : record.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }
}
