package dev.runbook.engine.api;

/**
 * Why a signed statement was not accepted. Callers act on these, never on a message: the message is
 * for the person and says what to do.
 */
public enum Refusal {
  /** The inventory wants signed statements and none was given (no key, no agent, no signature). */
  UNSIGNED,
  /** Not an armored SSHSIG, or it ends early (truncated, cut by a copy and paste). */
  MALFORMED,
  /** The signature does not verify: the statement or the signature was changed. */
  BAD_SIGNATURE,
  /** Signed for another namespace than {@code runbook} (ssh-keygen -Y sign -n). */
  WRONG_NAMESPACE,
  /** A key type or signature algorithm this engine does not accept (e.g. ssh-rsa with SHA-1). */
  UNSUPPORTED_ALGORITHM,
  /** No allowed-signers line holds the signing key. */
  UNKNOWN_KEY,
  /** The key is allowed, but not for the principal the person claims (--as). */
  PRINCIPAL_MISMATCH,
  /** The key's line restricts namespaces, and {@code runbook} is not one of them. */
  NAMESPACE_NOT_ALLOWED,
  /** The key's line says valid-after a time still to come. */
  NOT_YET_VALID,
  /** The key's line says valid-before a time that has passed. */
  EXPIRED,
  /** The statement is for another action, run, gate, plan hash or decision than this one. */
  WRONG_STATEMENT,
  /** The statement's sequence number was used already: a statement given twice. */
  REPLAYED,
  /** The run's starter, on a gate that needs someone else. */
  STARTER_FORBIDDEN,
  /** The same principal, a second time on a gate that needs distinct approvers. */
  ALREADY_APPROVED,
  /** The principal does not hold the role the gate needs. */
  ROLE_MISSING
}
