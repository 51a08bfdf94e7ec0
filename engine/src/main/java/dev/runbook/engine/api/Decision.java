package dev.runbook.engine.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/**
 * What a {@link RunEvent.GateDecision} decided; {@link #label()} is how evidence and the console
 * spell it, and what {@link #toString()} gives.
 */
public enum Decision {
  APPROVED("approved"),
  REJECTED("rejected"),
  /** The gate's timer fired before enough approvals: it fails closed ({@code by} the engine). */
  EXPIRED("expired");

  private final String label;

  Decision(String label) {
    this.label = label;
  }

  @JsonValue
  public String label() {
    return label;
  }

  /**
   * The decision an evidence record names. One this version does not know reads as {@link
   * #EXPIRED}: it counts as no approval and rejects nothing, as such a record always did here, and
   * the run stays readable.
   */
  @JsonCreator
  public static Decision ofLabel(String label) {
    return Arrays.stream(values()).filter(d -> d.label.equals(label)).findFirst().orElse(EXPIRED);
  }

  @Override
  public String toString() {
    return label;
  }
}
