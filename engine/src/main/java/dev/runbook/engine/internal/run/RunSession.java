package dev.runbook.engine.internal.run;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.RemoteShell;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.Step;
import dev.runbook.engine.internal.catalog.Catalog;
import dev.runbook.engine.internal.evidence.EvidenceEvents;
import dev.runbook.engine.internal.evidence.EvidenceJournal;
import dev.runbook.engine.internal.evidence.EvidenceReader;
import dev.runbook.engine.internal.evidence.Redactor;
import dev.runbook.engine.internal.plan.Plan;
import dev.runbook.engine.internal.plan.PlanDiff;
import dev.runbook.engine.internal.plan.PlanGuard;
import dev.runbook.engine.internal.plan.Planner;
import dev.runbook.engine.internal.ssh.SshRemoteShell;
import dev.runbook.engine.internal.template.TemplateRenderer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One run as seen by one engine process: its inventory, parameters, evidence journal and SSH
 * connections. A later process (approve, resume) opens a new session on the same run dir; the
 * journal continues the chain.
 */
public final class RunSession implements AutoCloseable {

  final String runId;
  volatile String processInstanceId;
  final Catalog.Entry runbook;
  final Inventory inventory;
  final Map<String, String> parameters;
  final String startedBy;
  final Path runDir;
  final EvidenceJournal journal;
  final TemplateRenderer templates;
  final RunListener listener;
  final Sealer sealer;
  private RemoteShell shell;
  private Plan plan;
  private Map<String, Step<?, ?>> steps;
  private Redactor redactor;
  private dev.runbook.engine.internal.plan.SecretDigest secrets;

  /** The last step failure, so that a run ending on an error path says what failed. */
  volatile String lastFailure;

  RunSession(
      String runId,
      String processInstanceId,
      Catalog.Entry runbook,
      Inventory inventory,
      Map<String, String> parameters,
      String startedBy,
      Path runDir,
      EvidenceJournal journal,
      TemplateRenderer templates,
      RunListener listener,
      Sealer sealer) {
    this.runId = runId;
    this.processInstanceId = processInstanceId;
    this.runbook = runbook;
    this.inventory = inventory;
    this.parameters = Map.copyOf(parameters);
    this.startedBy = startedBy;
    this.runDir = runDir;
    this.journal = journal;
    this.templates = templates;
    // The console sees what the evidence keeps, never more: redacted at this boundary.
    this.listener = new RedactingListener(listener, journal);
    this.sealer = sealer;
  }

  /**
   * A step's output as the engine database keeps it: a text the evidence would redact (it holds a
   * secret value or a secret's shape) sealed, anything else as it is. Opened again by the delegate
   * of the step that reads it as an input.
   */
  Object stored(String name, Object value) {
    if (value instanceof String text && !redact(text).equals(text)) {
      return sealer.seal(name, text);
    }
    return value;
  }

  /** The text as the run's evidence would keep it: for what leaves the engine other than events. */
  String redact(String text) {
    return journal.redact(text);
  }

  /**
   * Binds the run to its plan: gates approve it, and MUTATING and DESTRUCTIVE steps are checked.
   */
  void bind(
      Plan plan,
      Map<String, Step<?, ?>> steps,
      Redactor redactor,
      dev.runbook.engine.internal.plan.SecretDigest secrets,
      boolean renderedHere) {
    this.plan = plan;
    this.steps = steps;
    this.redactor = redactor;
    this.secrets = secrets;
    // This process made the plan from what it has: nothing to re-render.
    this.renderedHere = renderedHere;
  }

  /** The plan the run is bound to, or null for a run started before plans. */
  Plan plan() {
    return plan;
  }

  /** The run's lock on the nodes (docs/engine.md, "One run per node"). */
  final NodeLock nodeLock = new NodeLock(this);

  /** The hash of the plan the run is bound to, or null for a run started before plans. */
  String planSha256() {
    return plan == null ? null : plan.sha256();
  }

  // What this process renders for each step checked so far: the runbook, steps, inventory,
  // parameters and templates (read once per process, TemplateRenderer) cannot change under it.
  private final Map<String, Plan.Entry> replanned = new HashMap<>();
  private boolean renderedHere;

  /**
   * Re-renders the step's part of the plan from the templates, runbook and steps this process has
   * now (replaying the plan's probe output, so nothing is read from the nodes) and compares it with
   * the plan the run is bound to. Only the step about to run is rendered: a restore planned the
   * whole runbook again before every changing step (issue 15 counted six plans per restore), and
   * later one whole plan per process.
   *
   * @throws RunbookError STEP_FAILED, after recording the difference, when they differ
   */
  void checkPlan(String activityId) {
    if (plan == null || renderedHere) {
      return;
    }
    Plan.Entry now = replanned.get(activityId);
    if (now == null) {
      try {
        now =
            Planner.entry(
                runbook,
                steps,
                inventory,
                parameters,
                templates,
                Planner.Reader.replay(plan),
                redactor,
                secrets,
                activityId);
      } catch (BadInputException e) {
        drifted(activityId, "the step can no longer be planned: " + e.getMessage());
        return;
      }
      replanned.put(activityId, now);
    }
    Plan.Entry approved = plan.entry(activityId);
    if (!java.util.Objects.equals(approved, now)) {
      drifted(activityId, PlanDiff.of(approved, now));
    }
  }

  private void drifted(String activityId, String diff) {
    emit(new RunEvent.PlanDrifted(activityId, plan.sha256(), diff));
    throw new RunbookError(
        ErrorCode.STEP_FAILED,
        "not run: what "
            + activityId
            + " would send differs from plan "
            + plan.sha256()
            + " (- plan, + now):\n"
            + diff);
  }

  /** What a step may ask the engine to send, as the guard sorts it. */
  enum Sent {
    COMMAND("command"),
    PROBE("probe"),
    UPLOAD("upload"),
    WRITE("write"),
    /** A request that changes the etcd cluster, sent through a member (any: not bound). */
    ETCD("etcd");

    final String label;

    Sent(String label) {
      this.label = label;
    }
  }

  /**
   * Lets {@code text} leave for {@code node} only when the bound plan shows it for this step and
   * node (placeholders filled in with what the run knows), whatever the step's effect; records what
   * any other placeholder stood for. Runs started before plans (no bound plan) are not checked.
   *
   * @param text a command as evidence keeps it (redacted), or a transfer as {@link #transfer}
   * @throws RunbookError STEP_FAILED, after a {@code plan.refused} record, when it is not planned
   */
  void allow(String activityId, String node, Sent kind, String text, PlanGuard.Known known) {
    if (plan == null) {
      return;
    }
    Plan.Entry entry = plan.entry(activityId);
    List<String> planned = new java.util.ArrayList<>();
    if (entry != null) {
      switch (kind) {
        case COMMAND -> collect(entry.commands(), node, planned);
        case PROBE -> {
          // A probe may repeat one of the step's own commands (the same read-only check).
          collect(entry.probes(), node, planned);
          collect(entry.commands(), node, planned);
        }
        case ETCD -> planned.addAll(entry.etcd());
        case UPLOAD, WRITE ->
            entry.transfers().stream()
                .filter(t -> t.node().equals(node) && t.kind().equals(kind.label))
                .forEach(t -> planned.add(transfer(t.source(), t.target())));
      }
    }
    PlanGuard.Verdict v =
        PlanGuard.check(planned, text, known, kind == Sent.COMMAND || kind == Sent.PROBE);
    if (!v.allowed()) {
      refuse(activityId, node, kind.label, text, v.difference());
    }
    if (!v.resolved().isEmpty()) {
      emit(new RunEvent.PlanResolved(activityId, node, v.resolved()));
    }
  }

  /** A transfer as the guard compares it: what goes where. */
  static String transfer(String source, String target) {
    return source + " → " + target;
  }

  /**
   * A value a step read live that its plan may have bound (a probed reading, a file's digest): the
   * step goes on only when it is the bound one; a value the plan did not read is recorded.
   *
   * @throws RunbookError STEP_FAILED, after a {@code plan.refused} record, when it differs
   */
  void confirm(String activityId, String node, String what, String live) {
    if (plan == null) {
      return;
    }
    Plan.Entry entry = plan.entry(activityId);
    String bound =
        entry == null
            ? null
            : entry.discovered().stream()
                .filter(d -> d.node().equals(node) && d.what().equals(what))
                .map(Plan.Discovered::value)
                .findFirst()
                .orElse(null);
    String shown = redact(live);
    if (bound == null) {
      emit(new RunEvent.PlanResolved(activityId, node, Map.of(what, shown)));
    } else if (!bound.equals(shown)) {
      refuse(
          activityId,
          node,
          "reading",
          what + ": " + shown,
          PlanDiff.lines(what + ": " + bound, what + ": " + shown));
    }
  }

  private static void collect(List<Plan.Command> commands, String node, List<String> into) {
    commands.stream().filter(c -> c.node().equals(node)).forEach(c -> into.add(c.command()));
  }

  private void refuse(String activityId, String node, String kind, String text, String diff) {
    emit(new RunEvent.PlanRefused(activityId, node, kind, plan.sha256(), text, diff));
    throw new RunbookError(
        ErrorCode.STEP_FAILED,
        "not sent: "
            + activityId
            + " asked for a "
            + kind
            + " on "
            + node
            + " that plan "
            + plan.sha256()
            + " does not show (- plan, + asked):\n"
            + diff);
  }

  /** Keeps a file of the run itself (not of a step) as an artifact. */
  void artifact(String name, byte[] content) {
    try {
      listener.event(journal.artifact(null, name, content));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot keep artifact " + name, e);
    }
  }

  private final FsyncPolicy fsyncs = new FsyncPolicy();

  /**
   * Writes the event to evidence, then tells the console. Every record is on disk (fsynced) before
   * the step ends, and a changing step's before any of its commands leaves; see {@link
   * FsyncPolicy}.
   */
  public void emit(RunEvent event) {
    replay();
    try {
      journal.append(event, !fsyncs.canWait(event));
    } catch (java.io.IOException e) {
      // No evidence, no step: the run must not go on without its record.
      throw new java.io.UncheckedIOException("cannot write evidence in " + runDir, e);
    }
    synchronized (this) {
      track(event);
    }
    listener.event(event);
  }

  private java.util.function.Function<Inventory, RemoteShell> shells = SshRemoteShell::new;

  /** How this session reaches the nodes: SSH unless the engine was opened with other shells. */
  void shells(java.util.function.Function<Inventory, RemoteShell> f) {
    shells = f;
  }

  synchronized RemoteShell shell() {
    if (shell == null) {
      shell = shells.apply(inventory);
    }
    return shell;
  }

  /** The run's evidence so far, as written (a torn last line is skipped). */
  List<JsonNode> evidence() {
    try {
      return EvidenceReader.read(runDir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The run's evidence so far as its events (a torn last line is skipped). */
  List<EvidenceEvents.Recorded> events() {
    return EvidenceEvents.of(evidence());
  }

  /** The run's evidence so far with each record's line hash: what a statement names. */
  EvidenceReader.Chain chain() {
    try {
      return EvidenceReader.chain(runDir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Keeps the allowed-signers file a statement was checked against, byte for byte. The caller asks
   * only when the run holds no copy with that digest yet (the file rarely changes within a run).
   */
  void keepAllowedSigners(byte[] content) {
    try {
      listener.event(journal.artifactVerbatim(null, ALLOWED_SIGNERS, content));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot keep the allowed-signers file", e);
    }
  }

  /** The name under which a run keeps the allowed-signers files its statements were checked by. */
  static final String ALLOWED_SIGNERS = "allowed_signers";

  // What the delegate asks before every step, kept up to date as events are emitted (one
  // process drives a run at a time) instead of re-reading the evidence per step.
  private final Map<String, Integer> startsByJob = new HashMap<>();
  private final Map<String, String> openJobByActivity = new HashMap<>();
  private final Map<String, Boolean> reconcileApproved = new HashMap<>();
  private boolean replayed;

  private void track(RunEvent e) {
    if (e instanceof RunEvent.StepStarted s) {
      startsByJob.merge(s.jobId(), 1, Integer::sum);
      openJobByActivity.put(s.activityId(), s.jobId());
    } else if (e instanceof RunEvent.StepFinished f) {
      openJobByActivity.remove(f.activityId());
    } else if (e instanceof RunEvent.ReconcileRequired r) {
      reconcileApproved.put(r.activityId(), false);
    } else if (e instanceof RunEvent.GateDecision d
        && EngineCore.RECONCILE.equals(d.name())
        && reconcileApproved.containsKey(d.activityId())) {
      reconcileApproved.put(
          d.activityId(), d.decision() == dev.runbook.engine.api.Decision.APPROVED);
    }
  }

  private synchronized void replay() {
    if (!replayed) {
      for (EvidenceEvents.Recorded r : events()) {
        track(r.event());
      }
      replayed = true;
    }
  }

  /**
   * Was this activity's step started and never finished? That is a step in flight when an engine
   * process died: its job is being executed again. Asked by activity, not by job: the evidence is
   * fsynced, the engine's database may not be, and a database that lost the last commit of a killed
   * process (seen with H2 on SIGKILL under load) runs the activity again under a new job.
   */
  synchronized boolean inFlight(String activityId) {
    replay();
    return openJobByActivity.containsKey(activityId);
  }

  /**
   * How many times this step was started before in the job now running it, or in the job that had
   * it in flight.
   */
  synchronized int attempts(String jobId, String activityId) {
    replay();
    return startsByJob.getOrDefault(openJobByActivity.getOrDefault(activityId, jobId), 0);
  }

  /** A person approved running this step again after the last reconcile.required for it. */
  synchronized boolean reconcileApproved(String activityId) {
    replay();
    return reconcileApproved.getOrDefault(activityId, false);
  }

  @Override
  public synchronized void close() {
    if (shell != null) {
      shell.close();
      shell = null;
    }
    try {
      journal.close();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
