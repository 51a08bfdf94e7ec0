package dev.runbook.engine.internal.template;

import freemarker.core.CommonMarkupOutputFormat;
import freemarker.core.CommonTemplateMarkupOutputModel;
import freemarker.template.TemplateMethodModelEx;
import freemarker.template.TemplateModel;
import freemarker.template.TemplateModelException;
import freemarker.template.utility.DeepUnwrap;
import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * FreeMarker output format "markdown", chosen by a template with {@code <#ftl
 * output_format="markdown">}: every {@code ${...}} becomes inline text that cannot change the
 * document's structure. A value from evidence (a comment, a message, a host name) may hold anything
 * an operator typed or a host printed; here it can neither open a heading, a list, a table cell, a
 * link, emphasis, code nor HTML, nor end a line.
 *
 * <p>Text meant to be shown verbatim goes through {@link #FUNCTIONS}: {@code fence(text, info)}
 * puts it in a fenced code block whose fence is longer than any run of backticks in it, {@code
 * code(text)} does the same inline. Their results are markup and are not escaped again.
 */
public final class MarkdownOutputFormat
    extends CommonMarkupOutputFormat<MarkdownOutputFormat.MarkdownOutputModel> {

  public static final MarkdownOutputFormat INSTANCE = new MarkdownOutputFormat();

  /** The model entries a markdown template may call: {@code fence} and {@code code}. */
  public static final Map<String, Object> FUNCTIONS =
      Map.of(
          "fence",
          (TemplateMethodModelEx) MarkdownOutputFormat::fence,
          "code",
          (TemplateMethodModelEx) MarkdownOutputFormat::code);

  // CommonMark's ASCII punctuation that can start or end an inline construct.
  private static final Pattern SPECIAL = Pattern.compile("[\\\\`*_\\[\\]<>|#~!&()]");
  private static final Pattern LINE_START =
      Pattern.compile("^(\\s*)(?:([-+=])(?=\\s|$|[-=]*\\s*$)|\\d+\\.(?=\\s|$))");
  private static final Pattern BACKTICKS = Pattern.compile("`+");

  private MarkdownOutputFormat() {}

  /** {@code text} as inline markdown that shows exactly these characters, on one line. */
  public static String escape(String text) {
    String oneLine = text.replaceAll("\\R", " ");
    String escaped =
        SPECIAL.matcher(oneLine).replaceAll(m -> Matcher.quoteReplacement("\\" + m.group()));
    // A value may stand at the start of a line, where "- ", "+ ", "1. ", "---" and "===" open a
    // list, a rule or a heading.
    Matcher m = LINE_START.matcher(escaped);
    if (m.find()) {
      escaped =
          m.group(2) != null
              ? m.group(1) + "\\" + escaped.substring(m.end(1))
              : escaped.substring(0, m.end() - 1) + "\\." + escaped.substring(m.end());
    }
    return escaped;
  }

  /** A fenced code block showing {@code text} verbatim; its fence outruns any backticks inside. */
  public static String fenced(String text, String info) {
    String fence = "`".repeat(Math.max(3, longestBacktickRun(text) + 1));
    String body = text.endsWith("\n") ? text : text + "\n";
    String tag = info == null ? "" : info.replaceAll("[^A-Za-z0-9_-]", "");
    return fence + tag + "\n" + body + fence;
  }

  /** An inline code span showing {@code text} verbatim on one line. */
  public static String inlineCode(String text) {
    String oneLine = text.replaceAll("\\R", " ");
    String ticks = "`".repeat(longestBacktickRun(oneLine) + 1);
    boolean pad = oneLine.startsWith("`") || oneLine.endsWith("`") || oneLine.isBlank();
    return ticks + (pad ? " " : "") + oneLine + (pad ? " " : "") + ticks;
  }

  private static int longestBacktickRun(String text) {
    int longest = 0;
    Matcher m = BACKTICKS.matcher(text);
    while (m.find()) {
      longest = Math.max(longest, m.group().length());
    }
    return longest;
  }

  private static Object fence(List<?> args) throws TemplateModelException {
    String info =
        args.size() > 1 ? String.valueOf(DeepUnwrap.unwrap((TemplateModel) args.get(1))) : null;
    return INSTANCE.fromMarkup(fenced(argument(args), info));
  }

  private static Object code(List<?> args) throws TemplateModelException {
    return INSTANCE.fromMarkup(inlineCode(argument(args)));
  }

  private static String argument(List<?> args) throws TemplateModelException {
    if (args.isEmpty()) {
      throw new TemplateModelException("needs the text to show");
    }
    Object value = DeepUnwrap.unwrap((TemplateModel) args.get(0));
    return value == null ? "" : String.valueOf(value);
  }

  @Override
  public String getName() {
    return "markdown";
  }

  @Override
  public String getMimeType() {
    return "text/markdown";
  }

  @Override
  public void output(String textToEsc, Writer out) throws IOException {
    out.write(escape(textToEsc));
  }

  @Override
  public String escapePlainText(String plainTextContent) {
    return escape(plainTextContent);
  }

  @Override
  public boolean isLegacyBuiltInBypassed(String builtInName) {
    return false;
  }

  @Override
  protected MarkdownOutputModel newTemplateMarkupOutputModel(
      String plainTextContent, String markupContent) {
    return new MarkdownOutputModel(plainTextContent, markupContent);
  }

  /** A fragment of markdown, either escaped from plain text or trusted as is. */
  public static final class MarkdownOutputModel
      extends CommonTemplateMarkupOutputModel<MarkdownOutputModel> {

    MarkdownOutputModel(String plainTextContent, String markupContent) {
      super(plainTextContent, markupContent);
    }

    @Override
    public MarkdownOutputFormat getOutputFormat() {
      return INSTANCE;
    }
  }
}
