package dev.runbook.engine.api;

/**
 * Watches a run as it happens: the console plugs in here. Evidence is written by the engine's own
 * journal, not through this interface, so a listener can never lose or alter evidence.
 */
public interface RunListener {

  RunListener NONE = new RunListener() {};

  /** An event, after it was written to evidence. */
  default void event(RunEvent event) {}

  /** A line a remote command printed, as it arrives. */
  default void output(String node, boolean stderr, String line) {}

  /** Something the person at the console should know that is not evidence (e.g. waiting). */
  default void notice(String message) {}
}
