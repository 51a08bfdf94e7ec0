package dev.runbook.engine.api;

/**
 * Watches a run as it happens: the console plugs in here. Evidence is written by the engine's own
 * journal, not through this interface, so a listener can never lose or alter evidence. What a
 * listener receives went through the same redaction as the evidence: events as their records read,
 * output lines as the journal keeps them, notices and progress with secrets removed. Methods may be
 * called from several threads at once (work done on every member at once).
 */
public interface RunListener {

  RunListener NONE = new RunListener() {};

  /** An event, after it was written to evidence, redacted as its record is. */
  default void event(RunEvent event) {}

  /** A line a remote command printed, as it arrives. */
  default void output(String node, boolean stderr, String line) {}

  /** Something the person at the console should know that is not evidence (e.g. waiting). */
  default void notice(String message) {}

  /** How far a wait of step {@code activityId} has got; reported on every poll. */
  default void progress(String activityId, WaitProgress wait) {}
}
