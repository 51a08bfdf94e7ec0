package dev.runbook.engine.api;

import dev.runbook.engine.internal.catalog.Catalog;
import dev.runbook.engine.internal.evidence.EvidenceReader;
import dev.runbook.engine.internal.report.ReportBuilder;
import dev.runbook.engine.internal.report.ReportModel;
import dev.runbook.engine.internal.run.EngineCore;
import dev.runbook.engine.internal.template.MarkdownOutputFormat;
import dev.runbook.engine.internal.template.TemplateRenderer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A run's report, rendered from its evidence alone with the templates {@code report/report.md.ftl}
 * (Markdown, for a change ticket) and {@code report/report.html.ftlh} (one self-contained HTML file
 * with the runbook's diagram), looked up in {@code --templates DIR} first. Like {@link Runs}, it
 * does not boot the engine; the runbook's BPMN is read only to draw the diagram.
 */
public final class Reports {

  public enum Format {
    MD("report/report.md.ftl"),
    HTML("report/report.html.ftlh");

    private final String template;

    Format(String template) {
      this.template = template;
    }

    /**
     * @throws BadInputException for anything but md and html
     */
    public static Format of(String name) {
      for (Format f : values()) {
        if (f.name().toLowerCase(Locale.ROOT).equals(name)) {
          return f;
        }
      }
      throw new BadInputException("--format " + name + ": md or html");
    }
  }

  /**
   * @param text the report
   * @param evidence what verifying the evidence found; a report on evidence that does not verify
   *     says so before anything else
   * @param diagramProblem why the report has no diagram, or null when it has one (HTML only)
   */
  public record Report(String text, Runs.Verification evidence, String diagramProblem) {}

  private Reports() {}

  /**
   * @throws BadInputException for an unknown run
   */
  public static Report render(EngineOptions options, String runId, Format format) {
    Path dir = Runs.runDir(options.home(), runId);
    try {
      Runs.Verification v = Runs.verify(options.home(), runId);
      Catalog.Entry runbook = null;
      String problem = null;
      String id = EvidenceReader.summarize(dir).runbook();
      try {
        runbook = EngineCore.catalog(options).get(id);
      } catch (RuntimeException e) {
        problem = "No diagram: " + e.getMessage();
      }
      ReportModel model = ReportBuilder.build(dir, v, runbook, problem);
      Map<String, Object> root = new HashMap<>(MarkdownOutputFormat.FUNCTIONS);
      root.put("r", model);
      String text = new TemplateRenderer(options.templatesDir()).render(format.template, root);
      return new Report(text + "\n", v, model.diagram() == null ? problem : null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
