package dev.runbook.runbooks.objectstore;

import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.RunbookError;

/** What went wrong with the object store, as a type: callers never parse messages. */
public final class ObjectStoreException extends RuntimeException {

  public enum Kind {
    /** Not reached: down, wrong endpoint, timed out. */
    UNREACHABLE(ErrorCode.OBJECT_STORE_UNREACHABLE),
    /** Reached, but the credential was refused or lacks the permission. */
    DENIED(ErrorCode.OBJECT_STORE_DENIED),
    /** The bucket does not exist. */
    NO_SUCH_BUCKET(ErrorCode.STEP_FAILED),
    /** The object does not exist. */
    NO_SUCH_OBJECT(ErrorCode.STEP_FAILED),
    /** An object already has the key, with other content: it is never overwritten. */
    EXISTS(ErrorCode.STEP_FAILED),
    /**
     * The store said it has no room: a full disk or a quota (HTTP 507, QuotaExceeded and the like).
     */
    FULL(ErrorCode.STEP_FAILED),
    /** The stored bytes are not the ones recorded. */
    DIGEST_MISMATCH(ErrorCode.SNAPSHOT_CHECKSUM_MISMATCH),
    /** Anything else the store answered. */
    FAILED(ErrorCode.STEP_FAILED);

    private final ErrorCode code;

    Kind(ErrorCode code) {
      this.code = code;
    }

    public ErrorCode code() {
      return code;
    }
  }

  private final Kind kind;

  public ObjectStoreException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public ObjectStoreException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  /** The runbook error a step throws for it: the kind decides the BPMN error code. */
  public RunbookError toRunbookError() {
    return new RunbookError(kind.code(), getMessage());
  }
}
