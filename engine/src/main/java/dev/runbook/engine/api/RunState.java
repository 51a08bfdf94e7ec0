package dev.runbook.engine.api;

/** Where a run stands. The CLI's exit code follows from it. */
public enum RunState {
  DONE(0),
  WAITING(3),
  RECONCILE(3),
  /** A step failed with no handling path; the run can be resumed or aborted. */
  FAILED(1),
  ROLLED_BACK(1),
  REJECTED(1),
  EXPIRED(1),
  ABORTED(1);

  private final int exitCode;

  RunState(int exitCode) {
    this.exitCode = exitCode;
  }

  /** 0 done, 1 failed or rolled back, 3 waiting for a person. */
  public int exitCode() {
    return exitCode;
  }

  /** The name used in evidence and JSON output: {@code rolled-back}. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  public static RunState ofLabel(String label) {
    return valueOf(label.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
  }
}
