package dev.runbook.engine.internal.template;

import java.util.Optional;

/**
 * A command template could not be rendered: the template is missing or malformed, or it refers to a
 * value the model does not have. The message names the template and, where there is one, the
 * missing variable and its line.
 */
public final class RenderException extends RuntimeException {

  private final String templateName;
  private final String missingVariable;

  RenderException(String templateName, String missingVariable, String message, Throwable cause) {
    super(message, cause);
    this.templateName = templateName;
    this.missingVariable = missingVariable;
  }

  public String templateName() {
    return templateName;
  }

  /** The expression that was null or missing, as written in the template. */
  public Optional<String> missingVariable() {
    return Optional.ofNullable(missingVariable);
  }
}
