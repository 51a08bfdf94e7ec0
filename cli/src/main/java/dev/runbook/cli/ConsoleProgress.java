package dev.runbook.cli;

import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.RunListener;
import java.io.PrintWriter;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/** Prints a run as it happens: a line per step start and end, remote output beneath. */
final class ConsoleProgress implements RunListener {

  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
  private final PrintWriter out;

  ConsoleProgress(PrintWriter out) {
    this.out = out;
  }

  private String now() {
    return LocalTime.now().format(CLOCK);
  }

  @Override
  public void event(RunEvent event) {
    if (event instanceof RunEvent.RunStarted e) {
      out.printf(
          "%s run %s: %s on cluster %s, started by %s%n",
          now(), e.runId(), e.runbook(), e.cluster(), e.startedBy());
    } else if (event instanceof RunEvent.StepStarted e) {
      out.printf(
          "%s > %s [%s, %s]%s%s%n",
          now(),
          e.name() == null ? e.activityId() : e.name(),
          e.step(),
          e.effect(),
          e.nodes().isEmpty() ? "" : " on " + String.join(", ", e.nodes()),
          e.attempt() > 1 ? " attempt " + e.attempt() : "");
    } else if (event instanceof RunEvent.CommandSent e) {
      out.printf("    %s$ %s%n", e.node(), e.command().replace("\n", "\n      "));
    } else if (event instanceof RunEvent.CommandFinished e) {
      out.printf(
          "    %s exit %d after %d ms%s%n",
          e.node(),
          e.exitStatus(),
          e.durationMillis(),
          e.failure() == null ? "" : " (" + e.failure() + ")");
    } else if (event instanceof RunEvent.StepFinished e) {
      out.printf(
          "%s %s %s: %s after %.1f s%s%n",
          now(),
          e.outcome().equals("failed") ? "x" : "<",
          e.activityId(),
          e.outcome(),
          e.durationMillis() / 1000.0,
          e.message() == null ? "" : " (" + e.message() + ")");
    } else if (event instanceof RunEvent.GateDecision e) {
      out.printf(
          "%s gate %s: %s by %s%s%s%n",
          now(),
          e.activityId(),
          e.decision(),
          e.by(),
          e.approversRequired() > 1
              ? " (" + e.approvals() + " of " + e.approversRequired() + " approvals)"
              : "",
          e.planSha256() == null ? "" : "; plan " + e.planSha256());
    } else if (event instanceof RunEvent.PlanDrifted e) {
      out.printf(
          "%s x %s not run: its commands differ from plan %s:%n%s%n",
          now(), e.activityId(), e.planSha256(), e.diff().indent(4).stripTrailing());
    } else if (event instanceof RunEvent.ReconcileRequired e) {
      out.printf("%s ! %s needs a person: %s%n", now(), e.activityId(), e.reason());
    } else if (event instanceof RunEvent.RunEnded e) {
      out.printf("%s run ended: %s (%s)%n", now(), e.outcome(), e.message());
    }
    out.flush();
  }

  @Override
  public void output(String node, boolean stderr, String line) {
    out.printf("      %s%s| %s%n", node, stderr ? " err" : "", line);
    out.flush();
  }

  @Override
  public void notice(String message) {
    out.println(now() + " " + message);
    out.flush();
  }
}
