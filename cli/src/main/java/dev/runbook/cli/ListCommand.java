package dev.runbook.cli;

import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.RunbookInfo;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "list", description = "The runbooks available and their parameters.")
final class ListCommand implements Callable<Integer> {

  @ParentCommand RunbookCommand root;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    for (RunbookInfo r : RunbookEngine.list(root.options(RunListener.NONE))) {
      out.println(r.id() + "  " + r.name());
      out.println("    " + r.documentation());
      for (RunbookInfo.Parameter p : r.parameters()) {
        out.println("    " + parameter(p));
      }
    }
    return Main.DONE;
  }

  /** How a parameter is shown: {@code -p name=default [type] (required) (secret) documentation}. */
  static String parameter(RunbookInfo.Parameter p) {
    return "-p "
        + p.name()
        + "="
        + (p.defaultValue() == null ? "..." : p.defaultValue())
        + " ["
        + p.type()
        + "]"
        + (p.required() ? " (required)" : "")
        + (p.secret() ? " (secret)" : "")
        + "  "
        + p.documentation();
  }
}
