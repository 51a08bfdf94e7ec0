package dev.runbook.engine.internal.template;

import freemarker.cache.ClassTemplateLoader;
import freemarker.cache.FileTemplateLoader;
import freemarker.cache.MultiTemplateLoader;
import freemarker.cache.TemplateLoader;
import freemarker.core.InvalidReferenceException;
import freemarker.core.ParseException;
import freemarker.core.TemplateClassResolver;
import freemarker.core.TemplateConfiguration;
import freemarker.template.Configuration;
import freemarker.template.DefaultObjectWrapperBuilder;
import freemarker.template.Template;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;
import freemarker.template.TemplateNotFoundException;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TimeZone;

/**
 * Renders command templates into shell command lines, quoting every interpolation (see {@link
 * ShellOutputFormat}).
 *
 * <p>Templates are looked up in the override directory first ({@code --templates DIR}), then in the
 * built-ins on the classpath under {@code templates/}. Templates ending in {@code .ftlh} or {@code
 * .ftlx} (plan and report pages) use HTML or XML escaping instead; a template that starts with
 * {@code <#ftl output_format="markdown">} uses {@link MarkdownOutputFormat}; all others, including
 * {@code .ftl}, are shell.
 *
 * <p>The model may hold maps with string keys, lists, strings, numbers, booleans and public records
 * or beans: {@code ${node.name}} reads a record component. Numbers render without grouping ({@code
 * 2379}), booleans as {@code true}/{@code false}. Rendering is deterministic (root locale, UTC), so
 * a plan rendered twice hashes the same.
 */
public final class TemplateRenderer {

  /** Resource root of the built-in templates (module {@code templates}). */
  public static final String BUILT_IN_ROOT = "templates";

  private final Configuration cfg;
  private final Path overrideDir;

  /**
   * @param overrideDir directory searched before the built-ins, or null for built-ins only
   * @throws IllegalArgumentException if {@code overrideDir} is not a directory
   */
  public TemplateRenderer(Path overrideDir) {
    this.overrideDir = overrideDir == null ? null : overrideDir.toAbsolutePath().normalize();
    this.cfg = configuration(loader(this.overrideDir));
  }

  /**
   * Renders the named template (a path relative to the template roots, like {@code
   * commands/ssh-check/identify.ftl}).
   *
   * @return the rendered text without leading or trailing whitespace
   * @throws RenderException if the template is missing or malformed or refers to a missing value
   */
  public String render(String templateName, Map<String, Object> model) {
    Template template;
    try {
      template = cfg.getTemplate(templateName);
    } catch (TemplateNotFoundException e) {
      throw new RenderException(
          templateName,
          null,
          "template "
              + templateName
              + " not found in "
              + (overrideDir == null ? "" : overrideDir + " or ")
              + "the built-in templates",
          e);
    } catch (ParseException e) {
      throw parseFailure(templateName, e);
    } catch (IOException e) {
      throw new RenderException(
          templateName, null, "template " + templateName + " cannot be read: " + e.getMessage(), e);
    }
    return process(templateName, template, model);
  }

  /**
   * Where the named template comes from and the SHA-256 of its text, as this process reads it: the
   * override directory's file when there is one, else the built-in. A run pins these, so a later
   * process with other templates is refused instead of sending something else.
   *
   * @throws RenderException if there is no such template
   */
  public Source source(String templateName) {
    try {
      if (overrideDir != null) {
        Path file = overrideDir.resolve(templateName).normalize();
        if (file.startsWith(overrideDir) && java.nio.file.Files.isRegularFile(file)) {
          return new Source(file.toString(), sha256(java.nio.file.Files.readAllBytes(file)));
        }
      }
      String resource = BUILT_IN_ROOT + "/" + templateName;
      try (var in = TemplateRenderer.class.getClassLoader().getResourceAsStream(resource)) {
        if (in == null) {
          throw new RenderException(
              templateName, null, "template " + templateName + " not found", null);
        }
        return new Source("built-in " + resource, sha256(in.readAllBytes()));
      }
    } catch (IOException e) {
      throw new RenderException(
          templateName, null, "template " + templateName + " cannot be read: " + e.getMessage(), e);
    }
  }

  /**
   * A template's origin (a file, or {@code built-in templates/...}) and the SHA-256 of its text.
   */
  public record Source(String origin, String sha256) {}

  private static String sha256(byte[] bytes) {
    try {
      return java.util.HexFormat.of()
          .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Renders a template given as text, like a BPMN task's inline command. It is always shell output,
   * whatever its name.
   *
   * @param name names the template in error messages
   * @throws RenderException if the template is malformed or refers to a missing value
   */
  public String renderInline(String name, String templateSource, Map<String, Object> model) {
    Template template;
    try {
      var tc = new TemplateConfiguration();
      tc.setParentConfiguration(cfg);
      tc.setOutputFormat(ShellOutputFormat.INSTANCE);
      tc.setRecognizeStandardFileExtensions(false);
      template = new Template(name, null, new StringReader(templateSource), cfg, tc, null);
      tc.apply(template);
    } catch (ParseException e) {
      throw parseFailure(name, e);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringReader does not fail
    }
    return process(name, template, model);
  }

  private String process(String name, Template template, Map<String, Object> model) {
    var out = new StringWriter();
    try {
      template.process(model, out);
    } catch (InvalidReferenceException e) {
      String expression = e.getBlamedExpressionString();
      throw new RenderException(
          name,
          expression,
          "template "
              + name
              + at(e)
              + ": "
              + (expression == null ? firstLine(e) : expression + " is missing or null"),
          e);
    } catch (TemplateException e) {
      throw new RenderException(name, null, "template " + name + at(e) + ": " + firstLine(e), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString().strip();
  }

  private static RenderException parseFailure(String name, ParseException e) {
    return new RenderException(
        name,
        null,
        "template "
            + name
            + " line "
            + e.getLineNumber()
            + ", column "
            + e.getColumnNumber()
            + ": "
            + firstLine(e.getEditorMessage()),
        e);
  }

  private static String at(TemplateException e) {
    return e.getLineNumber() == null
        ? ""
        : " line " + e.getLineNumber() + ", column " + e.getColumnNumber();
  }

  /** FreeMarker's message, without its FTL stack trace and tips. */
  private static String firstLine(TemplateException e) {
    return firstLine(e.getMessageWithoutStackTop());
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "failed";
    }
    return message.strip().lines().findFirst().orElse("failed");
  }

  private static TemplateLoader loader(Path overrideDir) {
    List<TemplateLoader> loaders = new ArrayList<>();
    if (overrideDir != null) {
      try {
        loaders.add(new FileTemplateLoader(overrideDir.toFile()));
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "template directory " + overrideDir + " is not usable: " + e.getMessage(), e);
      }
    }
    loaders.add(new ClassTemplateLoader(TemplateRenderer.class.getClassLoader(), BUILT_IN_ROOT));
    return new MultiTemplateLoader(loaders.toArray(TemplateLoader[]::new));
  }

  private static Configuration configuration(TemplateLoader loader) {
    var cfg = new Configuration(Configuration.VERSION_2_3_34);
    cfg.setTemplateLoader(loader);
    // Each template is read once per process and kept: every command a process renders, and the
    // plan it checks a step against before the step runs (RunSession.checkPlan, made once per
    // step and process), come from the same text. FreeMarker's default looked at the file again
    // after 5 s
    // and let the garbage collector drop a template, so a step could send an edited template's
    // command that the check had not seen.
    cfg.setTemplateUpdateDelayMilliseconds(Long.MAX_VALUE);
    cfg.setCacheStorage(new freemarker.cache.StrongCacheStorage());
    cfg.setDefaultEncoding(StandardCharsets.UTF_8.name());
    cfg.setRegisteredCustomOutputFormats(
        List.of(ShellOutputFormat.INSTANCE, MarkdownOutputFormat.INSTANCE));
    cfg.setOutputFormat(ShellOutputFormat.INSTANCE);
    cfg.setRecognizeStandardFileExtensions(true);
    cfg.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
    cfg.setLogTemplateExceptions(false);
    cfg.setWrapUncheckedExceptions(true);
    cfg.setFallbackOnNullLoopVariable(false);
    cfg.setNumberFormat("computer");
    cfg.setBooleanFormat("c");
    cfg.setLocalizedLookup(false);
    cfg.setLocale(Locale.ROOT);
    cfg.setTimeZone(TimeZone.getTimeZone("UTC"));
    // Templates never instantiate Java classes.
    cfg.setNewBuiltinClassResolver(TemplateClassResolver.ALLOWS_NOTHING_RESOLVER);
    // Since 2.3.33, a record's accessors are properties: ${node.name} reads node.name().
    cfg.setObjectWrapper(new DefaultObjectWrapperBuilder(Configuration.VERSION_2_3_34).build());
    return cfg;
  }
}
