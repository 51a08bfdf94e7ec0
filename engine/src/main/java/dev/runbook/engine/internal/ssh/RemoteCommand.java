package dev.runbook.engine.internal.ssh;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * The command line actually sent to a node: the step's command run by {@code sh -c} under coreutils
 * {@code timeout}, so the node itself ends a command that outlives its timeout even if the engine
 * dies or the connection breaks.
 */
public final class RemoteCommand {

  /**
   * Seconds {@code timeout} waits after SIGTERM before it sends SIGKILL ({@code timeout -k}). A
   * command that ignores SIGTERM is gone this long after its timeout.
   */
  public static final int KILL_AFTER_SECONDS = 5;

  /** {@code timeout}'s exit status when it ended the command with SIGTERM. */
  static final int TIMED_OUT = 124;

  /** {@code timeout}'s exit status when the command needed SIGKILL (128 + 9). */
  static final int TIMED_OUT_KILLED = 137;

  private RemoteCommand() {}

  /**
   * Quotes {@code s} as one word for POSIX sh: single quotes around it, each {@code '} inside
   * written as {@code '\''}. Nothing within single quotes is special to sh.
   */
  public static String quote(String s) {
    if (s.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("a shell word cannot contain a NUL character");
    }
    return "'" + s.replace("'", "'\\''") + "'";
  }

  /**
   * The wire form of {@code command}: {@code [sudo -n ]timeout -k 5 SECONDS sh -c 'COMMAND'}.
   *
   * @throws IllegalArgumentException for a timeout that is not positive
   */
  public static String wrap(String command, Duration timeout, boolean sudo) {
    return (sudo ? "sudo -n " : "")
        + "timeout -k "
        + KILL_AFTER_SECONDS
        + " "
        + seconds(timeout)
        + " sh -c "
        + quote(command);
  }

  /** A positive duration as {@code timeout} takes it: whole seconds, else a decimal fraction. */
  static String seconds(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("a command timeout must be positive, not " + timeout);
    }
    if (timeout.toMillis() == 0) {
      throw new IllegalArgumentException("a command timeout must be at least 1 ms: " + timeout);
    }
    return BigDecimal.valueOf(timeout.toMillis(), 3).stripTrailingZeros().toPlainString();
  }
}
