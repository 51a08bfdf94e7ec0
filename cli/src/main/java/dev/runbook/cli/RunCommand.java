package dev.runbook.cli;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunbookEngine;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "run",
    description = "Start a runbook and drive it to its first gate, its end or a failure.")
final class RunCommand implements Callable<Integer> {

  @ParentCommand RunbookCommand root;
  @Spec CommandSpec spec;

  @Mixin RunInputs inputs;

  @Mixin ConsoleOptions console;

  @Mixin SigningOptions signing;

  @Option(
      names = "--as",
      paramLabel = "NAME",
      description = "Who starts the run (default: the login name).")
  String as = System.getProperty("user.name");

  @Option(
      names = "--approved-plan",
      paramLabel = "HASH",
      description =
          "Bind the run to a reviewed plan (runbook plan): refused if it would differ; a step whose"
              + " commands no longer render as planned does not run.")
  String approvedPlan;

  @Option(
      names = "--report",
      description =
          "When the command stops (at a gate, its end or a failure), also write the run's HTML"
              + " report to <home>/runs/RUN/report.html, as `runbook report RUN --format html`"
              + " does: for scheduled runs, whose report nobody asks for by hand.")
  boolean report;

  @Override
  public Integer call() {
    Console shown = console.open(spec, root);
    return shown.drive(
        () -> {
          Map<String, String> given = inputs.parameters();
          // Bad input is refused before the engine opens: it creates no home, database or run.
          RunbookEngine.check(root.options(null), inputs.runbook, inputs.inventory, given, as);
          RunOutcome outcome;
          try (RunbookEngine engine = RunbookEngine.open(root.options(shown))) {
            outcome =
                engine.start(
                    inputs.runbook, inputs.inventory, given, as, approvedPlan, signing.identity());
          }
          if (report) {
            try {
              ReportCommand.writeHtml(root, outcome.runId());
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
          return outcome;
        });
  }

  static Map<String, String> parse(List<String> params) {
    Map<String, String> map = new LinkedHashMap<>();
    for (String p : params) {
      int eq = p.indexOf('=');
      if (eq < 1) {
        throw new BadInputException("-p " + p + ": write parameters as -p name=value");
      }
      if (map.put(p.substring(0, eq), p.substring(eq + 1)) != null) {
        throw new BadInputException("-p " + p.substring(0, eq) + " is given twice");
      }
    }
    return map;
  }
}
