package dev.runbook.engine.api;

/** What a step does to the hosts it touches. Decides approval and resume behaviour. */
public enum Effect {
  /** Reads only; safe to run again at any time (a resume re-runs it). */
  READ_ONLY,
  /** Changes something that can be undone; a resume asks the step's probe first. */
  MUTATING,
  /** Stops or replaces something the cluster depends on; only after an approval gate. */
  DESTRUCTIVE
}
