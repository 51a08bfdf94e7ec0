package dev.runbook.engine.internal.evidence;

import static dev.runbook.engine.internal.evidence.EvidenceFormat.JOURNAL_FILE;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.Decision;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.internal.evidence.RunSummary.LastStep;
import dev.runbook.engine.internal.evidence.RunSummary.PendingGate;
import dev.runbook.engine.internal.evidence.RunSummary.State;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads a run's evidence for {@code status}, {@code evidence} and reports, without the engine.
 * Lines that are not JSON records (a record torn by a crash) are skipped: judging them is {@link
 * EvidenceVerifier}'s job, and a status must still answer after a crash. Nothing here checks the
 * chain.
 */
public final class EvidenceReader {

  private EvidenceReader() {}

  /**
   * Every record of the run, in file order.
   *
   * @throws java.nio.file.NoSuchFileException if the run has no evidence.jsonl
   */
  public static List<JsonNode> read(Path runDir) throws IOException {
    List<JsonNode> records = new ArrayList<>();
    forEach(runDir, records::add);
    return records;
  }

  /**
   * The run's records with the SHA-256 of each one's line as written: what a person's statement
   * names when it says which evidence it was made on (see {@link #chain(Path)}).
   *
   * @param records every record, in file order
   * @param lineHashes the SHA-256 of each record's line, in the same order
   */
  public record Chain(List<JsonNode> records, List<String> lineHashes) {

    /** A run not started yet. */
    public static final Chain EMPTY = new Chain(List.of(), List.of());

    public Chain {
      records = List.copyOf(records);
      lineHashes = List.copyOf(lineHashes);
    }

    /** How many records there are. */
    public int count() {
      return records.size();
    }

    /** The SHA-256 of the last record's line (the chain's head); 64 zeros when there is none. */
    public String head() {
      return hashOf(count());
    }

    /**
     * The head of the first {@code n} records: 64 zeros for none.
     *
     * @throws IndexOutOfBoundsException if there are fewer records
     */
    public String hashOf(long n) {
      return n == 0 ? EvidenceFormat.ZERO_HASH : lineHashes.get(Math.toIntExact(n - 1));
    }
  }

  /**
   * Every record of the run with its line's hash, in file order.
   *
   * @throws java.nio.file.NoSuchFileException if the run has no evidence.jsonl
   */
  public static Chain chain(Path runDir) throws IOException {
    List<JsonNode> records = new ArrayList<>();
    List<String> hashes = new ArrayList<>();
    try (LineReader lines = new LineReader(Files.newInputStream(runDir.resolve(JOURNAL_FILE)))) {
      for (LineReader.Line line; (line = lines.next()) != null; ) {
        JsonNode record = line.terminated() ? EvidenceFormat.parseObject(line.bytes()) : null;
        if (record != null) {
          records.add(record);
          hashes.add(EvidenceFormat.sha256Hex(line.bytes()));
        }
      }
    }
    return new Chain(records, hashes);
  }

  /** Every record of the run, in file order, one at a time (evidence can be large). */
  public static void forEach(Path runDir, Consumer<JsonNode> action) throws IOException {
    try (LineReader lines = new LineReader(Files.newInputStream(runDir.resolve(JOURNAL_FILE)))) {
      for (LineReader.Line line; (line = lines.next()) != null; ) {
        JsonNode record = line.terminated() ? EvidenceFormat.parseObject(line.bytes()) : null;
        if (record != null) {
          action.accept(record);
        }
      }
    }
  }

  /**
   * The standing ask to end a signed run without rollback ({@code abort.no-rollback.asked}) that
   * the run has not moved on from since (no step, gate decision or resume after it), or null; its
   * event is an {@link RunEvent.AbortNoRollbackAsked}.
   */
  public static EvidenceEvents.Recorded abortAsked(List<EvidenceEvents.Recorded> events) {
    EvidenceEvents.Recorded asked = null;
    for (EvidenceEvents.Recorded r : events) {
      RunEvent e = r.event();
      if (e instanceof RunEvent.AbortNoRollbackAsked) {
        asked = r;
      } else if (e instanceof RunEvent.StepStarted
          || e instanceof RunEvent.GateDecision
          || e instanceof RunEvent.RunResumed) {
        asked = null;
      }
    }
    return asked;
  }

  /**
   * Where the run in {@code runDir} stands; see {@link #summarize(List)}. Records that cannot be
   * read as events are left out ({@link EvidenceEvents#readable(JsonNode)}).
   */
  public static RunSummary summarize(Path runDir) throws IOException {
    Summarizer s = new Summarizer();
    forEach(
        runDir,
        r -> {
          EvidenceEvents.Recorded e = EvidenceEvents.readable(r);
          if (e != null) {
            s.accept(e);
          }
        });
    return s.summary();
  }

  /**
   * Where a run stands after these events, in order:
   *
   * <ul>
   *   <li>the last run.ended decides, by its outcome, unless a run.resumed came after it;
   *   <li>else {@code rolling-back} if an abort.requested with rollback came (the abort path runs
   *       until a run.ended);
   *   <li>else {@code reconcile} if a reconcile.required came after the last step.started (and no
   *       run.resumed after it);
   *   <li>else {@code waiting} if the last gate.pending is still open: no later gate.decision of
   *       that gate rejected it, expired it, or brought its approvals to the number required (a
   *       gate needing two approvers stays open after one);
   *   <li>else {@code running}.
   * </ul>
   */
  public static RunSummary summarize(List<EvidenceEvents.Recorded> events) {
    Summarizer s = new Summarizer();
    events.forEach(s::accept);
    return s.summary();
  }

  private static final class Summarizer {
    private EvidenceEvents.Recorded started;
    private EvidenceEvents.Recorded ended;
    private boolean reconcile;
    private boolean rollingBack;
    private PendingGate gate;
    private LastStep lastStep;

    void accept(EvidenceEvents.Recorded r) {
      RunEvent e = r.event();
      if (e instanceof RunEvent.RunStarted) {
        started = r;
      } else if (e instanceof RunEvent.RunEnded) {
        ended = r;
      } else if (e instanceof RunEvent.RunResumed) {
        ended = null;
        reconcile = false;
      } else if (e instanceof RunEvent.StepStarted s) {
        lastStep = new LastStep(s.activityId(), s.name());
        reconcile = false;
      } else if (e instanceof RunEvent.ReconcileRequired) {
        reconcile = true;
      } else if (e instanceof RunEvent.AbortRequested a) {
        rollingBack = a.rollback();
      } else if (e instanceof RunEvent.GatePending p) {
        // 0: a record of a version that did not write it; a gate needs one approver at least.
        gate =
            new PendingGate(
                p.activityId(),
                p.name(),
                0,
                p.approversRequired() > 0 ? p.approversRequired() : 1,
                p.expiresAt());
      } else if (e instanceof RunEvent.GateDecision d) {
        decide(d);
      }
    }

    private void decide(RunEvent.GateDecision d) {
      if (gate == null || !gate.activityId().equals(d.activityId())) {
        return;
      }
      if (d.decision() != Decision.APPROVED) {
        gate = null; // rejected or expired: the gate is closed either way
        return;
      }
      // 0: a record of a version that did not count (an approval counts one at least).
      int approvals = d.approvals() > 0 ? d.approvals() : gate.approvals() + 1;
      int required = d.approversRequired() > 0 ? d.approversRequired() : gate.required();
      gate =
          approvals >= required
              ? null
              : new PendingGate(
                  gate.activityId(), gate.name(), approvals, required, gate.expiresAt());
    }

    RunSummary summary() {
      RunEvent.RunStarted s = started == null ? null : (RunEvent.RunStarted) started.event();
      RunEvent.RunEnded end = ended == null ? null : (RunEvent.RunEnded) ended.event();
      State state;
      if (end != null) {
        state = State.ofOutcome(end.outcome());
      } else if (rollingBack) {
        state = State.ROLLING_BACK;
      } else if (reconcile) {
        state = State.RECONCILE;
      } else if (gate != null) {
        state = State.WAITING;
      } else {
        state = State.RUNNING;
      }
      return new RunSummary(
          s == null ? null : s.runId(),
          s == null ? null : s.runbook(),
          s == null ? null : s.cluster(),
          s == null ? null : s.startedBy(),
          started == null ? null : started.atText(),
          state,
          state == State.WAITING ? gate : null,
          ended == null ? null : ended.atText(),
          end == null ? null : end.message(),
          lastStep);
    }
  }
}
