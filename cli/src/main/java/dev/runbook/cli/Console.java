package dev.runbook.cli;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.InventoryException;
import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.api.RunOutcome;

/**
 * What run, approve, reject, resume and abort show while they drive a run, and where it stands when
 * they stop: text for people ({@link ConsoleProgress}) or one JSON event per line ({@link
 * JsonConsole}).
 */
interface Console extends RunListener {

  /** Shows where the run stands now; returns the exit code. */
  int outcome(RunOutcome outcome);

  /** The command was refused before or while it drove the run (bad input: exit 2). */
  default void refused(RuntimeException e) {}

  /** The command broke off on a fault nobody expected (exit 1; stderr says where the trace is). */
  default void broke(RuntimeException e) {}

  /**
   * Runs a command that drives a run: its outcome is shown and its exit code returned; a refusal or
   * a fault is shown too, then rethrown for the CLI's one handler of exit codes.
   */
  default int drive(java.util.function.Supplier<RunOutcome> command) {
    try {
      return outcome(command.get());
    } catch (BadInputException | InventoryException e) {
      refused(e);
      throw e;
    } catch (RuntimeException e) {
      broke(e);
      throw e;
    }
  }
}
