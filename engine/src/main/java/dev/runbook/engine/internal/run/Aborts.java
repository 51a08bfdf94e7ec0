package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.Identity;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.internal.catalog.AbortPath;
import dev.runbook.engine.internal.evidence.EvidenceEvents;
import java.util.List;

/**
 * Ending a run before its end: at once when nothing destructive has started, by the runbook's abort
 * path (its rollback) when something has, and without rollback only when asked for plainly (and, in
 * a signed run, by a second person).
 */
final class Aborts {

  private final EngineCore core;

  Aborts(EngineCore core) {
    this.core = core;
  }

  /** Aborts the run {@code s} as {@code by} (see {@link EngineCore#abort}). */
  RunOutcome abort(
      RunSession s,
      String by,
      String comment,
      boolean noRollback,
      boolean confirmed,
      Identity identity) {
    core.recovery.recover(s);
    // A plain abort's statement cannot be used to skip the rollback: it is another action.
    Attestor.Attested who =
        core.gates.attest(
            s, noRollback ? EngineCore.ABORT_NO_ROLLBACK : "abort", "", "", comment, by, identity);
    Abort how = abortKind(s, noRollback, confirmed);
    if (how == Abort.NO_ROLLBACK && !s.inventory.approval().unsigned()) {
      String first = askedWithoutRollback(s, by);
      if (first == null) {
        Gatekeeper.recordVerified(s, who);
        return askSecondPerson(s, by, comment);
      }
      Gatekeeper.recordVerified(s, who);
      return abortRun(s, by, comment + " (asked first by " + first + ")", how);
    }
    Gatekeeper.recordVerified(s, who);
    return abortRun(s, by, comment, how);
  }

  /**
   * Who asked to end the run without rollback since it last moved (no step, decision or resume
   * after the ask), other than {@code by}; null if nobody did.
   *
   * @throws BadInputException if {@code by} asked already: a second person must
   */
  private static String askedWithoutRollback(RunSession s, String by) {
    EvidenceEvents.Recorded asked =
        dev.runbook.engine.internal.evidence.EvidenceReader.abortAsked(s.events());
    if (asked == null) {
      return null;
    }
    String first =
        java.util.Objects.toString(((RunEvent.AbortNoRollbackAsked) asked.event()).by(), "");
    if (first.equals(by)) {
      throw new BadInputException(
          by
              + " asked already (at "
              + asked.atText()
              + ") to end run "
              + s.runId
              + " without rollback: a second person must ask it too, with their own signed"
              + " `runbook abort "
              + s.runId
              + " --as NAME --comment WHY --no-rollback --confirm`. Nothing was changed.");
    }
    return first;
  }

  /** Records the first person's ask to end without rollback; the run stays as it is. */
  private RunOutcome askSecondPerson(RunSession s, String by, String comment) {
    List<String> left = WhatIsLeft.lines(s.events(), s.runbook.model());
    s.emit(new RunEvent.AbortNoRollbackAsked(by, comment, left));
    RunOutcome now = core.driver.settle(s);
    String message =
        "ending it without rollback was asked by "
            + by
            + " and needs a second person, so nothing was changed yet: another person ends it"
            + " with `runbook abort "
            + s.runId
            + " --as NAME --comment WHY --no-rollback --confirm`, leaving:\n"
            + leftText(left)
            + "\nor the run goes on (approve, resume, or a plain abort to roll back), which"
            + " withdraws the ask";
    return new RunOutcome(now.runId(), now.state(), s.redact(message), null);
  }

  /** How an abort ends a run. */
  enum Abort {
    /** No DESTRUCTIVE step started: nothing to undo, the run ends now. */
    NOTHING_TO_UNDO,
    /** The runbook's abort path runs; the run and its cluster lock end when it ends. */
    ROLL_BACK,
    /** Past a DESTRUCTIVE step, ended now as asked and confirmed, leaving what is left. */
    NO_ROLLBACK
  }

  /**
   * Decides how an abort of {@code s} goes, or refuses it before anything is recorded: past a
   * DESTRUCTIVE step a run ends only by the runbook's abort path, or by {@code --no-rollback} with
   * {@code --confirm}.
   */
  Abort abortKind(RunSession s, boolean noRollback, boolean confirmed) {
    List<EvidenceEvents.Recorded> evidence = s.events();
    List<String> destructive = WhatIsLeft.destructiveStarted(evidence);
    if (destructive.isEmpty()) {
      return Abort.NOTHING_TO_UNDO;
    }
    String left = leftText(WhatIsLeft.lines(evidence, s.runbook.model()));
    if (noRollback) {
      if (!confirmed) {
        // Signed, the person signed abort-no-rollback already; the confirmation says they read
        // what is left. A signed run then also needs a second person (askedWithoutRollback).
        throw new BadInputException(
            "run "
                + s.runId
                + " is past DESTRUCTIVE step(s) "
                + destructive
                + "; ending it without rollback leaves:\n"
                + left
                + "\nNothing was changed. If that is what you want, say so: add --confirm.");
      }
      return Abort.NO_ROLLBACK;
    }
    java.util.Optional<org.camunda.bpm.model.bpmn.instance.SubProcess> path =
        AbortPath.of(s.runbook.process());
    String noRollbackHint =
        "`runbook abort "
            + s.runId
            + " --as NAME --comment WHY --no-rollback --confirm` ends it and leaves that as it is.";
    if (path.isEmpty()) {
      throw new BadInputException(
          "run "
              + s.runId
              + " is past DESTRUCTIVE step(s) "
              + destructive
              + " and runbook "
              + s.runbook.id()
              + " models no abort path (an event subprocess started by the message '"
              + AbortPath.MESSAGE
              + "', docs/engine.md), so an abort cannot undo what it did:\n"
              + left
              + "\nNothing was changed. Finish the run (approve, resume), or "
              + noRollbackHint);
    }
    if (inAbortPath(s)) {
      throw new BadInputException(
          "run "
              + s.runId
              + " is already rolling back after an abort; its cluster stays locked until that"
              + " ends. `runbook resume "
              + s.runId
              + " --as NAME` tries a failed rollback step again; "
              + noRollbackHint
              + " What the run changed:\n"
              + left);
    }
    return Abort.ROLL_BACK;
  }

  private static String leftText(List<String> lines) {
    return lines.isEmpty() ? "  nothing" : "  - " + String.join("\n  - ", lines);
  }

  /** Whether the run is on its runbook's abort path (the abort path's scope is active). */
  boolean inAbortPath(RunSession s) {
    return AbortPath.of(s.runbook.process())
        .map(
            sp -> {
              org.camunda.bpm.engine.runtime.ActivityInstance tree =
                  core.engine().getRuntimeService().getActivityInstance(s.processInstanceId);
              return tree != null && tree.getActivityInstances(sp.getId()).length > 0;
            })
        .orElse(false);
  }

  RunOutcome abortRun(RunSession s, String by, String comment, Abort how) {
    List<String> left = WhatIsLeft.lines(s.events(), s.runbook.model());
    if (how == Abort.ROLL_BACK) {
      s.emit(new RunEvent.AbortRequested(by, comment, true, left));
      core.engine()
          .getRuntimeService()
          .createMessageCorrelation(AbortPath.MESSAGE)
          .processInstanceId(s.processInstanceId)
          .correlateWithResult();
      return core.driver.drive(s);
    }
    s.emit(new RunEvent.AbortRequested(by, comment, false, left));
    core.engine()
        .getRuntimeService()
        .deleteProcessInstance(s.processInstanceId, "aborted by " + by + ": " + comment, true);
    String message =
        how == Abort.NO_ROLLBACK
            ? "aborted without rollback by "
                + by
                + ": "
                + comment
                + "; left as it is:\n"
                + leftText(left)
            : "aborted by " + by + ": " + comment;
    s.nodeLock.releaseAll();
    s.emit(new RunEvent.RunEnded(RunState.ABORTED.label(), message, by));
    core.locks().release(s.inventory.cluster(), s.runId);
    return new RunOutcome(s.runId, RunState.ABORTED, s.redact(message), null);
  }
}
