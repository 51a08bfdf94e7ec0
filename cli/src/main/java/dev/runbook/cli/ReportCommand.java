package dev.runbook.cli;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.Reports;
import dev.runbook.engine.api.RunListener;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * A run's report, from its evidence: the engine is not booted. Markdown goes to stdout by default
 * (for a ticket or a pipe); HTML is a page to open, so by default it is written next to the
 * evidence as {@code runs/<id>/report.html} and its path printed. {@code --out -} is stdout for
 * both.
 */
@Command(
    name = "report",
    description = "Render a run's report (Markdown or HTML) from its evidence.")
final class ReportCommand implements Callable<Integer> {

  @ParentCommand RunbookCommand root;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "RUN", description = "A run id.")
  String run;

  @Option(names = "--format", paramLabel = "FORMAT", description = "md (default) or html.")
  String format = "md";

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description =
          "Write the report here (replaced if it exists); - for stdout. Default: stdout for md,"
              + " <home>/runs/RUN/report.html for html.")
  String out;

  @Override
  public Integer call() throws IOException {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    Reports.Format f = Reports.Format.of(format);
    Reports.Report report = Reports.render(root.options(RunListener.NONE), run, f);
    String target = out != null ? out : f == Reports.Format.HTML ? "" : "-";
    if (target.equals("-")) {
      stdout.print(report.text());
    } else {
      Path file =
          target.isEmpty()
              ? root.home().resolve("runs").resolve(run).resolve("report.html")
              : Path.of(target);
      write(file, report.text());
      stdout.println("report of run " + run + " written to " + file);
    }
    if (report.diagramProblem() != null && f == Reports.Format.HTML) {
      stderr.println("runbook: " + report.diagramProblem());
    }
    if (!report.evidence().ok()) {
      stderr.println(
          "runbook: the report is made, but the evidence of run "
              + run
              + " does NOT verify: "
              + report.evidence().problem());
      return Main.FAILED;
    }
    return Main.DONE;
  }

  /**
   * The run's HTML report at its default place, {@code runs/RUN/report.html} (run --report).
   *
   * @return where it went
   */
  static Path writeHtml(RunbookCommand root, String run) throws IOException {
    Path file = root.home().resolve("runs").resolve(run).resolve("report.html");
    write(file, Reports.render(root.options(RunListener.NONE), run, Reports.Format.HTML).text());
    return file;
  }

  /** Through a temporary file, so a reader never sees half a report. */
  private static void write(Path file, String text) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      throw new BadInputException("--out " + file + ": the directory " + dir + " does not exist");
    }
    Path tmp = Files.createTempFile(dir, ".report-", ".part");
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
