package dev.runbook.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.Runs;
import dev.runbook.engine.api.StepOutcome;
import dev.runbook.engine.api.WaitProgress;
import java.io.PrintWriter;
import java.time.Clock;

/**
 * {@code --output json}: one JSON object per line (NDJSON) on stdout and nothing else there, for
 * chat-ops and tooling. Each has {@code type} and {@code at}. The run's events carry the type and
 * fields of their evidence records ({@code step.started}, {@code step.finished}, {@code
 * gate.decision}, ...; a failed {@code step.finished} adds {@code failedCommands}, bounded as on
 * the text console); {@code notice} and {@code wait.progress} are the steps' own lines; the last
 * line is {@code run.outcome} with the exit code and, at a gate, the commands that approve or
 * reject it, or {@code run.refused} for bad input ({@code run.error} for a fault nobody expected).
 * {@code --verbose} adds {@code command.sent}, {@code command.finished}, {@code node.lock.sent} and
 * one {@code command.line} per line of output. Everything reached it redacted as the evidence is.
 */
final class JsonConsole implements Console {

  /** Like status's and evidence's JSON, but one value per line. */
  static final ObjectMapper NDJSON =
      new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);

  private final PrintWriter out;
  private final boolean verbose;
  private final Clock clock;
  private final WaitThrottle throttle = new WaitThrottle();
  private final FailedCommands failures = new FailedCommands();

  JsonConsole(PrintWriter out, boolean verbose, Clock clock) {
    this.out = out;
    this.verbose = verbose;
    this.clock = clock;
  }

  private ObjectNode line(String type) {
    ObjectNode n = NDJSON.createObjectNode();
    n.put("type", type);
    n.put("at", clock.instant().toString());
    return n;
  }

  private void write(ObjectNode n) {
    try {
      out.println(NDJSON.writeValueAsString(n));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a JSON event", e);
    }
    out.flush();
  }

  @Override
  public synchronized void event(RunEvent event) {
    if (event instanceof RunEvent.CommandOutput) {
      return; // --verbose gets the lines one by one from output()
    }
    if (event instanceof RunEvent.StepStarted e) {
      failures.forget(e.activityId());
      throttle.reset(e.activityId());
    } else if (event instanceof RunEvent.CommandSent e) {
      failures.sent(e);
    } else if (event instanceof RunEvent.CommandFinished e) {
      failures.finished(e);
    }
    if (!verbose
        && (event instanceof RunEvent.CommandSent
            || event instanceof RunEvent.CommandFinished
            || event instanceof RunEvent.TransferSent
            || event instanceof RunEvent.NodeLockSent)) {
      return;
    }
    ObjectNode n = line(event.type());
    n.setAll((ObjectNode) NDJSON.valueToTree(event));
    if (event instanceof RunEvent.StepFinished e) {
      throttle.reset(e.activityId());
      if (e.outcome() == StepOutcome.FAILED) {
        n.set("failedCommands", NDJSON.valueToTree(failures.take(e.activityId())));
      } else {
        failures.forget(e.activityId());
      }
    }
    write(n);
  }

  @Override
  public synchronized void output(String node, boolean stderr, String text) {
    if (verbose) {
      ObjectNode n = line("command.line");
      n.put("node", node);
      n.put("stream", stderr ? "stderr" : "stdout");
      n.put("line", text);
      write(n);
    }
  }

  @Override
  public synchronized void notice(String message) {
    ObjectNode n = line("notice");
    n.put("message", message);
    write(n);
  }

  @Override
  public synchronized void progress(String activityId, WaitProgress wait) {
    if (!throttle.due(activityId, wait)) {
      return;
    }
    ObjectNode n = line("wait.progress");
    n.put("activityId", activityId);
    n.put("what", wait.what());
    n.put("done", wait.done());
    n.put("total", wait.total());
    n.put("unit", wait.unit());
    n.put("elapsedSeconds", wait.elapsed().toSeconds());
    if (wait.limit() != null) {
      n.put("limitSeconds", wait.limit().toSeconds());
    }
    n.put("text", wait.text());
    write(n);
  }

  @Override
  public synchronized int outcome(RunOutcome o) {
    ObjectNode n = line("run.outcome");
    n.put("runId", o.runId());
    n.put("state", o.state().label());
    n.put("exitCode", o.state().exitCode());
    if (o.message() != null) {
      n.put("message", o.message());
    }
    if (o.gate() != null && (o.state() == RunState.WAITING || o.state() == RunState.RECONCILE)) {
      ObjectNode gate = NDJSON.valueToTree(o.gate());
      gate.put("approve", Outcomes.approve(o));
      gate.put("reject", Outcomes.reject(o));
      n.set("gate", gate);
    }
    n.put("evidence", Outcomes.evidence(o));
    write(n);
    return o.state().exitCode();
  }

  @Override
  public synchronized void broke(RuntimeException e) {
    ObjectNode n = line("run.error");
    n.put("exitCode", Main.FAILED);
    n.put("message", Runs.describeFailure(e)); // one line, redacted, as on stderr
    write(n);
  }

  @Override
  public synchronized void refused(RuntimeException e) {
    ObjectNode n = line("run.refused");
    n.put("exitCode", Main.BAD_INPUT);
    n.put("message", Runs.redact(e.getMessage()));
    write(n);
  }
}
