package dev.runbook.lab;

/**
 * A lab command that cannot do what was asked. The message says what is wrong and how to fix it;
 * {@link #exitCode()} is 2 for bad input or a machine that lacks something, 1 for a failure while
 * doing the work.
 */
public final class LabException extends RuntimeException {
  static final int BAD_INPUT = 2;
  static final int FAILED = 1;

  private final int exitCode;

  LabException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  LabException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  static LabException badInput(String message) {
    return new LabException(BAD_INPUT, message);
  }

  static LabException failed(String message) {
    return new LabException(FAILED, message);
  }

  public int exitCode() {
    return exitCode;
  }
}
