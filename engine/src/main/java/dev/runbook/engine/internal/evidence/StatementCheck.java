package dev.runbook.engine.internal.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.IdentityException;
import dev.runbook.engine.internal.identity.AllowedSigners;
import dev.runbook.engine.internal.identity.SshSig;
import dev.runbook.engine.internal.identity.Statement;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Checks people's signed statements again from the evidence alone, as {@link EvidenceVerifier}
 * walks the chain: each {@code statement.verified} record's signature over its statement, the
 * statement's fields against the record, the evidence it names against the chain before it, and its
 * key against the copy of the allowed-signers file the run kept. And, in a signed run, that every
 * person's gate decision follows a statement of theirs for it.
 *
 * <p>The engine's checkpoints show the chain was not cut or re-hashed by anyone without the
 * engine's key. This shows more: a person's statement names the count and head of the evidence it
 * was made on, so the records before a person's action cannot be rewritten, nor a decision added in
 * their name, even by someone holding the engine's key.
 */
final class StatementCheck {

  /** The name of a reconcile decision, and the gate its statements name. */
  private static final String RECONCILE = "reconcile";

  /** A statement taken and not yet matched by the decision it was given for. */
  private record Open(String action, String gate, String principal, String key) {}

  private final List<String> lineHashes = new ArrayList<>();
  private final Map<String, Path> artifactsBySha256 = new HashMap<>();
  private final List<Open> open = new ArrayList<>();
  private String runId;
  private boolean signed;
  private int held;

  /** How many statements held. */
  int held() {
    return held;
  }

  /** run.started: whose run, and whether its people sign. */
  void started(JsonNode record) {
    runId = record.path("runId").asText(null);
    signed = "signed".equals(record.path("identity").asText(null));
  }

  /** A record that checked out, with its line's hash (the head of the chain up to it). */
  void good(String lineHash) {
    lineHashes.add(lineHash);
  }

  /** An artifact that checked out: a statement's allowed-signers file may be one. */
  void artifact(String sha256, Path file) {
    artifactsBySha256.putIfAbsent(sha256, file);
  }

  /**
   * Checks a {@code statement.verified} record.
   *
   * @return what is wrong, or null
   */
  String statement(JsonNode record) throws IOException {
    String text = record.path("statement").asText("");
    String principal = record.path("principal").asText("");
    Statement st;
    SshSig sig;
    try {
      st = Statement.parse(text);
      sig = SshSig.parse(record.path("signature").asText(""));
      sig.verify(text.getBytes(StandardCharsets.UTF_8), SshSig.NAMESPACE);
    } catch (IdentityException e) {
      return "statement "
          + record.path("sequence").asText()
          + " does not verify: "
          + e.getMessage();
    }
    String who = principal + "'s statement " + st.sequence();
    String key = sig.key().fingerprint();
    if (!key.equals(record.path("keyFingerprint").asText())) {
      return who
          + " is signed by key "
          + key
          + ", but the record names "
          + record.path("keyFingerprint").asText();
    }
    String differs =
        differs("run", st.run(), runId)
            + differs("action", st.action(), record.path("action").asText())
            + differs("gate", st.gate(), record.path("gate").asText())
            + differs("by", st.by(), principal)
            + differs("sequence", Long.toString(st.sequence()), record.path("sequence").asText());
    if (!differs.isEmpty()) {
      return who + " says other than its record:" + differs;
    }
    if (!st.isV1()) {
      if (st.records() > lineHashes.size()
          || !hashOf(st.records()).equals(Objects.requireNonNull(st.head()))) {
        return who
            + " was made on the evidence at "
            + st.records()
            + " records with head "
            + st.head()
            + ", which this chain does not have: the records before "
            + principal
            + "'s action were rewritten";
      }
      String policy = policy(record, st, sig, who);
      if (policy != null) {
        return policy;
      }
    }
    open.add(new Open(st.action(), st.gate(), principal, key));
    held++;
    return null;
  }

  /**
   * Checks a {@code gate.decision} record: in a signed run a person's decision must follow a
   * statement of theirs for that gate, with the same key. A reconcile decision (named {@code
   * reconcile}, at the activity that was in flight) follows a statement for the reconcile gate, and
   * only a reconcile decision does: a person's reconcile approval cannot stand for their decision
   * at another gate.
   *
   * @return what is wrong, or null
   */
  String decision(JsonNode record) {
    String by = record.path("by").asText("");
    String decision = record.path("decision").asText();
    if (!signed || by.equals("engine") || decision.equals("expired")) {
      return null;
    }
    String action = decision.equals("approved") ? "approve" : "reject";
    String gate = record.path("activityId").asText();
    String key = record.path("keyFingerprint").asText(null);
    String stated = RECONCILE.equals(record.path("name").asText()) ? RECONCILE : gate;
    for (Iterator<Open> it = open.iterator(); it.hasNext(); ) {
      Open o = it.next();
      if (o.action().equals(action)
          && o.principal().equals(by)
          && o.gate().equals(stated)
          && o.key().equals(key)) {
        it.remove();
        return null;
      }
    }
    return "gate.decision "
        + decision
        + " by "
        + by
        + " at "
        + gate
        + " follows no signed statement of "
        + by
        + "'s for it: it was written by someone who could not sign as "
        + by;
  }

  private String hashOf(long records) {
    return records == 0 ? EvidenceFormat.ZERO_HASH : lineHashes.get((int) records - 1);
  }

  /** The key must be one the kept allowed-signers file let sign as the principal, at the time. */
  private String policy(JsonNode record, Statement st, SshSig sig, String who) throws IOException {
    String sha256 = record.path("allowedSignersSha256").asText("");
    Path file = artifactsBySha256.get(sha256);
    if (file == null) {
      return who
          + " was checked against an allowed-signers file (SHA-256 "
          + sha256
          + ") the evidence does not keep: whose key it was cannot be shown";
    }
    try {
      AllowedSigners.parse(file, Files.readAllBytes(file))
          .check(sig.key(), st.by(), SshSig.NAMESPACE, st.time());
      return null;
    } catch (AllowedSigners.Invalid | IdentityException e) {
      return who + " does not hold under the allowed-signers file the run kept: " + e.getMessage();
    }
  }

  private static String differs(String field, String signed, String recorded) {
    return signed.equals(recorded)
        ? ""
        : " " + field + " '" + signed + "' signed, '" + recorded + "' recorded;";
  }
}
