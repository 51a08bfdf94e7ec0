package dev.runbook.engine.api;

/**
 * A person's statement or signature refused, with its typed {@link Refusal}: bad input (exit 2), so
 * nothing was changed, and the attempt is in the run's evidence when there is a run.
 */
public final class IdentityException extends BadInputException {

  private final Refusal reason;

  public IdentityException(Refusal reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Refusal reason() {
    return reason;
  }
}
