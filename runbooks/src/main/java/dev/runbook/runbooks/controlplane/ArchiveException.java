package dev.runbook.runbooks.controlplane;

/** Why a control-plane archive cannot be written or opened, typed so callers never parse text. */
public final class ArchiveException extends RuntimeException {

  /** What went wrong; the message says where. */
  public enum Reason {
    /** The key file cannot be used (unreadable, readable by others, too short). */
    BAD_KEY_FILE,
    /** Not an archive this format describes (no openssl header, no manifest). */
    NOT_AN_ARCHIVE,
    /** The ciphertext is not what was recorded: changed or cut since it was written. */
    DAMAGED,
    /** The ciphertext is intact but this key is not the one it was written with. */
    WRONG_KEY,
    /** The archive opens but a file in it differs from its manifest entry. */
    MANIFEST_MISMATCH
  }

  private final Reason reason;

  public ArchiveException(Reason reason, String message) {
    super("CPB-" + code(reason) + " " + message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  private static String code(Reason r) {
    return String.format("%03d", r.ordinal() + 1);
  }
}
