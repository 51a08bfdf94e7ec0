package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.RunEvent;
import java.util.HashSet;
import java.util.Set;

/**
 * Which evidence records may leave their fsync to the step's next forced record. Every record is
 * written at once, so a killed process loses none; fsync only guards against a power cut. A step
 * must not end, and a changing step must not send a command, before its records are on disk.
 *
 * <ul>
 *   <li>A command's output and end can wait: the next command's {@code command.sent} or the step's
 *       {@code step.finished} follows, and one fsync covers every line before it.
 *   <li>Every record of a READ_ONLY step but its {@code step.finished} can wait: nothing changes on
 *       its account, and a resume runs it again anyway.
 *   <li>A changing step's start, its {@code command.sent} and {@code transfer.sent} are forced
 *       before the command or file leaves: its probe after a crash depends on them, and it may act
 *       without a command (an upload).
 * </ul>
 *
 * So a READ_ONLY step costs one fsync instead of one per record (four for one command), a changing
 * step one fewer per command. One per run; thread-safe, as members' commands may run at once.
 */
final class FsyncPolicy {

  private final Set<String> readOnlySteps = new HashSet<>();

  synchronized boolean canWait(RunEvent event) {
    if (event instanceof RunEvent.StepStarted s) {
      if (s.effect() == Effect.READ_ONLY) {
        readOnlySteps.add(s.activityId());
        return true;
      }
      readOnlySteps.remove(s.activityId());
      return false;
    }
    if (event instanceof RunEvent.StepFinished f) {
      readOnlySteps.remove(f.activityId());
      return false;
    }
    return event instanceof RunEvent.CommandOutput
        || event instanceof RunEvent.CommandFinished
        || (event instanceof RunEvent.CommandSent c && readOnlySteps.contains(c.activityId()))
        || (event instanceof RunEvent.TransferSent t && readOnlySteps.contains(t.activityId()));
  }
}
