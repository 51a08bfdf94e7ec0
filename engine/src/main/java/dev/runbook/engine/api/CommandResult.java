package dev.runbook.engine.api;

import java.time.Duration;

/**
 * A command that ran on a node: its exit status, what it printed and the host key the node
 * presented.
 */
public record CommandResult(
    String node,
    String command,
    int exitStatus,
    String stdout,
    String stderr,
    Duration duration,
    String hostKeyFingerprint) {

  public boolean ok() {
    return exitStatus == 0;
  }
}
