package dev.runbook.engine.internal.ssh;

import static dev.runbook.engine.internal.ssh.RemoteCommand.quote;

import java.time.Duration;

/**
 * A changing step's command runs on the node under a run-scoped marker: a lock file under {@link
 * #DIR}{@code /RUN/}, held (flock) by the command's shell and everything it starts until the last
 * of them ends. A command outlives the engine that sent it (a killed CLI, a cut connection), so a
 * resume must not probe, let alone send the step again, while the earlier command still runs on the
 * node: {@link #awaitEarlier} waits for every marker of the step to be let go first. Each command's
 * lock file is its own (named by the shell's pid), so commands never wait for each other; only the
 * resume waits for them.
 *
 * <p>The remote {@code timeout} around every command (see {@link RemoteCommand}) kills its whole
 * process group at its timeout, so a marker is let go at the latest then: waiting is bounded by
 * construction, and {@link #awaitEarlier}'s own bound only turns a node that does not answer into a
 * clear stop.
 */
public final class RunMarker {

  /** Where markers live on a node: survives a reboot, as the run it belongs to does. */
  public static final String DIR = "/var/lib/runbook/runs";

  /** Exit status of {@link #awaitEarlier} when an earlier command still runs after the wait. */
  public static final int STILL_RUNNING = 75;

  /** Exit status of a marked command whose marker could not be made: it did not run. */
  public static final int NO_MARKER = 70;

  private RunMarker() {}

  /**
   * {@code command} run under its marker, as the script {@code sh -c} runs on the node: the lock
   * file is opened and locked first, and the command does not run without it.
   */
  public static String wrap(String runId, String activityId, String command) {
    return wrap(DIR, runId, activityId, command);
  }

  /** {@link #wrap(String, String, String)} with markers under {@code base} (for tests). */
  static String wrap(String base, String runId, String activityId, String command) {
    String dir = dir(base, runId, activityId);
    return "runbook_marker="
        + quote(dir + "/" + activityId + ".")
        + "\"$$.lock\"\n"
        + "{ mkdir -p -- "
        + quote(dir)
        + " && exec 9>>\"$runbook_marker\" && flock 9; } || { echo 'runbook: cannot take the"
        + " run marker '\"$runbook_marker\"' on this node (the command needs root or sudo):"
        + " nothing was run' >&2; exit "
        + NO_MARKER
        + "; }\n"
        + command;
  }

  /**
   * The command that waits, at most {@code bound}, until no earlier command of step {@code
   * activityId} in run {@code runId} still runs on the node; exit {@link #STILL_RUNNING} naming the
   * marker if one does after that. A node where the step never ran has no marker: it returns at
   * once.
   */
  public static String awaitEarlier(String runId, String activityId, Duration bound) {
    return awaitEarlier(DIR, runId, activityId, bound);
  }

  /** {@link #awaitEarlier(String, String, Duration)} with markers under {@code base}. */
  static String awaitEarlier(String base, String runId, String activityId, Duration bound) {
    long seconds = Math.max(1, bound.toSeconds());
    return "for runbook_marker in "
        + quote(dir(base, runId, activityId) + "/" + activityId + ".")
        + "*.lock; do\n"
        + "  [ -e \"$runbook_marker\" ] || continue\n"
        + "  flock -w "
        + seconds
        + " \"$runbook_marker\" true || { echo \"runbook: an earlier command of "
        + activityId
        + " still runs on this node after "
        + seconds
        + " s (its marker: $runbook_marker)\" >&2; exit "
        + STILL_RUNNING
        + "; }\n"
        + "done";
  }

  /** The run's marker dir; run and activity ids are checked, as they reach a shell. */
  private static String dir(String base, String runId, String activityId) {
    if (!runId.matches("[0-9a-f]{8}")) {
      throw new IllegalArgumentException("not a run id: " + runId);
    }
    // A BPMN id is an XML NCName; these characters are all it may hold and none is special to sh.
    if (!activityId.matches("[A-Za-z_][A-Za-z0-9_.-]*")) {
      throw new IllegalArgumentException("not an activity id: " + activityId);
    }
    return base + "/" + runId;
  }
}
