package dev.runbook.engine.internal.evidence;

import java.util.Arrays;

/**
 * Where a run stands, derived from its evidence alone (see {@link EvidenceReader#summarize}), so
 * {@code status} can answer without starting the engine.
 *
 * @param startedAt the {@code at} of run.started; null (like the fields before it) if there is none
 * @param pendingGate the gate the run waits at, or null
 * @param endedAt the {@code at} of run.ended, null while the run has not ended
 * @param outcomeMessage run.ended's message, null while the run has not ended
 * @param lastStep the last step that started, or null
 */
public record RunSummary(
    String runId,
    String runbook,
    String cluster,
    String startedBy,
    String startedAt,
    State state,
    PendingGate pendingGate,
    String endedAt,
    String outcomeMessage,
    LastStep lastStep) {

  /** A run's state; {@link #label()} is how evidence and the CLI spell it. */
  public enum State {
    RUNNING("running"),
    /** At an approval gate. */
    WAITING("waiting"),
    DONE("done"),
    FAILED("failed"),
    ROLLED_BACK("rolled-back"),
    REJECTED("rejected"),
    EXPIRED("expired"),
    ABORTED("aborted"),
    /** A mutating step's outcome is unknown after a crash: a person must look. */
    RECONCILE("reconcile"),
    /**
     * Aborted past a DESTRUCTIVE step: the runbook's abort path runs and holds the cluster until it
     * ends (a failed rollback step stops it there; resume tries again).
     */
    ROLLING_BACK("rolling-back");

    private final String label;

    State(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }

    /**
     * The state a run.ended outcome means. An outcome this version does not know counts as {@link
     * #FAILED}: a status that says "done" for something it does not understand would be worse.
     */
    public static State ofOutcome(String outcome) {
      return Arrays.stream(values())
          .filter(s -> s.label.equals(outcome))
          .filter(s -> s.ended())
          .findFirst()
          .orElse(FAILED);
    }

    public boolean ended() {
      return this != RUNNING && this != WAITING && this != RECONCILE && this != ROLLING_BACK;
    }
  }

  /**
   * @param approvals approvals given so far
   * @param required distinct approvals the gate needs
   * @param expiresAt when the gate fails closed, as recorded; may be null
   */
  public record PendingGate(
      String activityId, String name, int approvals, int required, String expiresAt) {}

  public record LastStep(String activityId, String name) {}
}
