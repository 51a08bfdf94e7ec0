package dev.runbook.engine.api;

import java.nio.file.Path;

/**
 * How a person proves who they are for one action (run, approve, reject, resume, abort): the engine
 * builds the statement of the action and has it signed here, or takes a statement signed elsewhere,
 * and verifies it against the inventory's allowed-signers file before acting (docs/inventory.md,
 * approval).
 */
public sealed interface Identity {

  /** No signature: accepted only where the inventory says {@code approval.identity: unsigned}. */
  record None() implements Identity {}

  /**
   * Sign with an OpenSSH private key file.
   *
   * @param passphrase null for an unencrypted key
   */
  record KeyFile(Path file, char[] passphrase) implements Identity {}

  /** Sign with a key held by ssh-agent at {@code socket} (SSH_AUTH_SOCK). */
  record Agent(Path socket) implements Identity {}

  /**
   * A statement signed elsewhere: the text {@code runbook statement} printed and the armored
   * signature {@code ssh-keygen -Y sign -n runbook} made of it.
   */
  record Signed(String statement, String signature) implements Identity {}

  static Identity none() {
    return new None();
  }
}
