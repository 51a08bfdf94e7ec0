package dev.runbook.engine.internal.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A failure whose messages held a secret, copied with each message redacted: same classes (by
 * name), same stack traces, same causes. What leaves a step this way is what Camunda keeps in its
 * database for a failed job and what its log prints, so neither sees more than the evidence.
 */
final class Redacted extends RuntimeException {

  private final String type;

  private Redacted(String type, String message, Throwable cause, StackTraceElement[] trace) {
    super(message, cause, false, true);
    this.type = type;
    setStackTrace(trace);
  }

  /** {@code e} itself when no message in its chain changes when redacted, else the copy. */
  static RuntimeException of(RuntimeException e, UnaryOperator<String> redact) {
    List<Throwable> chain = new ArrayList<>();
    boolean changes = false;
    for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
      chain.add(t);
      changes |= !Objects.equals(t.getMessage(), redact.apply(t.getMessage()));
    }
    if (!changes) {
      return e;
    }
    Throwable copy = null;
    for (int i = chain.size() - 1; i >= 0; i--) {
      Throwable t = chain.get(i);
      String type = t instanceof Redacted r ? r.type : t.getClass().getName();
      copy = new Redacted(type, redact.apply(t.getMessage()), copy, t.getStackTrace());
    }
    return (RuntimeException) copy;
  }

  @Override
  public String toString() {
    return getMessage() == null ? type : type + ": " + getMessage();
  }
}
