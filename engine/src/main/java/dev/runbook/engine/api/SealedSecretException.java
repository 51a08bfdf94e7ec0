package dev.runbook.engine.api;

/**
 * A secret value the engine database keeps sealed could not be opened, so nothing that needs it
 * ran: bad input (exit 2), nothing was changed. {@link #reason()} says why, the message what to do.
 */
public final class SealedSecretException extends BadInputException {

  /** Why a sealed value did not open. */
  public enum Reason {
    /** The home has no {@code engine.key}: the key the value was sealed under is gone. */
    KEY_MISSING,
    /** The home's {@code engine.key} is another key than the one the value was sealed under. */
    OTHER_KEY,
    /** The sealed value is not what the engine wrote: changed, cut or moved to another run. */
    DAMAGED
  }

  private final Reason reason;

  public SealedSecretException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
