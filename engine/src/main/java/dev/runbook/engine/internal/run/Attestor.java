package dev.runbook.engine.internal.run;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.Identity;
import dev.runbook.engine.api.IdentityException;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.Refusal;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.internal.evidence.EvidenceEvents;
import dev.runbook.engine.internal.evidence.EvidenceReader;
import dev.runbook.engine.internal.identity.AgentSigner;
import dev.runbook.engine.internal.identity.AllowedSigners;
import dev.runbook.engine.internal.identity.KeyFileSigner;
import dev.runbook.engine.internal.identity.Signer;
import dev.runbook.engine.internal.identity.SshSig;
import dev.runbook.engine.internal.identity.Statement;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * Proves who acts on a run before the engine acts: builds the statement of the action (or takes one
 * signed elsewhere), verifies its signature against the inventory's allowed-signers file, and
 * checks that it is this action, on this run, gate and plan, by the person named with --as, and not
 * given before. A refusal is recorded in the run's evidence (when there is a run) and thrown;
 * nothing else has changed by then.
 */
final class Attestor {

  /** What the person must have signed for the action asked for. */
  record Expected(
      String action,
      String run,
      String gate,
      String plan,
      String decision,
      String comment,
      String by) {}

  /**
   * The verified statement, or for an unsigned inventory the name as given.
   *
   * @param signers the allowed-signers file it was checked against, when the run does not keep a
   *     copy of it yet (null when it does, or when unsigned): the run keeps one, so the statement
   *     can be checked again from the evidence alone
   */
  record Attested(
      String principal,
      String keyFingerprint,
      RunEvent.StatementVerified event,
      AllowedSigners signers) {}

  private Attestor() {}

  /** Refuses a run on an inventory that does not say how people prove who they are. */
  static void requireApprovalSection(Inventory inventory) {
    if (inventory.approval().identity() == null) {
      throw new BadInputException(
          "inventory "
              + inventory.source()
              + " does not say how people prove who they are: signed identities are the default,"
              + " so add\n  approval: {allowedSigners: allowed_signers}\nnaming an OpenSSH"
              + " allowed-signers file (`runbook inventory init` starts one from your own"
              + " ~/.ssh key), or, for a lab or a demo only,\n  approval: {identity: unsigned}");
    }
  }

  /**
   * @param chain the run's records so far ({@link EvidenceReader.Chain#EMPTY} for a run being
   *     started): the statement names its count and head
   * @param record where a refusal is recorded; null when there is no run yet
   */
  static Attested attest(
      Inventory inventory,
      EvidenceReader.Chain chain,
      Expected e,
      Identity identity,
      Instant now,
      Consumer<RunEvent> record) {
    requireApprovalSection(inventory);
    if (inventory.approval().unsigned()) {
      return new Attested(e.by(), null, null, null);
    }
    List<RunEvent> evidence = events(chain.records());
    String fingerprint = null;
    try {
      AllowedSigners signers = signers(inventory);
      long next = nextSequence(evidence);
      String text;
      String armored;
      if (identity instanceof Identity.Signed signed) {
        text = signed.statement();
        armored = signed.signature();
      } else {
        Signer signer = signer(identity, signers, e.by());
        Statement st =
            new Statement(
                e.action(),
                e.run(),
                e.gate(),
                e.plan(),
                e.decision(),
                e.comment(),
                e.by(),
                now,
                next,
                chain.count(),
                chain.head());
        text = st.text();
        armored = SshSig.sign(signer, SshSig.NAMESPACE, st.bytes()).armored();
      }
      SshSig sig = SshSig.parse(armored);
      fingerprint = sig.key().fingerprint();
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      sig.verify(bytes, SshSig.NAMESPACE);
      AllowedSigners.Entry line = signers.check(sig.key(), e.by(), SshSig.NAMESPACE, now);
      Statement st = Statement.parse(text);
      match("action", st.action(), e.action());
      match("run", st.run(), e.run());
      match("gate", st.gate(), e.gate());
      match("plan", st.plan(), e.plan());
      match("decision", st.decision(), e.decision());
      match("comment", st.comment(), e.comment() == null ? "" : e.comment());
      match("by", st.by(), e.by());
      matchEvidence(st, chain, e.run());
      long used = lastSequence(evidence, e.by());
      if (st.sequence() <= used) {
        throw new IdentityException(
            Refusal.REPLAYED,
            "statement "
                + st.sequence()
                + " by "
                + e.by()
                + " was given already (this run has taken "
                + e.by()
                + "'s statements up to "
                + used
                + "): sign a new one, `runbook statement "
                + e.run()
                + "` prints it");
      }
      if (st.sequence() > next) {
        throw new IdentityException(
            Refusal.WRONG_STATEMENT,
            "statement sequence "
                + st.sequence()
                + " is ahead of the run, which is at "
                + next
                + ": sign what `runbook statement "
                + e.run()
                + "` prints now");
      }
      return new Attested(
          e.by(),
          fingerprint,
          new RunEvent.StatementVerified(
              e.action(),
              e.gate(),
              e.by(),
              fingerprint,
              st.sequence(),
              text,
              armored,
              line.line(),
              signers.sha256()),
          kept(evidence, signers.sha256()) ? null : signers);
    } catch (IdentityException refused) {
      if (record != null) {
        record.accept(
            new RunEvent.StatementRefused(
                e.action(), e.gate(), e.by(), fingerprint, refused.reason(), refused.getMessage()));
      }
      throw refused;
    }
  }

  /** Does the evidence already keep the file with this digest? (Read from the chain in hand.) */
  private static boolean kept(List<RunEvent> evidence, String sha256) {
    return evidence.stream()
        .anyMatch(r -> r instanceof RunEvent.ArtifactRecorded a && sha256.equals(a.sha256()));
  }

  /** The records as their events, in order. */
  private static List<RunEvent> events(List<JsonNode> records) {
    return EvidenceEvents.of(records).stream().map(EvidenceEvents.Recorded::event).toList();
  }

  private static void match(String field, String signed, String expected) {
    if (!signed.equals(expected)) {
      throw new IdentityException(
          Refusal.WRONG_STATEMENT,
          "the signed statement says "
              + field
              + ": '"
              + signed
              + "', but this "
              + "action is "
              + field
              + ": '"
              + expected
              + "': a statement is good for one action only; sign the one `runbook statement`"
              + " prints for this action");
    }
  }

  /**
   * The statement must name this run's evidence as it was when it was made: its count of records no
   * more than there are now, and its head the hash of that many records. A person's signature then
   * also vouches for every record before their action.
   */
  private static void matchEvidence(Statement st, EvidenceReader.Chain chain, String run) {
    if (st.isV1()) {
      throw new IdentityException(
          Refusal.WRONG_STATEMENT,
          "the signed statement is in the old format, which does not name the evidence it was made"
              + " on: sign what `runbook statement "
              + run
              + "` prints now");
    }
    if (st.records() > chain.count() || !chain.hashOf(st.records()).equals(st.head())) {
      throw new IdentityException(
          Refusal.WRONG_STATEMENT,
          "the signed statement was made on this run's evidence at "
              + st.records()
              + " records with head "
              + st.head()
              + ", but "
              + (st.records() > chain.count()
                  ? "the run has only " + chain.count() + " records"
                  : "its first " + st.records() + " records hash to " + chain.hashOf(st.records()))
              + ": the evidence is not what the statement was made on; print it again with"
              + " `runbook statement "
              + run
              + "`, read it, and sign that");
    }
  }

  /** The highest sequence number of {@code principal}'s accepted statements in this run, or 0. */
  private static long lastSequence(List<RunEvent> evidence, String principal) {
    return evidence.stream()
        .filter(r -> r instanceof RunEvent.StatementVerified v && principal.equals(v.principal()))
        .mapToLong(r -> ((RunEvent.StatementVerified) r).sequence())
        .max()
        .orElse(0);
  }

  /** The run's count of accepted statements plus one: the sequence number of the next one. */
  static long nextSequence(List<RunEvent> evidence) {
    return 1 + evidence.stream().filter(RunEvent.StatementVerified.class::isInstance).count();
  }

  /**
   * The text a person signs for {@code action} on a run as it stands in its evidence: for a
   * statement signed elsewhere ({@code runbook statement}, then {@code ssh-keygen -Y sign}).
   *
   * @param gate null for the gate the run waits at (approve, reject)
   */
  static Statement statement(
      String runId,
      EvidenceReader.Chain chain,
      String action,
      String gate,
      String holder,
      String by,
      String comment,
      Instant now) {
    String plan = null;
    String pending = null;
    List<RunEvent> events = events(chain.records());
    for (RunEvent r : events) {
      if (r instanceof RunEvent.RunStarted started) {
        plan = started.planSha256();
      } else if (r instanceof RunEvent.GatePending p) {
        pending = p.activityId();
      } else if (r instanceof RunEvent.ReconcileRequired) {
        pending = EngineCore.RECONCILE;
      } else if (r instanceof RunEvent.RunEnded) {
        throw new BadInputException("run " + runId + " has ended: there is nothing to sign for it");
      }
    }
    if (plan == null) {
      throw new BadInputException("run " + runId + " has no run.started record with a plan hash");
    }
    boolean atGate = action.equals("approve") || action.equals("reject");
    String g = atGate ? (gate != null ? gate : pending) : "";
    if (atGate && g == null) {
      throw new BadInputException("run " + runId + " waits at no gate: name the gate");
    }
    String decision =
        action.equals("approve") ? "approved" : action.equals("reject") ? "rejected" : "";
    if (action.equals(NodeLock.BREAK)) {
      // Breaking a node lock names the node as its gate and the run it breaks as its decision.
      g = gate;
      decision = NodeLock.breakDecision(holder);
    }
    return new Statement(
        action,
        runId,
        g,
        plan,
        decision,
        comment,
        by,
        now,
        nextSequence(events),
        chain.count(),
        chain.head());
  }

  static AllowedSigners signers(Inventory inventory) {
    try {
      return AllowedSigners.load(inventory.approval().allowedSigners());
    } catch (AllowedSigners.Invalid e) {
      throw new BadInputException(e.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the allowed-signers file " + inventory.approval().allowedSigners(), e);
    }
  }

  private static Signer signer(Identity identity, AllowedSigners signers, String by) {
    try {
      if (identity instanceof Identity.KeyFile k) {
        return KeyFileSigner.load(k.file(), k.passphrase());
      }
      if (identity instanceof Identity.Agent a) {
        List<AgentSigner> keys = AgentSigner.list(a.socket());
        if (keys.isEmpty()) {
          throw new IdentityException(
              Refusal.UNSIGNED,
              "ssh-agent at " + a.socket() + " holds no key: ssh-add your key, or --sign-key FILE");
        }
        // The agent may hold several keys: the one the allowed-signers file lets sign as `by`,
        // else the first (then refused, and the refusal names the line the file needs).
        return keys.stream()
            .filter(s -> signers.forKey(s.key()).stream().anyMatch(l -> l.allows(by)))
            .findFirst()
            .orElse(keys.get(0));
      }
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage());
    }
    throw new IdentityException(
        Refusal.UNSIGNED,
        "the inventory's approval.identity is signed: sign with --sign-key FILE, with ssh-agent"
            + " (SSH_AUTH_SOCK), or give --signature FILE for the text `runbook statement` prints");
  }
}
