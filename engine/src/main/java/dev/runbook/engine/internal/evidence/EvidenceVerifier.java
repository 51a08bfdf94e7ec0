package dev.runbook.engine.internal.evidence;

import static dev.runbook.engine.internal.evidence.EvidenceFormat.ARTIFACTS_DIR;
import static dev.runbook.engine.internal.evidence.EvidenceFormat.ARTIFACT_TYPE;
import static dev.runbook.engine.internal.evidence.EvidenceFormat.JOURNAL_FILE;
import static dev.runbook.engine.internal.evidence.EvidenceFormat.ZERO_HASH;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * Checks a run's evidence as an auditor would: every line of evidence.jsonl is a JSON record whose
 * {@code hash} is the SHA-256 of its body, whose {@code seq} follows the one before it, and whose
 * {@code prev} is the SHA-256 of the line before it; every {@code artifact.recorded} file is there
 * with its recorded size and SHA-256. Reads one line and one artifact at a time.
 *
 * <p>Reports the first problem, with its line. A torn line (a record a crash cut short; see {@link
 * EvidenceJournal}) is a problem, but checking goes on past it, linking the chain across it, and
 * the report says whether the records after it hold: it tells a crash from a tampered file. Any
 * other problem ends the check.
 *
 * <p>The chain shows an edit, a deletion or a reordering, unless whoever made it also recomputed
 * every later hash: compare {@link EvidenceJournal#lastHash()}, kept elsewhere (e.g. in the change
 * ticket), with the file's last hash to rule that out.
 */
public final class EvidenceVerifier {

  private EvidenceVerifier() {}

  /**
   * Verifies the evidence in {@code runDir}.
   *
   * @throws IOException if the journal or an artifact exists but cannot be read
   */
  public static Verification verify(Path runDir) throws IOException {
    Path file = runDir.resolve(JOURNAL_FILE);
    if (!Files.isRegularFile(file)) {
      return new Verification(
          false, 0, null, 0, "no " + JOURNAL_FILE + " in " + runDir + ": there is no evidence");
    }
    long expectedSeq = 1;
    String expectedPrev = ZERO_HASH;
    long lastGoodLine = 0;
    int good = 0;
    Verification first = null;
    int goodAfterFirst = 0;
    int moreTorn = 0;
    try (LineReader lines = new LineReader(Files.newInputStream(file))) {
      for (LineReader.Line line; (line = lines.next()) != null; ) {
        String torn = tornProblem(line);
        if (torn != null) {
          if (first == null) {
            first = new Verification(false, 0, null, (int) line.number(), torn);
          } else {
            moreTorn++;
          }
          continue;
        }
        Verification bad = check(runDir, line, expectedSeq, expectedPrev, lastGoodLine);
        if (bad != null) {
          if (first == null) {
            return withRecords(bad, good);
          }
          return withRecords(
              new Verification(
                  false,
                  0,
                  first.firstBadSeq(),
                  first.firstBadLine(),
                  first.problem() + more(moreTorn) + "; and after it, " + bad.problem()),
              good);
        }
        good++;
        if (first != null) {
          goodAfterFirst++;
        }
        expectedSeq++;
        expectedPrev = EvidenceFormat.sha256Hex(line.bytes());
        lastGoodLine = line.number();
      }
    }
    if (first == null) {
      return Verification.passed(good);
    }
    String after =
        goodAfterFirst == 0
            ? ""
            : "; the "
                + goodAfterFirst
                + (goodAfterFirst == 1 ? " record" : " records")
                + " after it verify";
    return withRecords(
        new Verification(
            false,
            0,
            first.firstBadSeq(),
            first.firstBadLine(),
            first.problem() + more(moreTorn) + after),
        good);
  }

  private static String more(int moreTorn) {
    return moreTorn == 0
        ? ""
        : " (and " + moreTorn + " more such " + (moreTorn == 1 ? "line" : "lines") + ")";
  }

  private static Verification withRecords(Verification v, int records) {
    return new Verification(v.ok(), records, v.firstBadSeq(), v.firstBadLine(), v.problem());
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

  private static Verification check(
      Path runDir, LineReader.Line line, long expectedSeq, String expectedPrev, long lastGoodLine)
      throws IOException {
    JsonNode record = EvidenceFormat.parseObject(line.bytes());
    int n = (int) line.number();
    JsonNode seqNode = record.get("seq");
    Integer seq = seqNode != null && seqNode.canConvertToInt() ? seqNode.asInt() : null;
    String at = "line " + n + (seq == null ? "" : " (seq " + seq + ")") + ": ";

    String stated = EvidenceFormat.statedHash(line.bytes());
    if (stated == null) {
      return bad(seq, n, at + "does not end with its hash field: the record was edited");
    }
    if (!stated.equals(EvidenceFormat.sha256Hex(EvidenceFormat.body(line.bytes())))) {
      return bad(seq, n, at + "hash does not match its content: the record was edited");
    }
    if (seqNode == null || !seqNode.isIntegralNumber() || seq == null) {
      return bad(seq, n, at + "has no whole-number seq: the record was edited");
    }
    if (seq != expectedSeq) {
      String problem =
          expectedSeq == 1
              ? "line " + n + ": the first record has seq " + seq + ", not 1"
              : "line " + n + ": seq " + seq + " follows seq " + (expectedSeq - 1);
      return bad(seq, n, problem + ": a record was deleted or reordered");
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
      return bad(seq, n, problem);
    }
    JsonNode type = record.get("type");
    if (type != null && ARTIFACT_TYPE.equals(type.asText())) {
      String problem = checkArtifact(runDir, record);
      if (problem != null) {
        return bad(seq, n, at + problem);
      }
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

  private static Verification bad(Integer seq, int line, String problem) {
    return new Verification(false, 0, seq, line, problem);
  }
}
