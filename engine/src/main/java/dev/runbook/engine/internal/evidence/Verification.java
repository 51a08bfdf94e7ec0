package dev.runbook.engine.internal.evidence;

/**
 * What {@link EvidenceVerifier#verify} found.
 *
 * @param ok true when every record and every artifact checked out
 * @param records how many records verified (all of them when {@code ok})
 * @param firstBadSeq the seq of the first bad record, or null when it has none to read (a torn or
 *     unparseable line) or when {@code ok}
 * @param firstBadLine the 1-based line number of the first bad record in evidence.jsonl, 0 when
 *     {@code ok} or when the journal itself is missing
 * @param problem what is wrong and what that means, starting with the line; null when {@code ok}
 */
public record Verification(
    boolean ok, int records, Integer firstBadSeq, int firstBadLine, String problem) {

  static Verification passed(int records) {
    return new Verification(true, records, null, 0, null);
  }
}
