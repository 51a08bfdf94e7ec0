package dev.runbook.runbooks.etcd;

import java.nio.file.Path;

/**
 * An etcd snapshot file failed one of {@link SnapshotFile}'s checks. The message is meant for an
 * operator: which check failed, on which file, what was found against what was expected, and what
 * to do about it. {@link #check()} tells callers which check it was without parsing the message.
 */
public final class SnapshotCheckException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The checks, in the order {@link SnapshotFile#verify} runs them. */
  public enum Check {
    /** The path does not exist or is not a regular file. */
    MISSING,
    /** The file has 0 bytes. */
    EMPTY,
    /** The file exists but cannot be opened or read. */
    UNREADABLE,
    /**
     * The size is not 32 bytes past a multiple of 512: the file is truncated, or has no SHA-256
     * trailer (a bbolt db copied out of a data dir has none).
     */
    SIZE,
    /** The last 32 bytes are not the SHA-256 of everything before them. */
    TRAILER_MISMATCH,
    /** The content is not a sound bbolt database (meta pages or page structure). */
    NOT_BBOLT
  }

  private final Check check;
  private final transient Path file;

  SnapshotCheckException(Check check, Path file, String message) {
    this(check, file, message, null);
  }

  SnapshotCheckException(Check check, Path file, String message, Throwable cause) {
    super(message, cause);
    this.check = check;
    this.file = file;
  }

  /** Which check failed. */
  public Check check() {
    return check;
  }

  /** The file that failed it. */
  public Path file() {
    return file;
  }
}
