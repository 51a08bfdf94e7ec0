package dev.runbook.engine.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/**
 * How a step ended ({@link RunEvent.StepFinished#outcome()}); {@link #label()} is how evidence and
 * the console spell it, and what {@link #toString()} gives.
 */
public enum StepOutcome {
  DONE("done"),
  FAILED("failed"),
  /** Its probe found the change made before a crash: not run again. */
  ALREADY_DONE("already-done"),
  /**
   * Stopped for a reconcile gate, or about to run again after a broken connection: whether its
   * change is made is not known.
   */
  INTERRUPTED("interrupted");

  private final String label;

  StepOutcome(String label) {
    this.label = label;
  }

  @JsonValue
  public String label() {
    return label;
  }

  /** The step's change is made: done now or found done. */
  public boolean done() {
    return this == DONE || this == ALREADY_DONE;
  }

  /**
   * The outcome an evidence record names. One this version does not know reads as {@link #FAILED},
   * so that evidence of another version stays readable and nothing unknown counts as done.
   */
  @JsonCreator
  public static StepOutcome ofLabel(String label) {
    return Arrays.stream(values()).filter(o -> o.label.equals(label)).findFirst().orElse(FAILED);
  }

  @Override
  public String toString() {
    return label;
  }
}
