package dev.runbook.cli;

import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.StepOutcome;
import dev.runbook.engine.api.WaitProgress;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/**
 * A run for people, as it happens. By default: a line per step start and end, the steps' own lines
 * (one per member for work done on every member at once), wait progress, and for a failed step the
 * command that failed with the tail of its output. {@code --verbose} adds every command as sent and
 * every line of its output. On a terminal ({@code width} > 0) wait progress is one line redrawn in
 * place; in a log it comes now and then ({@link WaitThrottle}). What it prints reached it redacted
 * as the evidence is (the engine's listener boundary).
 */
final class ConsoleProgress implements Console {

  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
  private static final String ERASE_LINE = "\r\033[K";

  private final PrintWriter out;
  private final boolean verbose;
  private final int width;
  private final Clock clock;
  private final WaitThrottle throttle = new WaitThrottle();
  private final FailedCommands failures = new FailedCommands();
  private boolean live; // a progress line is on the terminal, to be erased before the next line

  /**
   * @param width the terminal's width in columns, or 0 when the output is not a terminal
   */
  ConsoleProgress(PrintWriter out, boolean verbose, int width, Clock clock) {
    this.out = out;
    this.verbose = verbose;
    this.width = width;
    this.clock = clock;
  }

  private String now() {
    return LocalTime.now(clock).format(CLOCK);
  }

  private void line(String format, Object... args) {
    if (live) {
      out.print(ERASE_LINE);
      live = false;
    }
    out.printf(format + "%n", args);
  }

  @Override
  public synchronized void event(RunEvent event) {
    if (event instanceof RunEvent.RunStarted e) {
      line(
          "%s run %s: %s on cluster %s, started by %s",
          now(), e.runId(), e.runbook(), e.cluster(), e.startedBy());
    } else if (event instanceof RunEvent.StepStarted e) {
      failures.forget(e.activityId());
      throttle.reset(e.activityId());
      line(
          "%s > %s [%s, %s]%s%s",
          now(),
          e.name() == null ? e.activityId() : e.name(),
          e.step(),
          e.effect(),
          e.nodes().isEmpty() ? "" : " on " + String.join(", ", e.nodes()),
          e.attempt() > 1 ? " attempt " + e.attempt() : "");
    } else if (event instanceof RunEvent.CommandSent e) {
      failures.sent(e);
      if (verbose) {
        line("    %s$ %s", e.node(), e.command().replace("\n", "\n      "));
      }
    } else if (event instanceof RunEvent.TransferSent e) {
      if (verbose) {
        line(
            "    %s %s %s%s",
            e.node(), e.kind(), e.remote(), e.local() == null ? "" : " (" + e.local() + ")");
      }
    } else if (event instanceof RunEvent.CommandFinished e) {
      failures.finished(e);
      if (verbose) {
        line(
            "    %s exit %d after %d ms%s",
            e.node(),
            e.exitStatus(),
            e.durationMillis(),
            e.failure() == null ? "" : " (" + e.failure() + ")");
      }
    } else if (event instanceof RunEvent.StepFinished e) {
      throttle.reset(e.activityId());
      boolean failed = e.outcome() == StepOutcome.FAILED;
      line(
          "%s %s %s: %s after %.1f s%s",
          now(),
          failed ? "x" : "<",
          e.activityId(),
          e.outcome(),
          e.durationMillis() / 1000.0,
          e.message() == null ? "" : " (" + e.message() + ")");
      if (failed && !verbose) {
        failures.take(e.activityId()).forEach(this::failed);
      } else {
        failures.forget(e.activityId());
      }
    } else if (event instanceof RunEvent.GateDecision e) {
      line(
          "%s gate %s: %s by %s%s%s",
          now(),
          e.activityId(),
          e.decision(),
          e.by(),
          e.approversRequired() > 1
              ? " (" + e.approvals() + " of " + e.approversRequired() + " approvals)"
              : "",
          e.planSha256() == null ? "" : "; plan " + e.planSha256());
    } else if (event instanceof RunEvent.RunRecovered e) {
      line(
          "%s %s: the engine's database had lost what the evidence records (%s); brought level"
              + " from the evidence",
          now(), e.activityId() == null ? "run" : e.activityId(), e.detail());
    } else if (event instanceof RunEvent.GateApprovedAhead e) {
      line(
          "%s gate %s: approved ahead by %s%s; held until the run reaches it%s",
          now(),
          e.activityId(),
          e.by(),
          e.approversRequired() > 1
              ? " (" + e.approvals() + " of " + e.approversRequired() + " approvals)"
              : "",
          e.planSha256() == null ? "" : " with plan " + e.planSha256());
    } else if (event instanceof RunEvent.PlanDrifted e) {
      line(
          "%s x %s not run: its commands differ from plan %s:%n%s",
          now(), e.activityId(), e.planSha256(), e.diff().indent(4).stripTrailing());
    } else if (event instanceof RunEvent.AbortRequested e) {
      line(
          "%s abort by %s: %s",
          now(),
          e.by(),
          e.rollback()
              ? "the runbook's abort path rolls back; the cluster stays locked until it ends"
              : "the run ends now");
    } else if (event instanceof RunEvent.NodeLockSent e && verbose) {
      line("    %s$ %s", e.node(), e.command().replace("\n", "\n      "));
    } else if (event instanceof RunEvent.NodeLocked e && verbose) {
      line("    %s: node lock %s", e.node(), e.again() ? "held already by this run" : "taken");
    } else if (event instanceof RunEvent.NodeLockRefused e) {
      // The run's outcome says what to do; this says where it stopped, as it happens.
      line(
          "%s x %s not run: %s",
          now(),
          e.activityId(),
          e.holderRun() == null
              ? e.node() + " refused the node lock: " + e.reason()
              : e.node() + " is locked by run " + e.holderRun() + " (" + e.holderHost() + ")");
    } else if (event instanceof RunEvent.NodeUnlocked e
        && (verbose || e.outcome().equals("failed"))) {
      line(
          "    %s: node lock %s%s",
          e.node(),
          e.outcome(),
          e.detail() == null ? "" : " (" + e.detail().replace("\n", "; ") + ")");
    } else if (event instanceof RunEvent.NodeLockBroken e) {
      line(
          "%s node lock of run %s on %s broken by %s: %s",
          now(), e.holderRun(), e.node(), e.by(), e.outcome());
    } else if (event instanceof RunEvent.ReconcileRequired e) {
      line("%s ! %s needs a person: %s", now(), e.activityId(), e.reason());
    } else if (event instanceof RunEvent.RunEnded e && verbose) {
      // By default the outcome below says it.
      line("%s run ended: %s (%s)", now(), e.outcome(), e.message());
    }
    out.flush();
  }

  /** The failing command, bounded, and the tail of its output. */
  private void failed(FailedCommands.Failed f) {
    String command = String.join("\n      ", f.command());
    line("    %s$ %s", f.node(), command);
    if (f.commandLinesLeftOut() > 0) {
      line("      ... %d more lines of the command in the evidence", f.commandLinesLeftOut());
    }
    int shown = f.stdout().size() + f.stderr().size();
    line(
        "    %s exit %d%s%s",
        f.node(),
        f.exitStatus(),
        f.failure() == null ? "" : " (" + f.failure() + ")",
        shown == 0
            ? ", no output"
            : f.outputLinesLeftOut() > 0
                ? "; the last "
                    + shown
                    + " of "
                    + (shown + f.outputLinesLeftOut())
                    + " output lines (all in the evidence):"
                : ":");
    f.stdout().forEach(l -> line("      %s| %s", f.node(), l));
    f.stderr().forEach(l -> line("      %s err| %s", f.node(), l));
  }

  @Override
  public synchronized void output(String node, boolean stderr, String line) {
    if (verbose) {
      line("      %s%s| %s", node, stderr ? " err" : "", line);
      out.flush();
    }
  }

  @Override
  public synchronized void notice(String message) {
    line("%s %s", now(), message);
    out.flush();
  }

  @Override
  public synchronized void progress(String activityId, WaitProgress wait) {
    if (width > 0) {
      String text = now() + " " + wait.text();
      // Wider than the terminal, the line would wrap and \r would redraw only its last row.
      if (text.length() >= width) {
        text = text.substring(0, Math.max(0, width - 2)) + "…";
      }
      out.print("\r" + text + "\033[K");
      live = true;
      out.flush();
    } else if (throttle.due(activityId, wait)) {
      line("%s %s", now(), wait.text());
      out.flush();
    }
  }

  @Override
  public synchronized int outcome(RunOutcome outcome) {
    if (live) {
      out.print(ERASE_LINE);
      live = false;
    }
    return Outcomes.print(out, outcome);
  }
}
