package dev.runbook.cli;

import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.RunbookPlan;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "plan",
    description =
        "Show every step of a runbook for an inventory, with each node's commands as the run will"
            + " send them, and the plan hash to approve (run --approved-plan HASH).")
final class PlanCommand implements Callable<Integer> {

  @ParentCommand RunbookCommand root;
  @Spec CommandSpec spec;

  @Mixin RunInputs inputs;

  @Option(
      names = "--probe",
      description =
          "Read the nodes over SSH (read-only discovery commands only) and fill in what they report.")
  boolean probe;

  @Option(names = "--out", paramLabel = "FILE", description = "Write the plan to FILE.")
  Path outFile;

  @Option(
      names = "--output",
      paramLabel = "FORMAT",
      description = "md (default, for a change ticket) or json.")
  String format = "md";

  @Override
  public Integer call() throws IOException {
    if (!format.equals("md") && !format.equals("json")) {
      throw new dev.runbook.engine.api.BadInputException("--output " + format + ": use md or json");
    }
    RunbookPlan plan =
        RunbookEngine.plan(
            root.options(null), inputs.runbook, inputs.inventory, inputs.parameters(), probe);
    String text = format.equals("json") ? plan.json() : plan.markdown();
    PrintWriter out = spec.commandLine().getOut();
    if (outFile != null) {
      Files.writeString(outFile, text.endsWith("\n") ? text : text + "\n", StandardCharsets.UTF_8);
      out.printf("plan %s written to %s%n", plan.sha256(), outFile);
    } else {
      out.print(text.endsWith("\n") ? text : text + "\n");
    }
    out.flush();
    // On stderr, so that stdout stays exactly the plan (JSON parsers, change tickets).
    PrintWriter err = spec.commandLine().getErr();
    err.printf(
        "plan hash: %s%n  run it as approved: runbook run %s -i %s ... --approved-plan %s%n",
        plan.sha256(), inputs.runbook, inputs.inventory, plan.sha256());
    err.flush();
    return 0;
  }
}
