package dev.runbook.engine.api;

import java.util.Objects;

/** A remote command that failed for a {@link FailureReason}; {@link #result()} when it ran. */
public final class RemoteFailure extends RuntimeException {

  private final FailureReason reason;
  private final String node;
  private final CommandResult result;

  public RemoteFailure(FailureReason reason, String node, String message, Throwable cause) {
    this(reason, node, message, null, cause);
  }

  public RemoteFailure(
      FailureReason reason, String node, String message, CommandResult result, Throwable cause) {
    super(node + ": " + message, cause);
    this.reason = Objects.requireNonNull(reason);
    this.node = node;
    this.result = result;
  }

  public FailureReason reason() {
    return reason;
  }

  public String node() {
    return node;
  }

  /** The finished command for {@link FailureReason#NON_ZERO_EXIT} and TIMEOUT, else null. */
  public CommandResult result() {
    return result;
  }
}
