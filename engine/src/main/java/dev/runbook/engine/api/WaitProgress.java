package dev.runbook.engine.api;

import java.time.Duration;

/**
 * How far a wait has got, for the person at the console (not evidence): {@code done} of {@code
 * total} {@code unit} after {@code elapsed}, waiting at most {@code limit}. A step reports it as
 * often as it polls ({@link StepContext#progress(WaitProgress)}); the console decides how often to
 * show it.
 *
 * @param what what is awaited, e.g. {@code waiting for quorum}
 * @param unit what {@code done} counts, e.g. {@code healthy}
 * @param limit the wait's timeout, or null if it has none
 */
public record WaitProgress(
    String what, int done, int total, String unit, Duration elapsed, Duration limit) {

  public WaitProgress {
    if (what == null || what.isBlank()) {
      throw new IllegalArgumentException("a wait needs a description");
    }
    if (total < 0 || done < 0 || done > total) {
      throw new IllegalArgumentException("done " + done + " of " + total + " is not a count");
    }
    unit = unit == null ? "" : unit;
    elapsed = elapsed == null || elapsed.isNegative() ? Duration.ZERO : elapsed;
  }

  /** E.g. {@code waiting for quorum: 2/3 healthy, 6 s of 180 s}. */
  public String text() {
    return what
        + ": "
        + done
        + "/"
        + total
        + (unit.isEmpty() ? "" : " " + unit)
        + ", "
        + elapsed.toSeconds()
        + " s"
        + (limit == null ? "" : " of " + limit.toSeconds() + " s");
  }
}
