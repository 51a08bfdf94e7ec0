package dev.runbook.engine.internal.report;

import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.StepOutcome;
import dev.runbook.engine.internal.evidence.EvidenceEvents;
import dev.runbook.engine.internal.report.ReportModel.Bar;
import dev.runbook.engine.internal.report.ReportModel.Chart;
import dev.runbook.engine.internal.report.ReportModel.Downtime;
import dev.runbook.engine.internal.report.ReportModel.Lane;
import dev.runbook.engine.internal.report.ReportModel.Mark;
import dev.runbook.engine.internal.report.ReportModel.Tick;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
  static Downtime downtime(List<EvidenceEvents.Recorded> events) {
    Map<String, String> beans = beans(events);
    Instant from = null;
    for (EvidenceEvents.Recorded r : events) {
      if (from == null) {
        if (r.event() instanceof RunEvent.StepStarted s && STOP.equals(beans.get(s.activityId()))) {
          from = r.at();
        }
      } else if (r.event() instanceof RunEvent.StepFinished f
          && BACK.contains(beans.get(f.activityId()))
          && f.outcome() == StepOutcome.DONE
          && r.at() != null) {
        return new Downtime(
            true,
            text(from),
            text(r.at()),
            beans.get(f.activityId()),
            ReportBuilder.duration(millis(from, r.at())));
      }
    }
    if (from == null) {
      return new Downtime(false, null, null, null, null);
    }
    Instant last = last(events);
    return new Downtime(
        true,
        text(from),
        null,
        null,
        last == null ? null : ReportBuilder.duration(millis(from, last)));
  }

  /** The chart, or null when no step started. */
  static Chart of(List<EvidenceEvents.Recorded> events) {
    Instant t0 = null;
    Instant t1 = null;
    for (EvidenceEvents.Recorded r : events) {
      Instant at = r.at();
      if (at != null && !(r.event() instanceof RunEvent.RunStarted)) {
        t0 = t0 == null || at.isBefore(t0) ? at : t0;
        t1 = t1 == null || at.isAfter(t1) ? at : t1;
      }
    }
    if (t0 == null || events.stream().noneMatch(r -> r.event() instanceof RunEvent.StepStarted)) {
      return null;
    }
    // A run of one instant still gets a drawable axis.
    long span = Math.max(1, millis(t0, t1));
    Scale x = new Scale(t0, span);

    Map<String, List<Bar>> lanes = new LinkedHashMap<>();
    Map<String, EvidenceEvents.Recorded> open = new HashMap<>();
    Map<String, Set<String>> nodesOf = new HashMap<>();
    List<Mark> marks = new ArrayList<>();
    Map<String, EvidenceEvents.Recorded> gates = new HashMap<>();
    EvidenceEvents.Recorded reconcile = null;
    for (EvidenceEvents.Recorded r : events) {
      RunEvent e = r.event();
      if (e instanceof RunEvent.StepStarted s) {
        open.put(s.activityId(), r);
        nodesOf.put(s.activityId(), new LinkedHashSet<>(s.nodes()));
      } else if (e instanceof RunEvent.CommandSent c) {
        if (nodesOf.containsKey(c.activityId()) && c.node() != null) {
          nodesOf.get(c.activityId()).add(c.node());
        }
      } else if (e instanceof RunEvent.StepFinished f) {
        EvidenceEvents.Recorded started = open.remove(f.activityId());
        if (started != null) {
          bars(
              lanes,
              nodesOf.remove(f.activityId()),
              bar(x, started, r.at(), Objects.toString(f.outcome(), null)));
        }
      } else if (e instanceof RunEvent.GatePending p) {
        gates.put(p.activityId(), r);
      } else if (e instanceof RunEvent.GateDecision d) {
        EvidenceEvents.Recorded pending = gates.remove(d.activityId());
        if (pending != null) {
          marks.add(mark(x, "gate", pending, r.at(), gateName(pending) + ": " + d.decision()));
        }
      } else if (e instanceof RunEvent.ReconcileRequired) {
        reconcile = reconcile == null ? r : reconcile;
      } else if (e instanceof RunEvent.RunResumed) {
        if (reconcile != null) {
          marks.add(
              mark(x, "wait", reconcile, r.at(), "waited for a person: " + reason(reconcile)));
          reconcile = null;
        }
      }
    }
    // What evidence leaves open ends at the last record: still running, pending or waiting.
    for (Map.Entry<String, EvidenceEvents.Recorded> e : open.entrySet()) {
      bars(lanes, nodesOf.get(e.getKey()), bar(x, e.getValue(), t1, "running"));
    }
    for (EvidenceEvents.Recorded pending : gates.values()) {
      marks.add(mark(x, "gate", pending, t1, gateName(pending) + ": pending"));
    }
    if (reconcile != null) {
      marks.add(mark(x, "wait", reconcile, t1, "waits for a person: " + reason(reconcile)));
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

  private static Bar bar(Scale x, EvidenceEvents.Recorded started, Instant end, String outcome) {
    RunEvent.StepStarted step = (RunEvent.StepStarted) started.event();
    int left = x.at(started.at());
    int w = Math.max(3, x.at(end == null ? started.at() : end) - left);
    String name = String.valueOf(step.name());
    String label = name.length() * CHAR_W <= w - 6 ? name : "";
    String took = end == null ? "" : ", " + ReportBuilder.duration(millis(started.at(), end));
    return new Bar(
        left,
        w,
        label,
        name + " (" + step.activityId() + "): " + outcome + took,
        outcome == null ? "unknown" : outcome);
  }

  private static Mark mark(
      Scale x, String kind, EvidenceEvents.Recorded from, Instant to, String title) {
    int left = x.at(from.at());
    int w = Math.max(4, x.at(to == null ? from.at() : to) - left);
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
  private static Map<String, String> beans(List<EvidenceEvents.Recorded> events) {
    Map<String, String> beans = new HashMap<>();
    for (EvidenceEvents.Recorded r : events) {
      String activity = null;
      String step = null;
      if (r.event() instanceof RunEvent.StepFinished f) {
        activity = f.activityId();
        step = f.step();
      } else if (r.event() instanceof RunEvent.StepStarted s
          && !beans.containsKey(s.activityId())) {
        activity = s.activityId();
        step = s.step();
      }
      if (step != null && activity != null) {
        beans.put(activity, step);
      }
    }
    return beans;
  }

  private static String gateName(EvidenceEvents.Recorded pending) {
    return ((RunEvent.GatePending) pending.event()).name();
  }

  private static String reason(EvidenceEvents.Recorded reconcile) {
    return ((RunEvent.ReconcileRequired) reconcile.event()).reason();
  }

  private static Instant last(List<EvidenceEvents.Recorded> events) {
    for (int i = events.size() - 1; i >= 0; i--) {
      if (events.get(i).at() != null) {
        return events.get(i).at();
      }
    }
    return null;
  }

  private static long millis(Instant from, Instant to) {
    return Math.max(0, to.toEpochMilli() - from.toEpochMilli());
  }

  private static String text(Instant at) {
    return at.toString();
  }
}
