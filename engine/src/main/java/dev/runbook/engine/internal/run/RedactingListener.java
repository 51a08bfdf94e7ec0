package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.api.WaitProgress;
import dev.runbook.engine.internal.evidence.EvidenceJournal;

/**
 * The engine's side of {@link RunListener}: whatever a run hands the console first goes through the
 * redactor of the run's evidence journal (secrets learned during the run too), so the console never
 * shows what the evidence does not keep. One redaction path for both.
 */
final class RedactingListener implements RunListener {

  private final RunListener listener;
  private final EvidenceJournal journal;

  RedactingListener(RunListener listener, EvidenceJournal journal) {
    this.listener = listener;
    this.journal = journal;
  }

  @Override
  public void event(RunEvent event) {
    listener.event(journal.redacted(event));
  }

  @Override
  public void output(String node, boolean stderr, String line) {
    listener.output(node, stderr, journal.redact(line));
  }

  @Override
  public void notice(String message) {
    listener.notice(journal.redact(message));
  }

  @Override
  public void progress(String activityId, WaitProgress wait) {
    listener.progress(
        activityId,
        new WaitProgress(
            journal.redact(wait.what()),
            wait.done(),
            wait.total(),
            journal.redact(wait.unit()),
            wait.elapsed(),
            wait.limit()));
  }
}
