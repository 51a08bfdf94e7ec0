package dev.runbook.engine.internal.evidence;

import static dev.runbook.engine.internal.evidence.EvidenceFormat.JOURNAL_FILE;

import com.fasterxml.jackson.databind.JsonNode;
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
   * the run has not moved on from since (no step, gate decision or resume after it), or null.
   */
  public static JsonNode abortAsked(Iterable<? extends JsonNode> records) {
    JsonNode asked = null;
    for (JsonNode r : records) {
      switch (r.path("type").asText()) {
        case "abort.no-rollback.asked" -> asked = r;
        case "step.started", "gate.decision", "run.resumed" -> asked = null;
        default -> {}
      }
    }
    return asked;
  }

  /** Where the run in {@code runDir} stands; see {@link #summarize(Iterable)}. */
  public static RunSummary summarize(Path runDir) throws IOException {
    Summarizer s = new Summarizer();
    forEach(runDir, s::accept);
    return s.summary();
  }

  /**
   * Where a run stands after these records, in order:
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
  public static RunSummary summarize(Iterable<? extends JsonNode> records) {
    Summarizer s = new Summarizer();
    records.forEach(s::accept);
    return s.summary();
  }

  private static final class Summarizer {
    private JsonNode started;
    private JsonNode ended;
    private boolean reconcile;
    private boolean rollingBack;
    private PendingGate gate;
    private LastStep lastStep;

    void accept(JsonNode r) {
      String type = text(r, "type");
      if (type == null) {
        return;
      }
      switch (type) {
        case "run.started" -> started = r;
        case "run.ended" -> ended = r;
        case "run.resumed" -> {
          ended = null;
          reconcile = false;
        }
        case "step.started" -> {
          lastStep = new LastStep(text(r, "activityId"), text(r, "name"));
          reconcile = false;
        }
        case "reconcile.required" -> reconcile = true;
        case "abort.requested" -> rollingBack = r.path("rollback").asBoolean();
        case "gate.pending" ->
            gate =
                new PendingGate(
                    text(r, "activityId"),
                    text(r, "name"),
                    0,
                    r.path("approversRequired").asInt(1),
                    text(r, "expiresAt"));
        case "gate.decision" -> decide(r);
        default -> {}
      }
    }

    private void decide(JsonNode r) {
      if (gate == null || !gate.activityId().equals(text(r, "activityId"))) {
        return;
      }
      if (!"approved".equals(text(r, "decision"))) {
        gate = null; // rejected or expired: the gate is closed either way
        return;
      }
      int approvals = r.has("approvals") ? r.get("approvals").asInt() : gate.approvals() + 1;
      int required = r.path("approversRequired").asInt(gate.required());
      gate =
          approvals >= required
              ? null
              : new PendingGate(
                  gate.activityId(), gate.name(), approvals, required, gate.expiresAt());
    }

    RunSummary summary() {
      State state;
      if (ended != null) {
        state = State.ofOutcome(text(ended, "outcome"));
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
          text(started, "runId"),
          text(started, "runbook"),
          text(started, "cluster"),
          text(started, "startedBy"),
          text(started, "at"),
          state,
          state == State.WAITING ? gate : null,
          text(ended, "at"),
          text(ended, "message"),
          lastStep);
    }

    private static String text(JsonNode record, String field) {
      JsonNode value = record == null ? null : record.get(field);
      return value == null || value.isNull() ? null : value.asText();
    }
  }
}
