package dev.runbook.engine.internal.evidence;

import java.util.List;

/**
 * What {@link EvidenceVerifier#verify} found.
 *
 * @param ok true when every record, every artifact and every checkpoint checked out
 * @param records how many records verified (all of them when {@code ok})
 * @param firstBadSeq the seq of the first bad record, or null when it has none to read (a torn or
 *     unparseable line) or when {@code ok}
 * @param firstBadLine the 1-based line number of the first bad record in evidence.jsonl, 0 when
 *     {@code ok} or when the problem is not one line's (a missing journal, a cut end)
 * @param problem what is wrong and what that means, starting with the line; null when {@code ok}
 * @param reason what kind of problem, for code; null when {@code ok}
 * @param head the SHA-256 of the last record that verified: the chain's head; null if none did
 * @param checkpoints the checkpoints read, in order, each with whether it verified
 * @param statements how many people's signed statements were checked again and held (counted only
 *     when checking signatures)
 */
public record Verification(
    boolean ok,
    int records,
    Integer firstBadSeq,
    int firstBadLine,
    String problem,
    Reason reason,
    String head,
    List<Checkpoint> checkpoints,
    int statements) {

  public Verification {
    checkpoints = List.copyOf(checkpoints);
  }

  /** Why evidence does not verify. */
  public enum Reason {
    /** There is no evidence.jsonl. */
    NO_JOURNAL,
    /** evidence.jsonl holds no record. */
    EMPTY,
    /** A line is not a complete record: a crash cut it short, or it was damaged. */
    TORN,
    /** A record's content does not match its own hash. */
    EDITED,
    /** Seq numbers skip or go back: a record was deleted or moved. */
    OUT_OF_ORDER,
    /** A record's prev does not match the record before it: a record was rewritten. */
    REWRITTEN,
    /** The first record is not run.started: the records before it were removed. */
    HEADLESS,
    /** run.started names another run than the run dir's: a run copied under another id. */
    WRONG_RUN,
    /** An artifact is missing or differs from its record. */
    ARTIFACT,
    /** Records other than its checkpoint follow the run's end. */
    AFTER_END,
    /** A checkpoint's count, head or run id differs from the chain it stands in. */
    CHECKPOINT_MISMATCH,
    /** A checkpoint's signature does not hold. */
    BAD_SIGNATURE,
    /** A checkpoint is signed by another key than the engine's that is trusted. */
    WRONG_KEY,
    /** There is no trusted engine key to check the checkpoints against. */
    NO_ENGINE_KEY,
    /** The evidence has no checkpoint at all, so nothing vouches for its length. */
    NOT_SIGNED,
    /** Records after the last checkpoint of a run no process drives: the end was cut. */
    UNSIGNED_TAIL,
    /**
     * A person's signed statement does not hold: its signature, what it says, the evidence it was
     * made on, or its key under the allowed-signers file the run kept; or a person's gate decision
     * follows no statement of theirs.
     */
    STATEMENT,
    /** The head given to check against (--expect-head) is not in the chain. */
    HEAD_NOT_FOUND
  }

  /**
   * One checkpoint record as read.
   *
   * @param seq the checkpoint record's own seq
   * @param records the record count it states
   * @param head the head hash it states
   * @param engineKey the fingerprint of the key that made the signature
   * @param signature the armored SSHSIG signature
   * @param verified whether its count, head, run id, signature and key all held
   * @param by the person who signed it too, or null
   */
  public record Checkpoint(
      long seq,
      long records,
      String head,
      String engineKey,
      String signature,
      boolean verified,
      String by) {}

  static Verification passed(
      int records, String head, List<Checkpoint> checkpoints, int statements) {
    return new Verification(true, records, null, 0, null, null, head, checkpoints, statements);
  }

  /** The last checkpoint read, or null. */
  public Checkpoint lastCheckpoint() {
    return checkpoints.isEmpty() ? null : checkpoints.get(checkpoints.size() - 1);
  }
}
