package dev.runbook.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** What a run is made of, shared by {@code run} and {@code plan} so both read it the same way. */
final class RunInputs {

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

  Map<String, String> parameters() {
    return RunCommand.parse(params);
  }
}
