package dev.runbook.cli;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.api.RunbookDetail;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.RunbookInfo;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** One runbook explained from its BPMN, for a reviewer: the engine is not booted. */
@Command(
    name = "show",
    description = "A runbook's steps, gates, error and rollback paths, and parameters.")
final class ShowCommand implements Callable<Integer> {

  @ParentCommand RunbookCommand root;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "RUNBOOK", description = "A runbook id (runbook list).")
  String runbook;

  @Option(names = "--output", paramLabel = "FORMAT", description = "text (default) or json.")
  String output = "text";

  @Override
  public Integer call() throws Exception {
    if (!output.equals("text") && !output.equals("json")) {
      throw new BadInputException("--output " + output + ": text or json");
    }
    PrintWriter out = spec.commandLine().getOut();
    RunbookDetail d = RunbookEngine.show(root.options(RunListener.NONE), runbook);
    if (output.equals("json")) {
      out.println(StatusCommand.JSON.writeValueAsString(d));
      return Main.DONE;
    }
    RunbookInfo info = d.runbook();
    out.println("# " + info.id() + ": " + info.name());
    out.println();
    out.println(info.documentation());
    out.println();
    out.println("Source: " + info.source());
    out.println();
    out.println("## Parameters");
    out.println();
    if (info.parameters().isEmpty()) {
      out.println("None.");
    }
    for (RunbookInfo.Parameter p : info.parameters()) {
      out.println("- " + ListCommand.parameter(p));
    }
    out.println();
    out.println("## Steps and gates, in process order");
    int n = 0;
    for (RunbookDetail.Activity a : d.activities()) {
      out.println();
      out.println("### " + ++n + ". " + a.name() + " (" + a.id() + ")");
      out.println();
      if (a.gate() != null) {
        RunbookDetail.GateRules g = a.gate();
        out.printf(
            "GATE: %d approver(s)%s; the starter %s approve%n",
            g.approvers(),
            g.role() == null ? "" : " with role " + g.role(),
            g.starterMayApprove() ? "may" : "may not");
      } else if (a.effect() != null) {
        out.println("Step " + a.step() + ", " + a.effect());
      } else {
        out.println(
            "Task bound to "
                + (a.step() == null ? "no step" : "the unknown step " + a.step())
                + ": the runbook lint refuses this runbook");
      }
      if (!a.documentation().isEmpty()) {
        out.println();
        out.println(a.documentation());
      }
      out.println();
      for (String next : a.next()) {
        out.println("- next: " + next);
      }
      for (RunbookDetail.ErrorPath e : a.onError()) {
        out.println(
            "- on "
                + e.trigger()
                + " ("
                + e.event()
                + (e.name() == null ? "" : " \"" + e.name() + "\"")
                + "): "
                + e.leadsTo());
      }
    }
    return Main.DONE;
  }
}
