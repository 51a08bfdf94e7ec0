package dev.runbook.cli;

import dev.runbook.engine.api.BadInputException;
import java.time.Clock;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** How run, approve, reject, resume and abort show a run: {@code --verbose}, {@code --output}. */
final class ConsoleOptions {

  @Option(
      names = "--verbose",
      description = "Also stream every command as sent and every line of its output.")
  boolean verbose;

  @Option(
      names = "--output",
      paramLabel = "FORMAT",
      description = "text (default) or json: one JSON event per line (NDJSON) on stdout.")
  String output = "text";

  Console open(CommandSpec spec, RunbookCommand root) {
    return switch (output) {
      case "text" ->
          new ConsoleProgress(
              spec.commandLine().getOut(), verbose, root.terminalWidth, Clock.systemDefaultZone());
      case "json" -> new JsonConsole(spec.commandLine().getOut(), verbose, Clock.systemUTC());
      default -> throw new BadInputException("--output " + output + ": text or json");
    };
  }
}
