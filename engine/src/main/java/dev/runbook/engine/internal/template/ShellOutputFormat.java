package dev.runbook.engine.internal.template;

import freemarker.core.CommonMarkupOutputFormat;
import freemarker.core.CommonTemplateMarkupOutputModel;
import java.io.IOException;
import java.io.Writer;

/**
 * FreeMarker output format "shell": every {@code ${...}} becomes one POSIX sh word.
 *
 * <p>Inventory values and operator input flow into remote commands; quoting them automatically
 * means no value can ever add a word, a redirection or another command, whatever it contains. A
 * template marks a trusted fragment with {@code ?no_esc}.
 */
public final class ShellOutputFormat
    extends CommonMarkupOutputFormat<ShellOutputFormat.ShellOutputModel> {

  public static final ShellOutputFormat INSTANCE = new ShellOutputFormat();

  private ShellOutputFormat() {}

  /**
   * Quotes {@code value} so that {@code sh} reads it as exactly one word with its bytes unchanged:
   * the whole value in single quotes (inside which sh interprets nothing), each {@code '} written
   * as {@code '\''} (close, escaped quote, reopen).
   */
  public static String quote(String value) {
    return "'" + value.replace("'", "'\\''") + "'";
  }

  @Override
  public String getName() {
    return "shell";
  }

  @Override
  public String getMimeType() {
    return "text/x-shellscript";
  }

  @Override
  public void output(String textToEsc, Writer out) throws IOException {
    out.write(quote(textToEsc));
  }

  @Override
  public String escapePlainText(String plainTextContent) {
    return quote(plainTextContent);
  }

  /** No legacy escaping built-in (like {@code ?html}) produces shell words. */
  @Override
  public boolean isLegacyBuiltInBypassed(String builtInName) {
    return false;
  }

  @Override
  protected ShellOutputModel newTemplateMarkupOutputModel(
      String plainTextContent, String markupContent) {
    return new ShellOutputModel(plainTextContent, markupContent);
  }

  /** A fragment of shell text, either quoted from plain text or trusted as is. */
  public static final class ShellOutputModel
      extends CommonTemplateMarkupOutputModel<ShellOutputModel> {

    ShellOutputModel(String plainTextContent, String markupContent) {
      super(plainTextContent, markupContent);
    }

    @Override
    public ShellOutputFormat getOutputFormat() {
      return INSTANCE;
    }
  }
}
