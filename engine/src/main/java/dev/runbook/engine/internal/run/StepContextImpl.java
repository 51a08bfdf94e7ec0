package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.CommandResult;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.OutputListener;
import dev.runbook.engine.api.RemoteFailure;
import dev.runbook.engine.api.RemoteShell;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.StepContext;
import dev.runbook.engine.api.WaitProgress;
import dev.runbook.engine.internal.evidence.EvidenceEvents;
import dev.runbook.engine.internal.evidence.Redactor;
import dev.runbook.engine.internal.plan.PlanGuard;
import dev.runbook.engine.internal.ssh.RunMarker;
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
  private final PlanGuard.Known known;
  private volatile boolean probing;
  private volatile boolean marked;

  StepContextImpl(
      RunSession session, String activityId, List<Inventory.Member> nodes, Map<String, ?> inputs) {
    this.session = session;
    this.activityId = activityId;
    this.nodes = List.copyOf(nodes);
    Map<String, String> values = new java.util.LinkedHashMap<>();
    inputs.forEach((k, v) -> values.put(k, v == null ? null : String.valueOf(v)));
    values.values().removeIf(java.util.Objects::isNull);
    this.known = new PlanGuard.Known(session.runId, session.startedBy, values);
  }

  /**
   * A changing step's commands run under a run marker on the node (see {@link RunMarker}), so that
   * a resume can wait for one that outlived the engine before it probes; probes run unmarked.
   */
  void marked(boolean on) {
    marked = on;
  }

  /**
   * Waits on every node of the step until no command it sent before the engine stopped still runs
   * there (the engine's own command, recorded like any other, not a step's: the plan does not show
   * it). A node where one still runs after {@code bound} is a stop for a person.
   *
   * @return why the step must not go on, naming the node; empty when nothing runs any more
   */
  java.util.Optional<String> awaitEarlierCommands(Duration bound) {
    // Only where the step sent a command before: a node it never reached has nothing running.
    java.util.Set<String> sentTo =
        session.events().stream()
            .map(EvidenceEvents.Recorded::event)
            .filter(e -> e instanceof RunEvent.CommandSent c && activityId.equals(c.activityId()))
            .map(e -> ((RunEvent.CommandSent) e).node())
            .collect(java.util.stream.Collectors.toSet());
    RemoteShell shell = session.shell();
    for (Inventory.Member member : nodes) {
      if (!sentTo.contains(member.name())) {
        continue;
      }
      String command = RunMarker.awaitEarlier(session.runId, activityId, bound);
      Duration timeout = bound.plusSeconds(30);
      session.emit(
          new RunEvent.CommandSent(
              activityId,
              member.name(),
              member.host(),
              shell.connect(member.name()),
              command,
              shell.wireCommand(command, timeout)));
      long start = System.nanoTime();
      CommandResult r;
      try {
        r = shell.run(member.name(), command, timeout, OutputListener.NONE);
      } catch (RemoteFailure f) {
        session.emit(finished(member.name(), f.result(), f, start));
        throw f;
      }
      session.emit(finished(member.name(), r, null, start));
      if (r.exitStatus() == RunMarker.STILL_RUNNING) {
        return java.util.Optional.of(
            "a command this step sent before the engine stopped still runs on "
                + member.name()
                + " after "
                + bound.toSeconds()
                + " s ("
                + r.stderr().strip()
                + "): look at it there, then approve the reconcile to run the step again, or"
                + " reject it");
      }
      if (!r.ok()) {
        throw new RemoteFailure(
            dev.runbook.engine.api.FailureReason.NON_ZERO_EXIT,
            member.name(),
            "exit status " + r.exitStatus() + " from the wait for earlier commands: " + r.stderr(),
            r,
            null);
      }
    }
    return java.util.Optional.empty();
  }

  /** While the step's probe runs, its commands are checked against the plan's probes. */
  void probing(boolean on) {
    probing = on;
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
            .node(node)
            .orElseThrow(() -> new IllegalArgumentException("no member " + node + " in inventory"));
    RemoteShell shell = session.shell();
    session.allow(
        activityId,
        node,
        probing ? RunSession.Sent.PROBE : RunSession.Sent.COMMAND,
        session.redact(command),
        known);
    String fingerprint = shell.connect(node);
    String sent = marked && !probing ? RunMarker.wrap(session.runId, activityId, command) : command;
    session.emit(
        new RunEvent.CommandSent(
            activityId,
            node,
            member.host(),
            fingerprint,
            command,
            shell.wireCommand(sent, timeout)));
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
      CommandResult r = shell.run(node, sent, timeout, out);
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

  /**
   * Records a transfer or tunnel before it starts, with the host key the node presented (connecting
   * first, strictly, as for a command), so the evidence says which machine got or gave the file.
   */
  private void sent(RemoteShell shell, String node, String kind, String remote, String local) {
    String host = session.inventory.node(node).map(Inventory.Member::host).orElse(node);
    session.emit(
        new RunEvent.TransferSent(
            activityId, node, host, shell.connect(node), kind, remote, local));
  }

  @Override
  public void etcdRequest(String member, String request) {
    // The member it goes through is the step's choice of a healthy one, so not bound; the request
    // is, word for word.
    session.allow(activityId, member, RunSession.Sent.ETCD, session.redact(request), known);
    String host = session.inventory.node(member).map(Inventory.Member::host).orElse(member);
    // No host key: the request goes over etcd's TLS (through a tunnel, or straight), not a shell.
    session.emit(new RunEvent.TransferSent(activityId, member, host, null, "etcd", request, null));
  }

  /**
   * The run's shell for file transfer, guarded: an upload or write leaves only when the plan shows
   * it for this step and node; commands go through {@link #exec}, which records them.
   */
  @Override
  public RemoteShell shell() {
    RemoteShell shell = session.shell();
    return new RemoteShell() {
      @Override
      public CommandResult run(
          String node, String command, Duration timeout, OutputListener output) {
        throw new UnsupportedOperationException(
            "a step sends commands through StepContext.exec, which checks them against the plan"
                + " and records them");
      }

      @Override
      public byte[] read(String node, String path) {
        sent(shell, node, "read", path, null);
        return shell.read(node, path);
      }

      @Override
      public void write(String node, String path, byte[] content, int mode) {
        session.allow(
            activityId,
            node,
            RunSession.Sent.WRITE,
            RunSession.transfer(sha256(content), path),
            known);
        sent(
            shell,
            node,
            "write",
            path,
            "sha256:" + sha256(content) + " mode " + String.format("%04o", mode));
        shell.write(node, path, content, mode);
      }

      @Override
      public void upload(String node, java.nio.file.Path local, String remotePath) {
        session.allow(
            activityId,
            node,
            RunSession.Sent.UPLOAD,
            RunSession.transfer(local.toString(), remotePath),
            known);
        sent(shell, node, "upload", remotePath, local.toString());
        shell.upload(node, local, remotePath);
      }

      @Override
      public Forward forward(String node, String remoteHost, int remotePort) {
        sent(shell, node, "forward", remoteHost + ":" + remotePort, null);
        return shell.forward(node, remoteHost, remotePort);
      }

      @Override
      public String connect(String node) {
        return shell.connect(node);
      }

      @Override
      public String hostKeyFingerprint(String node) {
        return shell.hostKeyFingerprint(node);
      }

      @Override
      public String wireCommand(String command, Duration timeout) {
        return shell.wireCommand(command, timeout);
      }

      @Override
      public void close() {
        // The run's connections outlive a step: the session closes them.
      }
    };
  }

  @Override
  public void confirm(String node, String what, String value) {
    session.confirm(activityId, node, what, value);
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
    return sha256(s.getBytes(StandardCharsets.UTF_8));
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public java.util.Optional<Recorded> recorded(String runId, String activityId) {
    // runs/<id>/ of this home: a run id never holds a path separator (Runs.isRunId).
    java.nio.file.Path runs = session.runDir.getParent();
    if (runId == null || !dev.runbook.engine.api.Runs.isRunId(runId)) {
      return java.util.Optional.empty();
    }
    java.nio.file.Path dir = runs.resolve(runId);
    if (!java.nio.file.Files.isRegularFile(dir.resolve("evidence.jsonl"))) {
      return java.util.Optional.empty();
    }
    dev.runbook.engine.api.Runs.Verification v =
        dev.runbook.engine.api.Runs.verify(runs.getParent(), runId);
    // Leniently: the verification below tells the step whether this evidence can be trusted.
    List<EvidenceEvents.Recorded> events;
    try {
      events =
          EvidenceEvents.readable(dev.runbook.engine.internal.evidence.EvidenceReader.read(dir));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    Map<String, String> outputs = doneOutputs(events, activityId);
    if (outputs == null) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(
        new Recorded(runId, activityId, v.ok(), v.ok() ? null : v.problem(), Map.copyOf(outputs)));
  }

  /**
   * The outputs of the last {@code done} finish of {@code activityId} in {@code events}, each as
   * text, in the order recorded; null when it never finished done.
   */
  static Map<String, String> doneOutputs(List<EvidenceEvents.Recorded> events, String activityId) {
    Map<String, String> outputs = null;
    for (EvidenceEvents.Recorded r : events) {
      if (r.event() instanceof RunEvent.StepFinished f
          && activityId.equals(f.activityId())
          && f.outcome() == dev.runbook.engine.api.StepOutcome.DONE) {
        Map<String, String> o = new java.util.LinkedHashMap<>();
        if (f.outputs() != null) {
          f.outputs().forEach((name, value) -> o.put(name, outputText(value)));
        }
        outputs = o;
      }
    }
    return outputs;
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  /** An output as a step reads it back: text as it is, anything else as its JSON. */
  private static String outputText(Object value) {
    if (value instanceof String text) {
      return text;
    }
    try {
      return JSON.writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("an output read from JSON writes as JSON", e);
    }
  }
}
