package dev.runbook.cli;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunbookEngine;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "run",
    description = "Start a runbook and drive it to its first gate, its end or a failure.")
final class RunCommand implements Callable<Integer> {

  @ParentCommand RunbookCommand root;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "RUNBOOK", description = "Runbook id (runbook list).")
  String runbook;

  @Option(
      names = {"-i", "--inventory"},
      required = true,
      paramLabel = "INVENTORY",
      description = "Inventory file (docs/inventory.md).")
  Path inventory;

  @Option(
      names = {"-p", "--param"},
      paramLabel = "KEY=VALUE",
      description = "A parameter the runbook declares; repeatable.")
  List<String> params = List.of();

  @Option(
      names = "--as",
      paramLabel = "NAME",
      description = "Who starts the run (default: the login name).")
  String as = System.getProperty("user.name");

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Map<String, String> given = parse(params);
    try (RunbookEngine engine = RunbookEngine.open(root.options(new ConsoleProgress(out)))) {
      RunOutcome o = engine.start(runbook, inventory, given, as);
      return Outcomes.print(out, o);
    }
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
