package dev.runbook.cli;

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
}
