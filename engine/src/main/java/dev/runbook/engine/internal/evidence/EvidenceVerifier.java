package dev.runbook.engine.internal.evidence;

import static dev.runbook.engine.internal.evidence.EvidenceFormat.ARTIFACTS_DIR;
import static dev.runbook.engine.internal.evidence.EvidenceFormat.ARTIFACT_TYPE;
import static dev.runbook.engine.internal.evidence.EvidenceFormat.CHECKPOINT_TYPE;
import static dev.runbook.engine.internal.evidence.EvidenceFormat.JOURNAL_FILE;
import static dev.runbook.engine.internal.evidence.EvidenceFormat.ZERO_HASH;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.IdentityException;
import dev.runbook.engine.internal.evidence.Verification.Reason;
import dev.runbook.engine.internal.identity.SshSig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a run's evidence as an auditor would: every line of evidence.jsonl is a JSON record whose
 * {@code hash} is the SHA-256 of its body, whose {@code seq} follows the one before it, and whose
 * {@code prev} is the SHA-256 of the line before it; every {@code artifact.recorded} file is there
 * with its recorded size and SHA-256. Reads one line and one artifact at a time.
 *
 * <p>The chain alone shows an edit, a deletion or a reordering inside it, but not a cut end nor a
 * chain re-hashed from the top. So it also insists that the first record is {@code run.started} of
 * this run, that nothing but its checkpoint follows a run's end, and, with {@link Expect#signed},
 * that every checkpoint's signature holds under the trusted engine key and that a run nobody drives
 * ends in one: a chain cut or rewritten before a checkpoint then fails, since its signature over
 * count and head cannot be made again without the key. A cut back to an earlier checkpoint is
 * caught by {@link Expect#head}, the head kept elsewhere (e.g. in the change ticket).
 *
 * <p>Reports the first problem, with its line and a {@link Verification.Reason}. A torn line (a
 * record a crash cut short; see {@link EvidenceJournal}) is a problem, but checking goes on past
 * it, linking the chain across it, and the report says whether the records after it hold: it tells
 * a crash from a tampered file. Any other problem ends the check.
 */
public final class EvidenceVerifier {

  private EvidenceVerifier() {}

  /**
   * What to hold the evidence to besides its chain.
   *
   * @param runId the run the evidence must be of; null to take run.started's word for it
   * @param engineKey the engine key checkpoints must be signed with; null to check only that each
   *     signature holds under the key it names
   * @param signed a run must be vouched for by checkpoints: one at least, and (unless {@code live})
   *     one at its end
   * @param live a process drives the run now, so records after the last checkpoint are expected
   * @param head a head hash (from a ticket) that must be in the chain, or null
   */
  public record Expect(
      String runId, EngineKey.PublicKey engineKey, boolean signed, boolean live, String head) {

    /** The chain, its head and end, and any checkpoint's own consistency; no key, no signing. */
    public static Expect chain() {
      return new Expect(null, null, false, true, null);
    }

    /** The whole check, for {@code evidence --verify}. */
    public static Expect signed(
        String runId, EngineKey.PublicKey engineKey, boolean live, String head) {
      return new Expect(runId, engineKey, true, live, head);
    }
  }

  /** Verifies the evidence in {@code runDir} with {@link Expect#chain()}. */
  public static Verification verify(Path runDir) throws IOException {
    return verify(runDir, Expect.chain());
  }

  /**
   * Verifies the evidence in {@code runDir}.
   *
   * @throws IOException if the journal or an artifact exists but cannot be read
   */
  public static Verification verify(Path runDir, Expect expect) throws IOException {
    Path file = runDir.resolve(JOURNAL_FILE);
    if (!Files.isRegularFile(file)) {
      return new Verification(
          false,
          0,
          null,
          0,
          "no " + JOURNAL_FILE + " in " + runDir + ": there is no evidence",
          Reason.NO_JOURNAL,
          null,
          List.of(),
          0);
    }
    Check c = new Check(runDir, expect);
    Bad first = null;
    int goodAfterFirst = 0;
    int moreTorn = 0;
    long lines = 0;
    try (LineReader reader = new LineReader(Files.newInputStream(file))) {
      for (LineReader.Line line; (line = reader.next()) != null; ) {
        lines++;
        String torn = tornProblem(line);
        if (torn != null) {
          if (first == null) {
            first = new Bad(Reason.TORN, null, (int) line.number(), torn);
          } else {
            moreTorn++;
          }
          continue;
        }
        Bad bad = c.check(line);
        if (bad != null) {
          if (first == null) {
            return c.result(bad);
          }
          return c.result(
              new Bad(
                  first.reason(),
                  first.seq(),
                  first.line(),
                  first.problem() + more(moreTorn) + "; and after it, " + bad.problem()));
        }
        if (first != null) {
          goodAfterFirst++;
        }
      }
    }
    if (first != null) {
      String after =
          goodAfterFirst == 0
              ? ""
              : "; the "
                  + goodAfterFirst
                  + (goodAfterFirst == 1 ? " record" : " records")
                  + " after it verify";
      return c.result(
          new Bad(
              first.reason(), first.seq(), first.line(), first.problem() + more(moreTorn) + after));
    }
    if (lines == 0) {
      return c.result(
          new Bad(
              Reason.EMPTY,
              null,
              0,
              JOURNAL_FILE + " is empty: not even run.started is left; the records were removed"));
    }
    Bad end = c.end();
    return end != null
        ? c.result(end)
        : Verification.passed(c.good, c.expectedPrev, c.checkpoints, c.statements.held());
  }

  private record Bad(Reason reason, Integer seq, int line, String problem) {}

  /** The state of one check as it walks the chain. */
  private static final class Check {
    private final Path runDir;
    private final Expect expect;
    private long expectedSeq = 1;
    private String expectedPrev = ZERO_HASH;
    private long lastGoodLine;
    private int good;
    private String runId; // run.started's
    private Long endedSeq; // the last run.ended with no run.resumed after it
    private boolean endsInCheckpoint;
    private boolean headSeen;
    private final List<Verification.Checkpoint> checkpoints = new ArrayList<>();
    private final StatementCheck statements = new StatementCheck();

    Check(Path runDir, Expect expect) {
      this.runDir = runDir;
      this.expect = expect;
    }

    Verification result(Bad bad) {
      return new Verification(
          false,
          good,
          bad.seq(),
          bad.line(),
          bad.problem(),
          bad.reason(),
          good == 0 ? null : expectedPrev,
          checkpoints,
          statements.held());
    }

    Bad check(LineReader.Line line) throws IOException {
      JsonNode record = EvidenceFormat.parseObject(line.bytes());
      int n = (int) line.number();
      JsonNode seqNode = record.get("seq");
      Integer seq = seqNode != null && seqNode.canConvertToInt() ? seqNode.asInt() : null;
      String at = "line " + n + (seq == null ? "" : " (seq " + seq + ")") + ": ";

      String stated = EvidenceFormat.statedHash(line.bytes());
      if (stated == null) {
        return new Bad(
            Reason.EDITED, seq, n, at + "does not end with its hash field: the record was edited");
      }
      if (!stated.equals(EvidenceFormat.sha256Hex(EvidenceFormat.body(line.bytes())))) {
        return new Bad(
            Reason.EDITED, seq, n, at + "hash does not match its content: the record was edited");
      }
      if (seqNode == null || !seqNode.isIntegralNumber() || seq == null) {
        return new Bad(
            Reason.EDITED, seq, n, at + "has no whole-number seq: the record was edited");
      }
      if (seq != expectedSeq) {
        String problem =
            expectedSeq == 1
                ? "line " + n + ": the first record has seq " + seq + ", not 1"
                : "line " + n + ": seq " + seq + " follows seq " + (expectedSeq - 1);
        return new Bad(
            Reason.OUT_OF_ORDER, seq, n, problem + ": a record was deleted or reordered");
      }
      JsonNode prevNode = record.get("prev");
      String prev = prevNode != null && prevNode.isTextual() ? prevNode.asText() : null;
      if (!expectedPrev.equals(prev)) {
        String problem =
            expectedSeq == 1
                ? at + "prev of the first record is not 64 zeros: records before it were removed"
                : at
                    + "prev is not the SHA-256 of the record before it (line "
                    + lastGoodLine
                    + "): that record was edited and its hash recomputed, or this one was moved";
        return new Bad(expectedSeq == 1 ? Reason.HEADLESS : Reason.REWRITTEN, seq, n, problem);
      }
      String type = record.path("type").asText();
      if (ARTIFACT_TYPE.equals(type)) {
        String problem = checkArtifact(runDir, record);
        if (problem != null) {
          return new Bad(Reason.ARTIFACT, seq, n, at + problem);
        }
        statements.artifact(
            record.path("sha256").asText(), runDir.resolve(record.path("path").asText()));
      }
      Bad bad = checkPlace(record, type, seq, n, at);
      if (bad == null && CHECKPOINT_TYPE.equals(type)) {
        bad = checkCheckpoint(record, seq, prev, n, at);
      }
      if (bad == null && expect.signed()) {
        bad = checkStatements(record, type, seq, n, at);
      }
      if (bad != null) {
        return bad;
      }
      good++;
      expectedSeq++;
      expectedPrev = EvidenceFormat.sha256Hex(line.bytes());
      statements.good(expectedPrev);
      lastGoodLine = line.number();
      endsInCheckpoint = CHECKPOINT_TYPE.equals(type);
      headSeen |= expectedPrev.equals(expect.head());
      return null;
    }

    /** Whether the record may stand where it does: the run's head, its end, another run's. */
    private Bad checkPlace(JsonNode record, String type, int seq, int n, String at) {
      if (seq == 1) {
        if (!type.equals("run.started")) {
          return new Bad(
              Reason.HEADLESS,
              seq,
              n,
              at
                  + "the first record is "
                  + (type.isEmpty() ? "untyped" : type)
                  + ", not run.started: the records before it were removed and the chain"
                  + " re-hashed");
        }
        runId = record.path("runId").asText(null);
        if (expect.runId() != null && !expect.runId().equals(runId)) {
          return new Bad(
              Reason.WRONG_RUN,
              seq,
              n,
              at
                  + "run.started is of run "
                  + runId
                  + ", not "
                  + expect.runId()
                  + ": this is another run's evidence, copied or moved here");
        }
        return null;
      }
      if (type.equals("run.started")) {
        return new Bad(
            Reason.WRONG_RUN,
            seq,
            n,
            at + "a second run.started: another run's records were joined to this one");
      }
      if (endedSeq != null && !type.equals(CHECKPOINT_TYPE) && !type.equals("run.resumed")) {
        return new Bad(
            Reason.AFTER_END,
            seq,
            n,
            at
                + type
                + " after the run ended (seq "
                + endedSeq
                + "): nothing but its checkpoint may follow an end");
      }
      if (type.equals("run.ended")) {
        endedSeq = (long) seq;
      } else if (type.equals("run.resumed")) {
        endedSeq = null;
      }
      return null;
    }

    /** People's statements, and the decisions made in their name; see {@link StatementCheck}. */
    private Bad checkStatements(JsonNode record, String type, int seq, int n, String at)
        throws IOException {
      String problem =
          switch (type) {
            case "run.started" -> {
              statements.started(record);
              yield null;
            }
            case "statement.verified" -> statements.statement(record);
            case "gate.decision" -> statements.decision(record);
            default -> null;
          };
      return problem == null ? null : new Bad(Reason.STATEMENT, seq, n, at + problem);
    }

    private Bad checkCheckpoint(JsonNode record, int seq, String prev, int n, String at) {
      long records = record.path("records").asLong(-1);
      String head = record.path("head").asText(null);
      String cpRun = record.path("runId").asText(null);
      String signature = record.path("signature").asText(null);
      String fingerprint = record.path("engineKey").asText(null);
      String by = record.path("by").asText(null);
      if (records != seq - 1 || !prev.equals(head)) {
        return mismatch(
            record,
            seq,
            n,
            at
                + "checkpoint states "
                + records
                + " records ending in "
                + head
                + ", but it follows "
                + (seq - 1)
                + " records ending in "
                + prev
                + ": the records before it were rewritten");
      }
      String ofRun = expect.runId() != null ? expect.runId() : runId;
      if (!java.util.Objects.equals(cpRun, ofRun)) {
        return mismatch(record, seq, n, at + "checkpoint is of run " + cpRun + ", not " + ofRun);
      }
      String signedBy;
      try {
        SshSig sig = SshSig.parse(signature == null ? "" : signature);
        sig.verify(EvidenceFormat.checkpointStatement(ofRun, records, head), EngineKey.NAMESPACE);
        signedBy = sig.key().fingerprint();
      } catch (IdentityException e) {
        return bad(
            Reason.BAD_SIGNATURE,
            record,
            seq,
            n,
            at
                + "checkpoint signature does not verify ("
                + e.getMessage()
                + "): the checkpoint or the records before it were changed");
      }
      if (!signedBy.equals(fingerprint)) {
        return mismatch(
            record,
            seq,
            n,
            at + "checkpoint names key " + fingerprint + " but is signed by " + signedBy);
      }
      if (expect.engineKey() != null && !expect.engineKey().fingerprint().equals(signedBy)) {
        return bad(
            Reason.WRONG_KEY,
            record,
            seq,
            n,
            at
                + "checkpoint is signed by key "
                + signedBy
                + ", not by the engine key "
                + expect.engineKey().fingerprint()
                + " ("
                + expect.engineKey().comment()
                + "): another engine, or someone who re-signed the evidence");
      }
      if (expect.signed() && expect.engineKey() == null) {
        return bad(
            Reason.NO_ENGINE_KEY,
            record,
            seq,
            n,
            at
                + "there is no engine key to check checkpoint signatures against: give the"
                + " engine's public key (the line `runbook key` prints on the engine's home)");
      }
      checkpoints.add(
          new Verification.Checkpoint(seq, records, head, signedBy, signature, true, by));
      return null;
    }

    private Bad mismatch(JsonNode record, int seq, int n, String problem) {
      return bad(Reason.CHECKPOINT_MISMATCH, record, seq, n, problem);
    }

    private Bad bad(Reason reason, JsonNode record, int seq, int n, String problem) {
      checkpoints.add(
          new Verification.Checkpoint(
              seq,
              record.path("records").asLong(-1),
              record.path("head").asText(null),
              record.path("engineKey").asText(null),
              record.path("signature").asText(null),
              false,
              record.path("by").asText(null)));
      return new Bad(reason, seq, n, problem);
    }

    /** What the whole chain must show once every line checked out: its signed end. */
    Bad end() {
      if (expect.signed() && !expect.live()) {
        if (checkpoints.isEmpty()) {
          return new Bad(
              Reason.NOT_SIGNED,
              null,
              0,
              "no checkpoint in "
                  + good
                  + " records: nothing signed vouches for this evidence's length (a run from"
                  + " before signed checkpoints, or the checkpoints were cut)");
        }
        if (!endsInCheckpoint) {
          long signed = checkpoints.get(checkpoints.size() - 1).records();
          String what =
              endedSeq != null
                  ? "the run ended (seq " + endedSeq + ") but its end is not signed"
                  : "no process drives this run, yet its last "
                      + (good - signed - 1)
                      + " records are after the last checkpoint (seq "
                      + (signed + 1)
                      + ")";
          return new Bad(
              Reason.UNSIGNED_TAIL,
              null,
              0,
              what
                  + ": the evidence was cut (a later checkpoint removed), or the engine stopped"
                  + " before it could sign (a crash: `runbook resume` signs what it finds)");
        }
      }
      if (expect.head() != null && !headSeen) {
        return new Bad(
            Reason.HEAD_NOT_FOUND,
            null,
            0,
            "no record hashes to the expected head "
                + expect.head()
                + ": the chain was cut before it or rewritten (its head is now "
                + expectedPrev
                + ")");
      }
      return null;
    }
  }

  private static String more(int moreTorn) {
    return moreTorn == 0
        ? ""
        : " (and " + moreTorn + " more such " + (moreTorn == 1 ? "line" : "lines") + ")";
  }

  /** Why the line is not a record at all (a torn write), or null if it is one. */
  private static String tornProblem(LineReader.Line line) {
    if (!line.terminated()) {
      return "line "
          + line.number()
          + ": torn record: the file ends in the middle of a record (no final newline): the"
          + " writer stopped while writing it, e.g. it crashed";
    }
    if (EvidenceFormat.parseObject(line.bytes()) == null) {
      return "line "
          + line.number()
          + ": not a complete JSON record: a record torn by a crash (the journal went on on the"
          + " next line) or a damaged line";
    }
    return null;
  }

  private static String checkArtifact(Path runDir, JsonNode record) throws IOException {
    JsonNode pathNode = record.get("path");
    JsonNode sizeNode = record.get("size");
    JsonNode shaNode = record.get("sha256");
    if (pathNode == null || sizeNode == null || shaNode == null) {
      return "artifact record lacks path, size or sha256";
    }
    String path = pathNode.asText();
    Path dir = runDir.toAbsolutePath().normalize().resolve(ARTIFACTS_DIR);
    Path file = runDir.toAbsolutePath().normalize().resolve(path).normalize();
    if (!file.startsWith(dir) || file.equals(dir)) {
      return "artifact " + path + ": not a file under " + ARTIFACTS_DIR + "/";
    }
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return "artifact "
          + path
          + ": the file is missing: it was deleted, moved or replaced after it was recorded";
    }
    long size = Files.size(file);
    if (size != sizeNode.asLong()) {
      return "artifact "
          + path
          + ": size is "
          + size
          + " bytes, recorded "
          + sizeNode.asLong()
          + ": the file was changed after it was recorded";
    }
    MessageDigest digest = EvidenceFormat.sha256();
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = Files.newInputStream(file)) {
      for (int r; (r = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, r);
      }
    }
    if (!EvidenceFormat.hex(digest.digest()).equals(shaNode.asText())) {
      return "artifact "
          + path
          + ": SHA-256 differs from the recorded one: the file was changed after it was recorded";
    }
    return null;
  }
}
