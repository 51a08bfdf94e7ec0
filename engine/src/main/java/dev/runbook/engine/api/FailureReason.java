package dev.runbook.engine.api;

/** Why a remote command failed, as a type: callers never parse failure messages. */
public enum FailureReason {
  /** DNS, TCP connect or connect timeout: the host was not reached. */
  HOST_UNREACHABLE,
  /** The host was reached but refused our key (or the key file could not be used). */
  AUTH_FAILED,
  /** The host presented a key other than the one known_hosts or the inventory pins. */
  HOST_KEY_MISMATCH,
  /** known_hosts has no key for the host and the inventory pins none: never trusted blindly. */
  HOST_KEY_UNKNOWN,
  /** The host presented a key that known_hosts marks {@code @revoked}. */
  HOST_KEY_REVOKED,
  /** The command ran longer than its timeout; it was killed on the remote side too. */
  TIMEOUT,
  /** The command ran and exited with a status other than 0. */
  NON_ZERO_EXIT,
  /** The connection broke while the command ran; its outcome on the host is unknown. */
  CONNECTION_LOST
}
