package dev.runbook.engine.api;

/**
 * The request cannot be carried out as given (unknown runbook or run, undeclared parameter, a gate
 * rule broken...). Nothing was changed on any host. The message says what to fix. Exit code 2.
 */
public class BadInputException extends RuntimeException {
  public BadInputException(String message) {
    super(message);
  }
}
