package dev.runbook.engine.api;

import java.util.Objects;

/** An outcome a runbook handles (a BPMN error), thrown by a step. */
public final class RunbookError extends RuntimeException {

  private final ErrorCode code;

  public RunbookError(ErrorCode code, String message) {
    super(message);
    this.code = Objects.requireNonNull(code);
  }

  public ErrorCode code() {
    return code;
  }
}
