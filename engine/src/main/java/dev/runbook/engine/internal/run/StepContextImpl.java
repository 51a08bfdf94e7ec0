package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.CommandResult;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.OutputListener;
import dev.runbook.engine.api.RemoteFailure;
import dev.runbook.engine.api.RemoteShell;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.StepContext;
import dev.runbook.engine.api.WaitProgress;
import dev.runbook.engine.internal.evidence.Redactor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** What a running step sees: every command it sends is recorded before and after it runs. */
final class StepContextImpl implements StepContext {

  private final RunSession session;
  private final String activityId;
  private final List<Inventory.Member> nodes;

  StepContextImpl(RunSession session, String activityId, List<Inventory.Member> nodes) {
    this.session = session;
    this.activityId = activityId;
    this.nodes = List.copyOf(nodes);
  }

  @Override
  public String runId() {
    return session.runId;
  }

  @Override
  public Inventory inventory() {
    return session.inventory;
  }

  @Override
  public Map<String, String> parameters() {
    return session.parameters;
  }

  @Override
  public List<Inventory.Member> nodes() {
    return nodes;
  }

  @Override
  public String render(String template, Map<String, Object> model) {
    return session.templates.render(template, model(model));
  }

  /** The model every template sees: the run, its parameters and the inventory. */
  Map<String, Object> model(Map<String, Object> extra) {
    return dev.runbook.engine.internal.plan.TemplateModel.of(
        session.runId, session.inventory, session.parameters, session.startedBy, extra);
  }

  @Override
  public CommandResult exec(String node, String command, Duration timeout) {
    Inventory.Member member =
        session
            .inventory
            .member(node)
            .orElseThrow(() -> new IllegalArgumentException("no member " + node + " in inventory"));
    RemoteShell shell = shell();
    String fingerprint = shell.connect(node);
    session.emit(
        new RunEvent.CommandSent(
            activityId,
            node,
            member.host(),
            fingerprint,
            command,
            shell.wireCommand(command, timeout)));
    long start = System.nanoTime();
    // Output goes to evidence as it arrives (a run killed mid-command keeps it), then to the
    // console line by line; a private key printed over several pieces reaches neither.
    Redactor.KeyBlocks outKeys = new Redactor.KeyBlocks();
    Redactor.KeyBlocks errKeys = new Redactor.KeyBlocks();
    OutputListener out =
        new OutputListener() {
          @Override
          public void lines(String n, boolean stderr, List<String> lines) {
            List<String> kept = (stderr ? errKeys : outKeys).filter(lines);
            if (kept.isEmpty()) {
              return;
            }
            session.emit(
                new RunEvent.CommandOutput(activityId, n, stderr ? "stderr" : "stdout", kept));
            for (String line : kept) {
              session.listener.output(n, stderr, line);
            }
          }
        };
    try {
      CommandResult r = shell.run(node, command, timeout, out);
      session.emit(finished(node, r, null, start));
      return r;
    } catch (RemoteFailure f) {
      session.emit(finished(node, f.result(), f, start));
      throw f;
    }
  }

  private RunEvent.CommandFinished finished(
      String node, CommandResult r, RemoteFailure failure, long startNanos) {
    String stdout = r == null ? "" : r.stdout();
    String stderr = r == null ? (failure == null ? "" : failure.getMessage()) : r.stderr();
    return new RunEvent.CommandFinished(
        activityId,
        node,
        r == null ? -1 : r.exitStatus(),
        (System.nanoTime() - startNanos) / 1_000_000,
        stdout,
        stderr,
        sha256(stdout),
        sha256(stderr),
        failure == null ? null : failure.reason());
  }

  @Override
  public RemoteShell shell() {
    return session.shell();
  }

  @Override
  public void artifact(String name, byte[] content) {
    try {
      session.listener.event(session.journal.artifact(activityId, name, content));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot keep artifact " + name, e);
    }
  }

  @Override
  public void progress(String message) {
    session.listener.notice(message);
  }

  @Override
  public void progress(WaitProgress wait) {
    session.listener.progress(activityId, wait);
  }

  static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
