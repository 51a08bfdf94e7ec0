package dev.runbook.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.runbook.engine.api.Runs;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Where runs stand, read from their evidence: the engine is not booted. */
@Command(name = "status", description = "List runs, or show one, from their evidence.")
final class StatusCommand implements Callable<Integer> {

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @ParentCommand RunbookCommand root;
  @Spec CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "RUN", description = "A run id.")
  String run;

  @Option(names = "--output", paramLabel = "FORMAT", description = "text (default) or json.")
  String output = "text";

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    List<Runs.Summary> runs =
        run == null ? Runs.list(root.home()) : List.of(Runs.summary(root.home(), run));
    if (output.equals("json")) {
      out.println(JSON.writeValueAsString(run == null ? runs : runs.get(0)));
      return Main.DONE;
    }
    if (!output.equals("text")) {
      throw new dev.runbook.engine.api.BadInputException("--output " + output + ": text or json");
    }
    if (runs.isEmpty()) {
      out.println("no runs in " + root.home());
    }
    for (Runs.Summary s : runs) {
      out.printf(
          "%s  %-12s %-24s cluster %-10s by %-8s started %s%n",
          s.runId(), s.state(), s.runbook(), s.cluster(), s.startedBy(), s.startedAt());
      if (run != null) {
        if (s.lastStep() != null) {
          out.println("  last step: " + s.lastStep());
        }
        if (s.message() != null) {
          out.println("  " + s.message());
        }
      }
      if (s.pendingGate() != null) {
        Runs.Gate g = s.pendingGate();
        out.printf(
            "  waiting at %s (%s): %d of %d approvals%s%n",
            g.activityId(),
            g.name(),
            g.approvals().size(),
            g.approversRequired(),
            g.expiresAt() == null ? "" : ", fails closed at " + g.expiresAt());
        if (expired(g.expiresAt())) {
          // No process watches the clock (ADR 3): the timeout fires when a command next drives
          // the run, and any approval now is refused.
          out.printf(
              "  the gate's time ran out; it fails closed when the run is next driven: runbook"
                  + " resume %s --as NAME%n",
              s.runId());
        } else {
          out.printf(
              "  runbook approve %s %s --as NAME --comment \"what you checked\"%n",
              s.runId(), g.activityId());
        }
      }
      for (Runs.Held h : s.held()) {
        out.printf(
            "  held for %s: approved ahead by %s at %s%s; opens the gate when the run reaches it%n",
            h.gate(),
            h.by(),
            h.at(),
            h.keyFingerprint() == null ? "" : " (key " + h.keyFingerprint() + ")");
      }
      if (s.abortAsked() != null) {
        out.printf(
            "  %s asked at %s to end it WITHOUT rollback (%s); a second person ends it: runbook"
                + " abort %s --as NAME --comment WHY --no-rollback --confirm%n",
            s.abortAsked().by(), s.abortAsked().at(), s.abortAsked().comment(), s.runId());
      }
      if (s.state().equals("rolling-back")) {
        out.printf(
            "  aborted: its abort path rolls back and holds cluster %s until it ends; if the last"
                + " step failed, runbook resume %s --as NAME tries it again%n",
            s.cluster(), s.runId());
      }
      if (s.state().equals("interrupted")) {
        out.printf("  no process drives it: runbook resume %s --as NAME%n", s.runId());
      }
    }
    return Main.DONE;
  }

  private static boolean expired(String expiresAt) {
    try {
      return expiresAt != null
          && java.time.Instant.parse(expiresAt).isBefore(java.time.Instant.now());
    } catch (java.time.format.DateTimeParseException e) {
      return false; // shown as recorded above
    }
  }
}
