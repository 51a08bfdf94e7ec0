package dev.runbook.cli;

import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.RunListener;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

@Command(
    name = "runbook",
    mixinStandardHelpOptions = true,
    version = "runbook 0.1.0",
    description = "Approved, evidenced, reversible etcd recovery runbooks.",
    subcommands = {
      ListCommand.class,
      ShowCommand.class,
      PlanCommand.class,
      RunCommand.class,
      StatusCommand.class,
      GateCommands.Approve.class,
      GateCommands.Reject.class,
      GateCommands.Resume.class,
      GateCommands.Abort.class,
      GateCommands.Unlock.class,
      StatementCommand.class,
      EvidenceCommand.class,
      KeyCommand.class,
      ReportCommand.class,
      InventoryCommand.class,
      TemplatesCommand.class
    })
final class RunbookCommand implements Runnable {

  @Option(
      names = "--home",
      scope = ScopeType.INHERIT,
      description =
          "Runbook home: engine database and runs/ (env RUNBOOK_HOME, default ~/.runbook).")
  Path home;

  @Option(
      names = "--db",
      scope = ScopeType.INHERIT,
      description = "Shared engine database: jdbc:postgresql://host:5432/db?user=..&password=..")
  String db;

  @Option(
      names = "--runbooks",
      scope = ScopeType.INHERIT,
      description = "Directory of extra .bpmn runbooks (same id replaces a shipped one).")
  Path runbooks;

  @Option(
      names = "--templates",
      scope = ScopeType.INHERIT,
      description = "Directory of command templates, looked up before the built-ins.")
  Path templates;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /** The terminal's width when stdout is one (progress is redrawn in place), else 0. */
  int terminalWidth;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  Path home() {
    return home(home, System.getenv("RUNBOOK_HOME"), System.getProperty("user.home"));
  }

  /** {@code --home}, else env RUNBOOK_HOME (unless blank), else {@code ~/.runbook}. */
  static Path home(Path option, String env, String userHome) {
    if (option != null) {
      return option.toAbsolutePath().normalize();
    }
    if (env != null && !env.isBlank()) {
      return Path.of(env).toAbsolutePath().normalize();
    }
    return Path.of(userHome, ".runbook");
  }

  EngineOptions options(RunListener listener) {
    return EngineOptions.of(home())
        .withDb(db)
        .withRunbooksDir(runbooks)
        .withTemplatesDir(templates)
        .withListener(listener);
  }
}
