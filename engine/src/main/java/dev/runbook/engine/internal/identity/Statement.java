package dev.runbook.engine.internal.identity;

import dev.runbook.engine.api.IdentityException;
import dev.runbook.engine.api.Refusal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a person signs for one action on a run: a canonical text, one {@code key: value} a line in a
 * fixed order, so the same statement is the same bytes everywhere (and {@code ssh-keygen -Y verify}
 * checks it as a file).
 *
 * @param action run, approve, reject, resume, abort or abort-no-rollback
 * @param gate the gate's id (or {@code reconcile}), empty for run, resume and the aborts
 * @param plan the hash of the plan the run is bound to
 * @param decision approved or rejected at a gate, empty otherwise
 * @param by the principal the person claims (--as)
 * @param sequence the run's count of accepted statements, plus one, when it was made
 * @param records how many records the run's evidence had when the statement was made (0 for a run
 *     being started); -1 for a v1 statement, which did not say
 * @param head the SHA-256 of the last of those records (64 zeros for none): with {@code records},
 *     the person's own signature over the evidence they acted on, so a chain rewritten before their
 *     action no longer matches what they signed, even when re-signed with the engine's key; null
 *     for a v1 statement
 */
public record Statement(
    String action,
    String run,
    String gate,
    String plan,
    String decision,
    String comment,
    String by,
    Instant time,
    long sequence,
    long records,
    String head) {

  static final String HEADER = "runbook statement v2";
  // v1 (before statements named the evidence) is still read, for the evidence of older runs.
  static final String HEADER_V1 = "runbook statement v1";
  private static final List<String> KEYS_V1 =
      List.of("action", "run", "gate", "plan", "decision", "comment", "by", "time", "sequence");
  private static final List<String> KEYS =
      List.of(
          "action",
          "run",
          "gate",
          "plan",
          "decision",
          "comment",
          "by",
          "time",
          "sequence",
          "evidence");

  public Statement {
    gate = gate == null ? "" : gate;
    decision = decision == null ? "" : decision;
    comment = comment == null ? "" : comment;
    time = time.truncatedTo(ChronoUnit.SECONDS);
  }

  public String text() {
    return (isV1() ? HEADER_V1 : HEADER)
        + "\naction: "
        + action
        + "\nrun: "
        + run
        + "\ngate: "
        + gate
        + "\nplan: "
        + plan
        + "\ndecision: "
        + decision
        + "\ncomment: "
        + escape(comment)
        + "\nby: "
        + by
        + "\ntime: "
        + time
        + "\nsequence: "
        + sequence
        + "\n"
        + (isV1() ? "" : "evidence: " + records + " " + head + "\n");
  }

  /** A statement from before statements named the evidence they were made on. */
  public boolean isV1() {
    return head == null;
  }

  public byte[] bytes() {
    return text().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Reads a statement; it must be exactly in canonical form (what {@link #text()} writes), so what
   * was signed is what is acted on.
   *
   * @throws IdentityException MALFORMED, naming the line
   */
  public static Statement parse(String text) {
    String[] lines = text.split("\n", -1);
    List<String> keys = lines[0].equals(HEADER_V1) ? KEYS_V1 : KEYS;
    if (lines.length != keys.size() + 2
        || !(lines[0].equals(HEADER) || lines[0].equals(HEADER_V1))
        || !lines[lines.length - 1].isEmpty()) {
      throw malformed(
          "it must be the "
              + (KEYS.size() + 1)
              + " lines `runbook statement` prints, starting with '"
              + HEADER
              + "' and ending in a newline");
    }
    Map<String, String> v = new LinkedHashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      String prefix = keys.get(i) + ": ";
      if (!lines[i + 1].startsWith(prefix)) {
        throw malformed("line " + (i + 2) + " must start with '" + prefix + "'");
      }
      v.put(keys.get(i), lines[i + 1].substring(prefix.length()));
    }
    long records = -1;
    String head = null;
    if (v.containsKey("evidence")) {
      String[] e = v.get("evidence").split(" ", -1);
      if (e.length != 2 || !e[1].matches("[0-9a-f]{64}") || !e[0].matches("[0-9]{1,18}")) {
        throw malformed(
            "line " + (keys.size() + 1) + " must be 'evidence: RECORDS HEAD' (a count, 64 hex)");
      }
      records = Long.parseLong(e[0]);
      head = e[1];
    }
    try {
      Statement s =
          new Statement(
              v.get("action"),
              v.get("run"),
              v.get("gate"),
              v.get("plan"),
              v.get("decision"),
              unescape(v.get("comment")),
              v.get("by"),
              Instant.parse(v.get("time")),
              Long.parseLong(v.get("sequence")),
              records,
              head);
      if (!s.text().equals(text)) {
        throw malformed("it is not in canonical form (print it again with `runbook statement`)");
      }
      return s;
    } catch (DateTimeParseException | NumberFormatException e) {
      throw malformed("its time or sequence is not readable: " + e.getMessage());
    }
  }

  private static IdentityException malformed(String why) {
    return new IdentityException(Refusal.MALFORMED, "not a runbook statement: " + why);
  }

  /** A comment is one line: backslash and newline are escaped. */
  static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n");
  }

  static String unescape(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char n = s.charAt(++i);
        b.append(n == 'n' ? '\n' : n == 'r' ? '\r' : n);
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
