package dev.runbook.cli;

import dev.runbook.engine.api.FailureReason;
import dev.runbook.engine.api.RunEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The commands to show when a step fails: per step and node the last command that ended, if it
 * failed (a non-zero exit the step went on from, then a command that succeeded, is not why the step
 * failed). Its text and the tail of its output are bounded: the evidence has all of it. Fed with
 * events as the engine hands them to listeners, so already redacted as the evidence is.
 */
final class FailedCommands {

  /** Lines of a failing command's text shown. */
  static final int COMMAND_LINES = 12;

  /** Lines of a failing command's output shown, stderr first in the budget. */
  static final int TAIL_LINES = 10;

  /**
   * A failed command, bounded.
   *
   * @param command its first {@link #COMMAND_LINES} lines
   * @param commandLinesLeftOut lines of the command not shown
   * @param stdout the last lines of its stdout shown
   * @param stderr the last lines of its stderr shown
   * @param outputLinesLeftOut lines of output not shown
   */
  record Failed(
      String node,
      List<String> command,
      int commandLinesLeftOut,
      int exitStatus,
      FailureReason failure,
      List<String> stdout,
      List<String> stderr,
      int outputLinesLeftOut) {}

  private final Map<String, Map<String, String>> sent = new HashMap<>();
  private final Map<String, Map<String, Failed>> failed = new HashMap<>();

  synchronized void sent(RunEvent.CommandSent e) {
    sent.computeIfAbsent(e.activityId(), a -> new HashMap<>()).put(e.node(), e.command());
  }

  synchronized void finished(RunEvent.CommandFinished e) {
    Map<String, Failed> step = failed.computeIfAbsent(e.activityId(), a -> new LinkedHashMap<>());
    if (e.exitStatus() == 0 && e.failure() == null) {
      step.remove(e.node());
      return;
    }
    String command = sent.getOrDefault(e.activityId(), Map.of()).getOrDefault(e.node(), "");
    List<String> text = command.lines().toList();
    List<String> out = lines(e.stdout());
    List<String> err = lines(e.stderr());
    int errShown = Math.min(err.size(), TAIL_LINES);
    int outShown = Math.min(out.size(), TAIL_LINES - errShown);
    step.put(
        e.node(),
        new Failed(
            e.node(),
            text.subList(0, Math.min(text.size(), COMMAND_LINES)),
            Math.max(0, text.size() - COMMAND_LINES),
            e.exitStatus(),
            e.failure(),
            out.subList(out.size() - outShown, out.size()),
            err.subList(err.size() - errShown, err.size()),
            out.size() - outShown + err.size() - errShown));
  }

  /** The failed commands of a step, in the order they failed; forgets the step. */
  synchronized List<Failed> take(String activityId) {
    sent.remove(activityId);
    Map<String, Failed> step = failed.remove(activityId);
    return step == null ? List.of() : new ArrayList<>(step.values());
  }

  /** Forgets a step (it started again, or ended well). */
  synchronized void forget(String activityId) {
    sent.remove(activityId);
    failed.remove(activityId);
  }

  private static List<String> lines(String s) {
    return s == null || s.isEmpty() ? List.of() : s.lines().toList();
  }
}
