package dev.runbook.cli;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.InventoryException;
import dev.runbook.engine.api.Runs;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * The {@code runbook} command. {@link #run} is the whole CLI without {@code System.exit}, so tests
 * drive it in-process. Exit codes: 0 done, 1 failed or rolled back, 2 bad input, 3 waiting for a
 * person.
 */
public final class Main {

  public static final int DONE = 0;
  public static final int FAILED = 1;
  public static final int BAD_INPUT = 2;
  public static final int WAITING = 3;

  private Main() {}

  /** COLUMNS when the shell exports it, else the usual 80. */
  private static int columns() {
    try {
      int c = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "80").strip());
      return c > 0 ? c : 80;
    } catch (NumberFormatException e) {
      return 80;
    }
  }

  public static void main(String[] args) {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
    // sshj logs every refused host key and every closed tunnel socket as an ERROR with a stack
    // trace; the engine reports each such failure itself, typed and with what to do (SSH-0nn).
    if (System.getProperty("org.slf4j.simpleLogger.log.net.schmizz") == null) {
      System.setProperty("org.slf4j.simpleLogger.log.net.schmizz", "off");
    }
    org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
    org.slf4j.bridge.SLF4JBridgeHandler.install();
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    System.exit(run(out, err, System.console() == null ? 0 : columns(), args));
  }

  /** The CLI with stdout not a terminal, as in a pipe or a log. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    return run(out, err, 0, args);
  }

  /**
   * @param terminalWidth the width of the terminal stdout is, or 0 when it is not one
   */
  static int run(PrintWriter out, PrintWriter err, int terminalWidth, String... args) {
    RunbookCommand root = new RunbookCommand();
    root.terminalWidth = terminalWidth;
    CommandLine cli = new CommandLine(root);
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          if (e instanceof BadInputException || e instanceof InventoryException) {
            // A refusal may quote a parameter or a command: redacted as evidence is.
            err.println("runbook: " + Runs.redact(e.getMessage()));
            return BAD_INPUT;
          }
          // Not a failure the engine expected: one line for the person, the whole trace in the
          // home for whoever investigates (redacted as evidence is).
          Path home = ((RunbookCommand) cmd.getCommandSpec().root().userObject()).home();
          err.println("runbook: internal error: " + Runs.describeFailure(e));
          try {
            err.println("  full trace: " + Runs.recordFailure(home, e));
          } catch (RuntimeException cannotWrite) {
            err.println(
                "  (the trace could not be written under " + home + ": " + cannotWrite + ")");
          }
          return FAILED;
        });
    cli.setParameterExceptionHandler(
        (e, a) -> {
          err.println("runbook: " + e.getMessage());
          e.getCommandLine().usage(err);
          return BAD_INPUT;
        });
    int code = cli.execute(args);
    out.flush();
    err.flush();
    return code;
  }
}
