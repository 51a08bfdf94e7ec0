package dev.runbook.engine.internal.run;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.RemoteShell;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.internal.catalog.Catalog;
import dev.runbook.engine.internal.evidence.EvidenceJournal;
import dev.runbook.engine.internal.evidence.EvidenceReader;
import dev.runbook.engine.internal.ssh.SshRemoteShell;
import dev.runbook.engine.internal.template.TemplateRenderer;
import java.nio.file.Path;
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
  private RemoteShell shell;

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
      RunListener listener) {
    this.runId = runId;
    this.processInstanceId = processInstanceId;
    this.runbook = runbook;
    this.inventory = inventory;
    this.parameters = Map.copyOf(parameters);
    this.startedBy = startedBy;
    this.runDir = runDir;
    this.journal = journal;
    this.templates = templates;
    this.listener = listener;
  }

  /** Writes the event to evidence (durably), then tells the console. */
  public void emit(RunEvent event) {
    try {
      journal.append(event);
    } catch (java.io.IOException e) {
      // No evidence, no step: the run must not go on without its record.
      throw new java.io.UncheckedIOException("cannot write evidence in " + runDir, e);
    }
    listener.event(event);
  }

  synchronized RemoteShell shell() {
    if (shell == null) {
      shell = new SshRemoteShell(inventory);
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

  /**
   * Was this job's step started and never finished? That is a step in flight when an engine process
   * died: the job is being executed again.
   */
  boolean inFlight(String jobId, String activityId) {
    boolean open = false;
    for (JsonNode r : evidence()) {
      String type = r.path("type").asText();
      if (type.equals("step.started") && jobId.equals(r.path("jobId").asText())) {
        open = true;
      } else if (type.equals("step.finished") && activityId.equals(r.path("activityId").asText())) {
        open = false;
      }
    }
    return open;
  }

  /** How many times this job's step was started before. */
  int attempts(String jobId) {
    int n = 0;
    for (JsonNode r : evidence()) {
      if (r.path("type").asText().equals("step.started")
          && jobId.equals(r.path("jobId").asText())) {
        n++;
      }
    }
    return n;
  }

  /** A person approved running this step again after the last reconcile.required for it. */
  boolean reconcileApproved(String activityId) {
    boolean required = false;
    boolean approved = false;
    for (JsonNode r : evidence()) {
      String type = r.path("type").asText();
      if (!activityId.equals(r.path("activityId").asText())) {
        continue;
      }
      if (type.equals("reconcile.required")) {
        required = true;
        approved = false;
      } else if (type.equals("gate.decision") && "reconcile".equals(r.path("name").asText())) {
        approved = "approved".equals(r.path("decision").asText());
      }
    }
    return required && approved;
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
