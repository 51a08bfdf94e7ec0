package dev.runbook.engine.api;

import java.util.List;
import java.util.Map;

/**
 * What happens during a run, as typed events. The evidence journal writes each one as a record of
 * evidence.jsonl (its {@link #type()} names the record); the console prints them. Steps never
 * create events themselves: the engine does, around and for them.
 */
public sealed interface RunEvent {

  /** The record type in evidence.jsonl, e.g. {@code step.started}. */
  String type();

  /**
   * A run began; parameters are as given (secret ones already redacted by the journal). {@code
   * identity}: {@code signed} (every person's action is a verified statement, checked against
   * {@code allowedSigners}, whose SHA-256 is also in the plan hash) or {@code unsigned} (names are
   * taken as given).
   */
  record RunStarted(
      String runId,
      String runbook,
      String cluster,
      String startedBy,
      Map<String, String> parameters,
      String inventory,
      String inventorySha256,
      String planSha256,
      String identity,
      String allowedSigners,
      String allowedSignersSha256)
      implements RunEvent {
    public RunStarted(
        String runId,
        String runbook,
        String cluster,
        String startedBy,
        Map<String, String> parameters,
        String inventory,
        String inventorySha256,
        String planSha256) {
      this(
          runId,
          runbook,
          cluster,
          startedBy,
          parameters,
          inventory,
          inventorySha256,
          planSha256,
          null,
          null,
          null);
    }

    public String type() {
      return "run.started";
    }
  }

  /**
   * A step begins on {@code nodes} (member names; empty when it runs on none or its task names a
   * member the inventory lacks). {@code jobId} identifies the attempt: a resume after a crash
   * reuses it.
   */
  record StepStarted(
      String activityId,
      String name,
      String step,
      Effect effect,
      String jobId,
      int attempt,
      List<String> nodes)
      implements RunEvent {
    public StepStarted {
      nodes = nodes == null ? List.of() : List.copyOf(nodes);
    }

    public String type() {
      return "step.started";
    }
  }

  /**
   * Output of a command as it arrived, before the command ended: the lines one read of {@code
   * stream} ({@code stdout} or {@code stderr}) brought. A run killed mid-command keeps what the
   * command printed so far; {@link CommandFinished} still holds the whole output and its digests.
   */
  record CommandOutput(String activityId, String node, String stream, List<String> lines)
      implements RunEvent {
    public CommandOutput {
      lines = List.copyOf(lines);
    }

    public String type() {
      return "command.output";
    }
  }

  /**
   * A command sent to a node with the host key the node presented: {@code command} as rendered
   * (what the plan shows), {@code wire} exactly as sent (with the remote timeout and sudo).
   */
  record CommandSent(
      String activityId,
      String node,
      String host,
      String hostKeyFingerprint,
      String command,
      String wire)
      implements RunEvent {
    public String type() {
      return "command.sent";
    }
  }

  /**
   * A file transfer or tunnel a step asked for, with the host key the node presented, as {@link
   * CommandSent} has it for a command: {@code kind} is read, write, upload or forward; {@code
   * remote} the path on the node (for a forward, the host:port reached from it); {@code local} the
   * local file uploaded, or {@code sha256:HEX mode NNNN} for a write, else null. Kind {@code etcd}
   * is a request that changes the etcd cluster, sent through the member {@code node} over etcd's
   * TLS: {@code remote} is its text, and there is no host key.
   */
  record TransferSent(
      String activityId,
      String node,
      String host,
      String hostKeyFingerprint,
      String kind,
      String remote,
      String local)
      implements RunEvent {
    public String type() {
      return "transfer.sent";
    }
  }

  /** A command finished (or failed to). Output is inline and also digested. */
  record CommandFinished(
      String activityId,
      String node,
      int exitStatus,
      long durationMillis,
      String stdout,
      String stderr,
      String stdoutSha256,
      String stderrSha256,
      FailureReason failure)
      implements RunEvent {
    public String type() {
      return "command.finished";
    }
  }

  /** A file kept with the evidence, under the run dir's artifacts/. */
  record ArtifactRecorded(String activityId, String name, String path, long size, String sha256)
      implements RunEvent {
    public String type() {
      return "artifact.recorded";
    }
  }

  /**
   * A step ended. {@code outcome}: {@code done}, {@code failed}, {@code already-done} (its probe
   * found the change made before a crash) or {@code interrupted} (stopped for a reconcile gate, or
   * about to run again after a broken connection); see {@link StepOutcome}.
   */
  record StepFinished(
      String activityId,
      String step,
      StepOutcome outcome,
      long durationMillis,
      Map<String, Object> outputs,
      FailureReason failure,
      String errorCode,
      String message)
      implements RunEvent {
    public String type() {
      return "step.finished";
    }
  }

  /** A gate waits for people; {@code identity} says whether their approvals must be signed. */
  record GatePending(
      String activityId,
      String name,
      String taskId,
      int approversRequired,
      String role,
      boolean starterMayApprove,
      String expiresAt,
      List<String> releases,
      String identity)
      implements RunEvent {
    public GatePending(
        String activityId,
        String name,
        String taskId,
        int approversRequired,
        String role,
        boolean starterMayApprove,
        String expiresAt,
        List<String> releases) {
      this(
          activityId,
          name,
          taskId,
          approversRequired,
          role,
          starterMayApprove,
          expiresAt,
          releases,
          null);
    }

    public String type() {
      return "gate.pending";
    }
  }

  /**
   * An approval given before the run reached its gate ({@code approve RUN GATE} ahead), verified
   * and held: when the run reaches the gate bound to the same plan, it is that person's decision
   * there ({@link GateDecision}, saying when it was given). {@code approvals}: how many are held
   * for the gate with this one.
   */
  record GateApprovedAhead(
      String activityId,
      String name,
      String by,
      String role,
      String comment,
      String planSha256,
      int approvals,
      int approversRequired,
      String keyFingerprint)
      implements RunEvent {
    public String type() {
      return "gate.approved-ahead";
    }
  }

  /**
   * A person's decision at a gate, or the gate's own expiry ({@code decision} = {@code expired}, by
   * {@code engine}). {@code decision}: approved, rejected, expired ({@link Decision}). {@code
   * keyFingerprint}: the key that signed the decision's statement ({@code by} is its principal),
   * null when unsigned.
   */
  record GateDecision(
      String activityId,
      String name,
      Decision decision,
      String by,
      String role,
      String comment,
      String planSha256,
      int approvals,
      int approversRequired,
      String keyFingerprint)
      implements RunEvent {
    public GateDecision(
        String activityId,
        String name,
        Decision decision,
        String by,
        String role,
        String comment,
        String planSha256,
        int approvals,
        int approversRequired) {
      this(
          activityId,
          name,
          decision,
          by,
          role,
          comment,
          planSha256,
          approvals,
          approversRequired,
          null);
    }

    public String type() {
      return "gate.decision";
    }
  }

  /** A mutating step was in flight when the engine died and its probe cannot tell the outcome. */
  /**
   * Before a MUTATING or DESTRUCTIVE step, its re-rendered plan differed from the plan the run is
   * bound to (approved with --approved-plan, or recorded at start): the step did not run.
   */
  record PlanDrifted(String activityId, String planSha256, String diff) implements RunEvent {
    public String type() {
      return "plan.drifted";
    }
  }

  /**
   * What the run is made of, recorded right after its start: a later process (approve, reject,
   * resume, abort) whose runbook, templates or engine differ is refused and names the file.
   *
   * @param templates template name to the SHA-256 of its text
   */
  record RunPinned(
      String runbook, String runbookSha256, String engineVersion, Map<String, String> templates)
      implements RunEvent {
    public RunPinned {
      templates = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(templates));
    }

    public String type() {
      return "run.pinned";
    }
  }

  /**
   * The engine did not send something a step asked for, because the bound plan does not show it for
   * that step and node: a command, probe, upload or write (whatever the step's effect), or a live
   * reading that differs from the one the plan bound. The step fails with STEP_FAILED.
   *
   * @param kind {@code command}, {@code probe}, {@code upload}, {@code write} or {@code reading}
   * @param refused what the step asked for, redacted
   * @param difference against the nearest planned entry ({@code -} plan, {@code +} asked)
   */
  record PlanRefused(
      String activityId,
      String node,
      String kind,
      String planSha256,
      String refused,
      String difference)
      implements RunEvent {
    public String type() {
      return "plan.refused";
    }
  }

  /**
   * What the placeholders of a planned command stood for when the step sent it (values only the run
   * could know, such as what a node reported), recorded before the command leaves.
   */
  record PlanResolved(String activityId, String node, Map<String, String> values)
      implements RunEvent {
    public PlanResolved {
      values = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(values));
    }

    public String type() {
      return "plan.resolved";
    }
  }

  record ReconcileRequired(String activityId, String step, String reason) implements RunEvent {
    public String type() {
      return "reconcile.required";
    }
  }

  /**
   * A person's signed statement, verified before the engine acted on it: the exact text and armored
   * signature (so anyone can check it again with {@code ssh-keygen -Y verify}), the principal and
   * key, and the allowed-signers file it was checked against.
   */
  record StatementVerified(
      String action,
      String gate,
      String principal,
      String keyFingerprint,
      long sequence,
      String statement,
      String signature,
      int allowedSignersLine,
      String allowedSignersSha256)
      implements RunEvent {
    public String type() {
      return "statement.verified";
    }
  }

  /**
   * A person's action refused before anything changed: who it claimed to be, the key that signed it
   * (null when unknown or unsigned), the typed {@code reason} and what the person must do.
   */
  record StatementRefused(
      String action,
      String gate,
      String claimedBy,
      String keyFingerprint,
      Refusal reason,
      String message)
      implements RunEvent {
    public String type() {
      return "statement.refused";
    }
  }

  /**
   * The engine database was behind the evidence when a process opened the run (a SIGKILL can cost
   * H2 its last commit, while the evidence is fsynced first), and the engine brought it level from
   * the evidence, without asking anyone again. {@code kind}: {@code gate-decision} (the gate the
   * evidence shows decided at {@code activityId} was closed as decided) or {@code run-ended} (the
   * run the evidence shows ended was removed from the database). {@code detail}: what the evidence
   * held.
   */
  record RunRecovered(String kind, String activityId, String detail) implements RunEvent {
    public String type() {
      return "run.recovered";
    }
  }

  /** A person picked the run up again after a crash or a stop. */
  record RunResumed(String by) implements RunEvent {
    public String type() {
      return "run.resumed";
    }
  }

  /**
   * A person aborted the run. {@code rollback}: the runbook's abort path runs (the run was past a
   * DESTRUCTIVE step), and the run ends, releasing its cluster, when that path ends; false: the run
   * ends now. {@code left}: what the run's changing steps did, where, one line each, as it stands
   * at the abort (empty when no step changed anything).
   */
  record AbortRequested(String by, String comment, boolean rollback, List<String> left)
      implements RunEvent {
    public AbortRequested {
      left = left == null ? List.of() : List.copyOf(left);
    }

    public String type() {
      return "abort.requested";
    }
  }

  /**
   * A person asked to end a signed run past a DESTRUCTIVE step without its rollback, and confirmed
   * it: nothing is done until a second person asks the same (their own signed {@code
   * abort-no-rollback}), since leaving a cluster half-restored is one person's call nowhere. {@code
   * left}: what the run's changing steps did, as it stood when asked.
   */
  record AbortNoRollbackAsked(String by, String comment, List<String> left) implements RunEvent {
    public AbortNoRollbackAsked {
      left = left == null ? List.of() : List.copyOf(left);
    }

    public String type() {
      return "abort.no-rollback.asked";
    }
  }

  /**
   * The run ended. {@code outcome}: done, failed, rolled-back, rejected, expired, aborted. {@code
   * by} is set for aborted.
   */
  record RunEnded(String outcome, String message, String by) implements RunEvent {
    public String type() {
      return "run.ended";
    }
  }

  /**
   * The engine sends a command of its own node lock to a node ({@code action} {@code node-lock} or
   * {@code node-unlock}), recorded before it leaves; {@code activityId} is the step the lock is
   * taken for, null for a release.
   */
  record NodeLockSent(
      String activityId,
      String node,
      String host,
      String hostKeyFingerprint,
      String action,
      String command)
      implements RunEvent {
    public String type() {
      return "node.lock.sent";
    }
  }

  /**
   * The run holds the lock on {@code node} before step {@code activityId}: taken now, or {@code
   * again} when the node's lock named this run already (a resume in a new process).
   */
  record NodeLocked(
      String activityId,
      String node,
      String lock,
      boolean again,
      String engineHome,
      String engineHost,
      String since)
      implements RunEvent {
    public String type() {
      return "node.locked";
    }
  }

  /**
   * The node lock on {@code node} was not taken and the step did not run: another run holds it
   * ({@code holderRun}, its engine home and host, who started it and since when), or the node did
   * not answer ({@code reason}). {@code released} are the nodes whose lock this run had just taken
   * and let go again, so nothing is left held.
   */
  record NodeLockRefused(
      String activityId,
      String node,
      String holderRun,
      String holderHome,
      String holderHost,
      String holderBy,
      String holderSince,
      String reason,
      List<String> released)
      implements RunEvent {
    public String type() {
      return "node.lock.refused";
    }
  }

  /**
   * The run let go of its lock on {@code node}. {@code outcome}: {@code released}, {@code absent}
   * (no lock was there), {@code other} (another run's lock, left as it is: {@code detail} holds
   * it), or {@code failed} (the node did not answer: {@code detail} says why, and the lock stays).
   */
  record NodeUnlocked(String node, String outcome, String detail) implements RunEvent {
    public String type() {
      return "node.unlocked";
    }
  }

  /**
   * A person broke another run's lock on {@code node} (their {@code statement.verified}, action
   * {@code unlock}, comes just before): {@code outcome} {@code released} (the lock named {@code
   * holderRun} and was removed), {@code absent}, {@code other} (another run's lock, left: {@code
   * detail} holds it) or {@code failed} ({@code detail} says why).
   */
  record NodeLockBroken(
      String node, String holderRun, String by, String comment, String outcome, String detail)
      implements RunEvent {
    public String type() {
      return "node.lock.broken";
    }
  }

  /**
   * The engine's signed word for the evidence so far: the run had {@code records} records, the last
   * of them hashing to {@code head}. Written after each gate decision, after the run's end and when
   * a process lets go of the run, by the journal itself (see docs/evidence.md). {@code signature}
   * is an OpenSSH signature (SSHSIG, namespace {@code runbook-evidence}) of the checkpoint
   * statement by the engine home's key, whose fingerprint is {@code engineKey}. The person whose
   * decision it follows signed their own statement (a {@link StatementVerified} record earlier in
   * the chain, which this checkpoint covers), not the checkpoint: {@code by}, {@code byKey} and
   * {@code bySignature} are kept in the format for a person's co-signature and are null.
   */
  record Checkpoint(
      String runId,
      long records,
      String head,
      String engineKey,
      String signature,
      String by,
      String byKey,
      String bySignature)
      implements RunEvent {
    public String type() {
      return "checkpoint";
    }
  }
}
