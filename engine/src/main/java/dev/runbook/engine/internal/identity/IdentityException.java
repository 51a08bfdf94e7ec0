package dev.runbook.engine.internal.identity;

/** A statement or signature refused, with its typed {@link Refusal}. */
public final class IdentityException extends RuntimeException {

  private final Refusal reason;

  public IdentityException(Refusal reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Refusal reason() {
    return reason;
  }
}
