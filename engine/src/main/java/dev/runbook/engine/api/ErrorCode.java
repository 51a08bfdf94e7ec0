package dev.runbook.engine.api;

/**
 * The BPMN error codes runbooks may throw and catch: outcomes a process handles with a boundary
 * event (usually a rollback path). The build's BPMN lint refuses any other code. Technical faults
 * are not here: they are {@link FailureReason}s.
 */
public enum ErrorCode {
  /** A step failed for a technical reason (host unreachable, non-zero exit, timeout...). */
  STEP_FAILED,
  /** A person rejected a gate. Every gate has a boundary event for it. */
  GATE_REJECTED,
  /** A check after a change found the system not as it should be. */
  VALIDATION_FAILED,
  /** What the live system shows differs from what the inventory says. */
  INVENTORY_MISMATCH,
  /** A snapshot's digest or trailer does not match its content. */
  SNAPSHOT_CHECKSUM_MISMATCH,
  /**
   * A snapshot failed a check before anything used it: missing, empty, truncated, without its
   * trailer, or not a bbolt database.
   */
  SNAPSHOT_INVALID,
  /** etcd did not become healthy in time. */
  ETCD_NOT_HEALTHY,
  /** Processes did not stop (or start) in time. */
  WAIT_TIMED_OUT,
  /** The object store could not be reached (down, wrong endpoint, timed out). */
  OBJECT_STORE_UNREACHABLE,
  /** The object store refused the credential (unknown key, wrong secret, no permission). */
  OBJECT_STORE_DENIED
}
