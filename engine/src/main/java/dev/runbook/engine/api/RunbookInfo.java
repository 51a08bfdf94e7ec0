package dev.runbook.engine.api;

import java.util.List;

/** A runbook as {@code runbook list} shows it, read from its BPMN without booting the engine. */
public record RunbookInfo(
    String id, String name, String documentation, String source, List<Parameter> parameters) {

  /**
   * A parameter the runbook declares ({@code -p name=value}).
   *
   * @param defaultValue null when there is none
   * @param secret its value is redacted from evidence
   */
  public record Parameter(
      String name, String documentation, String defaultValue, boolean required, boolean secret) {}
}
