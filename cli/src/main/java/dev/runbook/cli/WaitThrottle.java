package dev.runbook.cli;

import dev.runbook.engine.api.WaitProgress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Which wait progress a log gets (not a terminal, which redraws every one in place): nothing for a
 * wait shorter than {@link #QUIET} (the step's end line says how long it took), then a line when
 * what is awaited changes and otherwise at most one per {@link #INTERVAL} of the wait. Decided on
 * the wait's own elapsed time, so the same waits give the same lines.
 */
final class WaitThrottle {

  static final Duration QUIET = Duration.ofSeconds(10);
  static final Duration INTERVAL = Duration.ofSeconds(30);

  private record Shown(String what, Duration elapsed) {}

  private final Map<String, Shown> shown = new HashMap<>();

  /** Should this progress of step {@code activityId} be shown? */
  synchronized boolean due(String activityId, WaitProgress p) {
    if (p.elapsed().compareTo(QUIET) < 0) {
      return false;
    }
    Shown last = shown.get(activityId);
    boolean due =
        last == null
            || !last.what().equals(p.what())
            || p.elapsed().compareTo(last.elapsed()) < 0 // a new wait of the same step
            || p.elapsed().minus(last.elapsed()).compareTo(INTERVAL) >= 0;
    if (due) {
      shown.put(activityId, new Shown(p.what(), p.elapsed()));
    }
    return due;
  }

  /** The step started or ended: its waits start afresh. */
  synchronized void reset(String activityId) {
    shown.remove(activityId);
  }
}
