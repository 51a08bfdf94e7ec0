package dev.runbook.engine.api;

import java.util.List;

/** A runbook as {@code runbook list} shows it, read from its BPMN without booting the engine. */
public record RunbookInfo(
    String id, String name, String documentation, String source, List<Parameter> parameters) {

  /**
   * A parameter the runbook declares ({@code -p name=value}).
   *
   * @param defaultValue null when there is none; empty when leaving it empty means "not used"
   * @param secret its value is redacted from evidence
   * @param type what a value must be, as a person reads it: {@code integer >= 0}, {@code duration},
   *     {@code path}, ...
   */
  public record Parameter(
      String name,
      String documentation,
      String defaultValue,
      boolean required,
      boolean secret,
      String type) {}
}
