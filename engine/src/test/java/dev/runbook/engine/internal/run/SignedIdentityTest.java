package dev.runbook.engine.internal.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.Identity;
import dev.runbook.engine.api.IdentityException;
import dev.runbook.engine.api.Refusal;
import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.RunbookPlan;
import dev.runbook.engine.api.Runs;
import dev.runbook.engine.internal.evidence.Forger;
import dev.runbook.engine.internal.identity.SshTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed identities on the engine with local steps: every person's action is a statement signed
 * with a real OpenSSH key (ssh-keygen made the keys, and signs the statements given with
 * --signature), verified against the inventory's allowed-signers file; each refusal has its reason,
 * leaves the run as it was and is in the evidence. The gate runbook needs two distinct approvers of
 * role change-board other than the starter; the abort runbook (abort-test) rolls back by its abort
 * path once its DESTRUCTIVE step has run.
 */
class SignedIdentityTest {

  @TempDir static Path tmp;
  static RunbookEngine engine;
  static Path home;
  static Path signers;
  static final AtomicInteger CLUSTERS = new AtomicInteger();
  static final ObjectMapper JSON = new ObjectMapper();

  Path inventory;
  Path work;

  @BeforeAll
  static void keysAndEngine() throws Exception {
    Path people = Files.createDirectories(tmp.resolve("people"));
    StringBuilder lines = new StringBuilder();
    for (String who : List.of("alice", "bob", "carol", "erin", "mallory")) {
      Path key = SshTools.keygen(people, who, "ed25519", "");
      if (who.equals("erin")) {
        lines.append("erin valid-before=\"20200101Z\" ").append(SshTools.publicKey(key));
      } else if (!who.equals("mallory")) {
        lines.append(who).append(" namespaces=\"runbook\" ").append(SshTools.publicKey(key));
      }
      lines.append('\n');
    }
    signers = Files.writeString(tmp.resolve("allowed_signers"), lines);
    Files.writeString(tmp.resolve("id"), "not a real key: never read by these tests\n");
    Files.writeString(tmp.resolve("known_hosts"), "");
    home = tmp.resolve("home");
    Path runbooks = Path.of(SignedIdentityTest.class.getResource("/test-runbooks").toURI());
    engine =
        RunbookEngine.open(
            new EngineOptions(home, null, runbooks, null, TestSteps.all(), RunListener.NONE));
  }

  @AfterAll
  static void close() {
    engine.close();
  }

  /** Each test its own cluster, so that runs left at a gate hold no lock another test needs. */
  @BeforeEach
  void inventory() throws IOException {
    int n = CLUSTERS.incrementAndGet();
    work = Files.createDirectories(tmp.resolve("work-" + n));
    inventory = tmp.resolve("inventory-" + n + ".yaml");
    Files.writeString(
        inventory,
        """
        cluster: signed-%d
        ssh: {user: root, port: 22, identityFile: id, knownHosts: known_hosts}
        members:
          - {name: n1, host: 127.0.0.1, clientUrl: https://127.0.0.1:2379, peerUrl: https://127.0.0.1:2380}
        roles:
          change-board: [bob, carol, alice, erin, mallory]
        approval: {allowedSigners: allowed_signers}
        """
            .formatted(n));
  }

  static Identity key(String who) {
    return new Identity.KeyFile(tmp.resolve("people").resolve(who), null);
  }

  private String start() {
    RunOutcome o =
        engine.start(
            "gate-test", inventory, Map.of("dir", work.toString()), "alice", null, key("alice"));
    assertThat(o.state()).isEqualTo(RunState.WAITING);
    return o.runId();
  }

  /** A statement printed by the engine and signed elsewhere by ssh-keygen -Y sign. */
  private static Identity signedElsewhere(String statement, String who) {
    try {
      Path file = Files.writeString(Files.createTempFile(tmp, "statement", ".txt"), statement);
      return new Identity.Signed(
          statement, SshTools.sign(tmp.resolve("people").resolve(who), "runbook", file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String statement(String run, String action, String gate, String by, String c) {
    return RunbookEngine.statement(
        new EngineOptions(home, null, null, null, List.of(), RunListener.NONE),
        run,
        action,
        gate,
        by,
        c);
  }

  private static List<JsonNode> evidence(String run) {
    return Runs.records(home, run).stream()
        .map(
            l -> {
              try {
                return JSON.readTree(l);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            })
        .toList();
  }

  private static List<JsonNode> records(String run, String type) {
    return evidence(run).stream().filter(r -> r.path("type").asText().equals(type)).toList();
  }

  /** The refusal's reason, with the checks every refusal must pass: nothing else changed. */
  private Refusal refused(String run, Runnable action) {
    int before = records(run, "gate.decision").size();
    IdentityException e = catchThrowableOfType(action::run, IdentityException.class);
    assertThat(e).as("refused").isNotNull();
    assertThat(records(run, "gate.decision")).hasSize(before);
    assertThat(work.resolve("out.txt")).doesNotExist();
    JsonNode last =
        records(run, "statement.refused").get(records(run, "statement.refused").size() - 1);
    assertThat(last.path("reason").asText()).isEqualTo(e.reason().name());
    return e.reason();
  }

  @Test
  void signedStatementsCarryTheRunAndAreInTheEvidence() throws IOException {
    String run = start();

    RunOutcome one = engine.approve(run, null, "bob", "looked at it", key("bob"));
    assertThat(one.gate().approvals()).containsExactly("bob");
    RunOutcome done =
        engine.approve(
            run,
            null,
            "carol",
            "second pair of eyes",
            signedElsewhere(
                statement(run, "approve", null, "carol", "second pair of eyes"), "carol"));

    assertThat(done.state()).isEqualTo(RunState.DONE);
    JsonNode started = records(run, "run.started").get(0);
    assertThat(started.path("identity").asText()).isEqualTo("signed");
    assertThat(started.path("allowedSignersSha256").asText()).isEqualTo(EngineCore.sha256(signers));
    List<JsonNode> verified = records(run, "statement.verified");
    assertThat(verified)
        .extracting(r -> r.path("principal").asText(), r -> r.path("sequence").asLong())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("alice", 1L),
            org.assertj.core.groups.Tuple.tuple("bob", 2L),
            org.assertj.core.groups.Tuple.tuple("carol", 3L));
    List<JsonNode> decisions = records(run, "gate.decision");
    assertThat(decisions)
        .extracting(r -> r.path("keyFingerprint").asText())
        .containsExactly(
            verified.get(1).path("keyFingerprint").asText(),
            verified.get(2).path("keyFingerprint").asText());
    // Anyone can check an approval again by hand, as docs/evidence.md shows.
    Path text =
        Files.writeString(tmp.resolve(run + ".txt"), verified.get(1).path("statement").asText());
    Path sig =
        Files.writeString(tmp.resolve(run + ".sig"), verified.get(1).path("signature").asText());
    SshTools.Result r = SshTools.verify(signers, "bob", sig, text);
    assertThat(r.exit()).as(r.out()).isZero();
  }

  @Test
  void approvalsSignedAheadOpenTheirGateAndAStatementForAnotherGateIsRefused() throws IOException {
    RunOutcome o =
        engine.start(
            "ahead-test", inventory, Map.of("dir", work.toString()), "alice", null, key("alice"));
    String run = o.runId();
    assertThat(o.gate().activityId()).isEqualTo("Gate_First");
    // carol's statement for the first gate does not approve the second ahead.
    String forFirst = statement(run, "approve", "Gate_First", "carol", "ok");
    assertThat(
            refused(
                run,
                () ->
                    engine.approve(
                        run, "Gate_Second", "carol", "ok", signedElsewhere(forFirst, "carol"))))
        .isEqualTo(Refusal.WRONG_STATEMENT);
    engine.approve(run, "Gate_Second", "bob", "ahead", key("bob"));
    engine.approve(
        run,
        "Gate_Second",
        "carol",
        "ahead too",
        signedElsewhere(statement(run, "approve", "Gate_Second", "carol", "ahead too"), "carol"));
    assertThat(records(run, "gate.approved-ahead"))
        .extracting(r -> r.path("keyFingerprint").asText())
        .allMatch(f -> f.startsWith("SHA256:"));
    RunOutcome look = engine.approve(run, "Gate_First", "bob", "go", key("bob"));
    assertThat(look.gate().activityId()).isEqualTo("Gate_Look");
    assertThat(work.resolve("out.txt")).hasContent(run);
    assertThat(records(run, "gate.decision"))
        .filteredOn(r -> r.path("activityId").asText().equals("Gate_Second"))
        .extracting(r -> r.path("by").asText())
        .containsExactly("bob", "carol");
    assertThat(Runs.verify(home, run).ok()).isTrue();
  }

  @Test
  void whoMayApproveIsPartOfThePlanHash() throws Exception {
    Path runbooks = Path.of(getClass().getResource("/test-runbooks").toURI());
    EngineOptions opts =
        new EngineOptions(
            tmp.resolve("plans"), null, runbooks, null, TestSteps.all(), RunListener.NONE);
    Map<String, String> params = Map.of("dir", work.toString());
    RunbookPlan before = RunbookEngine.plan(opts, "gate-test", inventory, params, false);
    // The same people less one: who may approve changed, so the plan approved changed.
    Files.writeString(
        tmp.resolve("other_signers"),
        Files.readString(signers).lines().limit(2).toList().stream()
            .map(l -> l + "\n")
            .reduce("", String::concat));
    Files.writeString(
        inventory,
        Files.readString(inventory)
            .replace("allowedSigners: allowed_signers", "allowedSigners: other_signers"));

    RunbookPlan after = RunbookEngine.plan(opts, "gate-test", inventory, params, false);

    assertThat(after.sha256()).isNotEqualTo(before.sha256());
  }

  @Test
  void anUnknownKeyIsRefusedNamingTheLineNeeded() {
    String run = start();
    IdentityException e =
        catchThrowableOfType(
            () -> engine.approve(run, null, "mallory", "ok", key("mallory")),
            IdentityException.class);
    assertThat(e.reason()).isEqualTo(Refusal.UNKNOWN_KEY);
    assertThat(e.getMessage())
        .contains("the file needs the line: mallory namespaces=\"runbook\" ssh-ed25519 ");
    assertThat(refused(run, () -> engine.approve(run, null, "mallory", "ok", key("mallory"))))
        .isEqualTo(Refusal.UNKNOWN_KEY);
  }

  @Test
  void aKeyActsOnlyAsItsOwnPrincipal() {
    String run = start();
    assertThat(refused(run, () -> engine.approve(run, null, "carol", "as carol", key("bob"))))
        .isEqualTo(Refusal.PRINCIPAL_MISMATCH);
  }

  @Test
  void anExpiredKeyIsRefused() {
    String run = start();
    assertThat(refused(run, () -> engine.approve(run, null, "erin", "ok", key("erin"))))
        .isEqualTo(Refusal.EXPIRED);
  }

  @Test
  void theStarterMayNotApproveAndNobodyApprovesTwice() {
    String run = start();
    assertThat(refused(run, () -> engine.approve(run, null, "alice", "mine", key("alice"))))
        .isEqualTo(Refusal.STARTER_FORBIDDEN);
    engine.approve(run, null, "bob", "first", key("bob"));
    assertThat(refused(run, () -> engine.approve(run, null, "bob", "again", key("bob"))))
        .isEqualTo(Refusal.ALREADY_APPROVED);
    assertThat(Runs.summary(home, run).state()).isEqualTo("waiting");
  }

  @Test
  void aStatementForAnotherRunGateOrPlanIsRefused() throws IOException {
    String run = start();
    String otherRun;
    Path second = tmp.resolve("inventory-second-" + CLUSTERS.incrementAndGet() + ".yaml");
    Files.writeString(
        second, Files.readString(inventory).replace("cluster: signed-", "cluster: x-"));
    otherRun =
        engine
            .start("gate-test", second, Map.of("dir", work.toString()), "alice", null, key("alice"))
            .runId();

    Identity forOther = signedElsewhere(statement(otherRun, "approve", null, "bob", "ok"), "bob");
    assertThat(refused(run, () -> engine.approve(run, null, "bob", "ok", forOther)))
        .isEqualTo(Refusal.WRONG_STATEMENT);
    Identity forGate =
        signedElsewhere(statement(run, "approve", "Gate_Elsewhere", "bob", "ok"), "bob");
    assertThat(refused(run, () -> engine.approve(run, null, "bob", "ok", forGate)))
        .isEqualTo(Refusal.WRONG_STATEMENT);
    String text = statement(run, "approve", null, "bob", "ok");
    String plan = text.replaceAll("(?s).*\nplan: ([0-9a-f]+)\n.*", "$1");
    Identity forPlan = signedElsewhere(text.replace(plan, "0".repeat(64)), "bob");
    assertThat(refused(run, () -> engine.approve(run, null, "bob", "ok", forPlan)))
        .isEqualTo(Refusal.WRONG_STATEMENT);
    Identity rejectNotApprove = signedElsewhere(statement(run, "reject", null, "bob", "ok"), "bob");
    assertThat(refused(run, () -> engine.approve(run, null, "bob", "ok", rejectNotApprove)))
        .isEqualTo(Refusal.WRONG_STATEMENT);
  }

  @Test
  void aReplayedStatementIsRefused() {
    String run = start();
    Identity once = signedElsewhere(statement(run, "approve", null, "bob", "ok"), "bob");
    engine.approve(run, null, "bob", "ok", once);

    assertThat(refused(run, () -> engine.approve(run, null, "bob", "ok", once)))
        .isEqualTo(Refusal.REPLAYED);
  }

  @Test
  void aChangedOrTruncatedSignatureIsRefused() {
    String run = start();
    Identity.Signed good =
        (Identity.Signed) signedElsewhere(statement(run, "approve", null, "bob", "ok"), "bob");
    Identity edited =
        new Identity.Signed(
            good.statement().replace("comment: ok", "comment: ok!"), good.signature());
    assertThat(refused(run, () -> engine.approve(run, null, "bob", "ok!", edited)))
        .isEqualTo(Refusal.BAD_SIGNATURE);
    String sig = good.signature();
    Identity truncated = new Identity.Signed(good.statement(), sig.substring(0, sig.length() / 2));
    assertThat(refused(run, () -> engine.approve(run, null, "bob", "ok", truncated)))
        .isEqualTo(Refusal.MALFORMED);
    assertThat(refused(run, () -> engine.approve(run, null, "bob", "ok", Identity.none())))
        .isEqualTo(Refusal.UNSIGNED);
  }

  @Test
  void aStartWithAnUnknownKeyMakesNoRun() {
    int runs = Runs.list(home).size();
    IdentityException e =
        catchThrowableOfType(
            () ->
                engine.start(
                    "gate-test",
                    inventory,
                    Map.of("dir", work.toString()),
                    "mallory",
                    null,
                    key("mallory")),
            IdentityException.class);
    assertThat(e.reason()).isEqualTo(Refusal.UNKNOWN_KEY);
    assertThat(Runs.list(home)).hasSize(runs);
  }

  @Test
  void anInventoryMustSayHowPeopleProveWhoTheyAre() throws IOException {
    Files.writeString(
        inventory,
        Files.readString(inventory).replace("approval: {allowedSigners: allowed_signers}\n", ""));
    BadInputException e =
        catchThrowableOfType(
            () -> engine.start("gate-test", inventory, Map.of("dir", work.toString()), "alice"),
            BadInputException.class);
    assertThat(e.getMessage())
        .contains("approval: {allowedSigners: allowed_signers}")
        .contains("approval: {identity: unsigned}");
  }

  @Test
  void unsignedIsSaidEverywhere() throws IOException {
    Files.writeString(
        inventory,
        Files.readString(inventory)
            .replace(
                "approval: {allowedSigners: allowed_signers}", "approval: {identity: unsigned}"));
    String run =
        engine.start("gate-test", inventory, Map.of("dir", work.toString()), "alice").runId();

    assertThat(records(run, "run.started").get(0).path("identity").asText()).isEqualTo("unsigned");
    assertThat(records(run, "gate.pending").get(0).path("identity").asText()).isEqualTo("unsigned");
    assertThat(records(run, "statement.verified")).isEmpty();
  }

  /** An abort-test run at Gate_Finish: its DESTRUCTIVE step moved work/data aside. */
  private String pastTheMove() throws IOException {
    Files.writeString(work.resolve("data"), "the data");
    RunOutcome o =
        engine.start(
            "abort-test", inventory, Map.of("dir", work.toString()), "alice", null, key("alice"));
    o = engine.approve(o.runId(), "Gate_Move", "bob", "moving", key("bob"));
    assertThat(o.gate().activityId()).as(o.message()).isEqualTo("Gate_Finish");
    assertThat(work.resolve("data")).doesNotExist();
    return o.runId();
  }

  @Test
  void anAbortWithoutRollbackSignedByAnUnknownKeyIsRefusedAndChangesNothing() throws IOException {
    String run = pastTheMove();

    Refusal reason =
        refused(
            run, () -> engine.abortWithoutRollback(run, "carol", "leave it", true, key("mallory")));

    assertThat(reason).isEqualTo(Refusal.UNKNOWN_KEY);
    assertThat(records(run, "abort.requested")).isEmpty();
    assertThat(Runs.summary(home, run).state()).isEqualTo("waiting");
    assertThat(work.resolve("data.aside")).hasContent("the data");
    assertThat(Runs.verify(home, run).ok()).isTrue();
    // The run is as it was: carol's own signed abort still rolls it back.
    RunOutcome o = engine.abort(run, "carol", "stop", key("carol"));
    assertThat(o.state()).as(o.message()).isEqualTo(RunState.ROLLED_BACK);
    assertThat(work.resolve("data")).hasContent("the data");
  }

  @Test
  void aSignedAbortCannotBeUsedToSkipTheRollback() throws IOException {
    String run = pastTheMove();
    Identity abort = signedElsewhere(statement(run, "abort", null, "carol", "stop"), "carol");

    Refusal reason =
        refused(run, () -> engine.abortWithoutRollback(run, "carol", "stop", true, abort));

    assertThat(reason).isEqualTo(Refusal.WRONG_STATEMENT);
    assertThat(records(run, "statement.refused").get(0).path("message").asText())
        .contains("abort-no-rollback");
    assertThat(work.resolve("data.aside")).exists();
    // Refused, it was not taken: the same statement is good for what carol signed.
    assertThat(engine.abort(run, "carol", "stop", abort).state()).isEqualTo(RunState.ROLLED_BACK);
    assertThat(work.resolve("data")).hasContent("the data");
  }

  @Test
  void anAbortWithoutRollbackIsItsOwnSignedActionAndStillNeedsConfirming() throws IOException {
    String run = pastTheMove();
    String text = statement(run, "abort-no-rollback", null, "carol", "leave it aside");
    Identity signed = signedElsewhere(text, "carol");
    int verifiedBefore = records(run, "statement.verified").size();

    BadInputException unconfirmed =
        catchThrowableOfType(
            () -> engine.abortWithoutRollback(run, "carol", "leave it aside", false, signed),
            BadInputException.class);
    assertThat(unconfirmed.getMessage()).contains("--confirm").contains("Nothing was changed");
    assertThat(records(run, "statement.verified")).hasSize(verifiedBefore);

    // Confirmed, carol's ask is recorded, and the run stays as it is until a second person asks.
    RunOutcome asked = engine.abortWithoutRollback(run, "carol", "leave it aside", true, signed);

    assertThat(asked.state()).as(asked.message()).isEqualTo(RunState.WAITING);
    assertThat(asked.message())
        .contains("asked by carol and needs a second person")
        .contains("--no-rollback --confirm");
    assertThat(records(run, "abort.no-rollback.asked")).singleElement();
    assertThat(records(run, "abort.requested")).isEmpty();
    assertThat(text).contains("action: abort-no-rollback\n");
    JsonNode verified = records(run, "statement.verified").get(verifiedBefore);
    assertThat(verified.path("action").asText()).isEqualTo("abort-no-rollback");
    assertThat(verified.path("principal").asText()).isEqualTo("carol");
    assertThat(work.resolve("data.aside")).hasContent("the data");
    // carol again is not a second person: refused, nothing recorded of it.
    int verifiedNow = records(run, "statement.verified").size();
    assertThat(
            catchThrowableOfType(
                () -> engine.abortWithoutRollback(run, "carol", "again", true, key("carol")),
                BadInputException.class))
        .hasMessageContaining("a second person must ask it too");
    assertThat(records(run, "statement.verified")).hasSize(verifiedNow);

    RunOutcome o = engine.abortWithoutRollback(run, "bob", "agreed, leave it", true, key("bob"));

    assertThat(o.state()).as(o.message()).isEqualTo(RunState.ABORTED);
    assertThat(o.message()).contains("by bob").contains("asked first by carol");
    assertThat(work.resolve("data.aside")).hasContent("the data");
    assertThat(Runs.verify(home, run).ok()).isTrue();
  }

  @Test
  void anAskToEndWithoutRollbackIsWithdrawnWhenTheRunGoesOn() throws IOException {
    String run = pastTheMove();
    engine.abortWithoutRollback(run, "carol", "leave it aside", true, key("carol"));

    // A plain abort, by the same person or another, still rolls back.
    RunOutcome o = engine.abort(run, "carol", "changed my mind: roll it back", key("carol"));

    assertThat(o.state()).as(o.message()).isEqualTo(RunState.ROLLED_BACK);
    assertThat(work.resolve("data")).hasContent("the data");
    assertThat(Runs.verify(home, run).ok()).isTrue();
  }

  @Test
  void aCheckpointIsSignedByTheEngineKeyNotByThePersonDeciding() throws IOException {
    String run = start();

    engine.approve(run, null, "bob", "looked at it", key("bob"));

    List<JsonNode> all = evidence(run);
    int decided = -1;
    for (int i = 0; i < all.size(); i++) {
      if (all.get(i).path("type").asText().equals("gate.decision")) {
        decided = i;
      }
    }
    JsonNode bob = records(run, "statement.verified").get(1);
    JsonNode checkpoint = all.get(decided + 1);
    String engineKey = Runs.fingerprint(Runs.engineKey(home));
    assertThat(checkpoint.path("type").asText()).isEqualTo("checkpoint");
    assertThat(checkpoint.path("engineKey").asText())
        .isEqualTo(engineKey)
        .isNotEqualTo(bob.path("keyFingerprint").asText());
    assertThat(checkpoint.path("by").isMissingNode() || checkpoint.path("by").isNull()).isTrue();
    // Each signature is good in its own namespace only: a person's never passes for the engine's.
    dev.runbook.engine.internal.identity.SshSig cp =
        dev.runbook.engine.internal.identity.SshSig.parse(checkpoint.path("signature").asText());
    dev.runbook.engine.internal.identity.SshSig person =
        dev.runbook.engine.internal.identity.SshSig.parse(bob.path("signature").asText());
    assertThat(cp.key().fingerprint()).isEqualTo(engineKey);
    assertThat(cp.namespace()).isEqualTo("runbook-evidence");
    assertThat(person.namespace()).isEqualTo("runbook");
    assertThat(person.key().fingerprint()).isEqualTo(bob.path("keyFingerprint").asText());
    assertThat(Runs.verify(home, run).ok()).isTrue();
  }

  // ---- a person's statement vouches for the evidence before it ---------------------------

  private static Path runDir(String run) {
    return home.resolve("runs").resolve(run);
  }

  private static String reason(String run) {
    Runs.Verification v = Runs.verify(home, run);
    assertThat(v.ok()).as("verifies").isFalse();
    return v.reason();
  }

  @Test
  void everyStatementIsCheckedAgainFromTheEvidenceWithTheSignersFileTheRunKept()
      throws IOException {
    String run = start();
    engine.approve(run, null, "bob", "looked at it", key("bob"));
    String text = statement(run, "approve", null, "carol", "second");
    int before = evidence(run).size();
    engine.approve(run, null, "carol", "second", signedElsewhere(text, "carol"));

    // carol signed the count and head of the evidence she was shown.
    assertThat(text)
        .startsWith("runbook statement v2\n")
        .endsWith(
            "\nevidence: "
                + before
                + " "
                + dev.runbook.engine.internal.evidence.EvidenceReader.chain(runDir(run))
                    .hashOf(before)
                + "\n");
    List<JsonNode> kept =
        records(run, "artifact.recorded").stream()
            .filter(r -> r.path("name").asText().startsWith("allowed_signers"))
            .toList();
    assertThat(kept).singleElement();
    assertThat(runDir(run).resolve(kept.get(0).path("path").asText()))
        .hasBinaryContent(Files.readAllBytes(signers));
    Runs.Verification v = Runs.verify(home, run);
    assertThat(v.ok()).isTrue();
    assertThat(v.statements()).isEqualTo(3); // alice's start, bob's and carol's approvals
    // And offline, from the export alone: the kept signers file travels with it.
    Path zip = tmp.resolve(run + ".zip");
    Runs.export(home, run, zip);
    Runs.Verification offline = Runs.verifyExport(zip, null, home.resolve(Runs.EXPORTED_KEY));
    assertThat(offline.ok()).as(offline.problem()).isTrue();
    assertThat(offline.statements()).isEqualTo(3);
  }

  @Test
  void recordsRewrittenBeforeAnApprovalFailEvenWhenReSignedWithTheEngineKey() throws IOException {
    String run = start();
    engine.approve(run, null, "bob", "looked at it", key("bob"));
    engine.approve(run, null, "carol", "second", key("carol"));
    assertThat(Runs.verify(home, run).ok()).isTrue();

    // Root on the engine host makes the run say it wrote elsewhere, and signs it all again.
    Forger.rewrite(
        runDir(run),
        home,
        r -> {
          if (r.path("type").asText().equals("run.started")) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) r.path("parameters"))
                .put("dir", "/etc");
          }
          return List.of(r);
        });

    Runs.Verification v = Runs.verify(home, run);
    assertThat(v.reason()).isEqualTo("STATEMENT");
    assertThat(v.problem()).contains("bob's statement 2").contains("were rewritten");
  }

  @Test
  void aDecisionWrittenInSomeonesNameFailsEvenWhenReSignedWithTheEngineKey() throws IOException {
    String run = start();
    engine.approve(run, null, "bob", "looked at it", key("bob"));

    Forger.rewrite(
        runDir(run),
        home,
        r -> {
          if (!r.path("type").asText().equals("gate.decision")) {
            return List.of(r);
          }
          com.fasterxml.jackson.databind.node.ObjectNode carol = r.deepCopy();
          carol.put("by", "carol").put("approvals", 2);
          return List.of(r, carol);
        });

    assertThat(reason(run)).isEqualTo("STATEMENT");
    assertThat(Runs.verify(home, run).problem())
        .contains("gate.decision approved by carol")
        .contains("follows no signed statement of carol's");
  }

  @Test
  void aReconcileApprovalCannotBeMadeIntoADecisionAtAnotherGate() throws IOException {
    String run = pastTheMove();
    // No finish parameter: Task_Finish fails without a record of its end, as if the engine died.
    assertThat(engine.approve(run, "Gate_Finish", "carol", "finish", key("carol")).state())
        .isEqualTo(RunState.FAILED);
    assertThat(engine.resume(run, "carol", key("carol")).state()).isEqualTo(RunState.RECONCILE);
    engine.approve(run, "reconcile", "bob", "checked: safe to run again", key("bob"));
    assertThat(Runs.verify(home, run).ok()).as(Runs.verify(home, run).problem()).isTrue();

    // Root with the engine key turns bob's reconcile approval into a decision at a real gate.
    Forger.rewrite(
        runDir(run),
        home,
        r -> {
          if (r.path("type").asText().equals("gate.decision")
              && r.path("name").asText().equals("reconcile")) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) r)
                .put("name", "Gate_Finish")
                .put("activityId", "Gate_Finish");
          }
          return List.of(r);
        });

    assertThat(reason(run)).isEqualTo("STATEMENT");
    assertThat(Runs.verify(home, run).problem())
        .contains("gate.decision approved by bob at Gate_Finish")
        .contains("follows no signed statement of bob's");
  }

  @Test
  void aStatementNamingOtherEvidenceOrInTheOldFormatIsRefused() {
    String run = start();
    String text = statement(run, "approve", null, "bob", "ok");
    String head = text.replaceAll("(?s).*\nevidence: [0-9]+ ([0-9a-f]{64})\n", "$1");
    Identity otherHead = signedElsewhere(text.replace(head, "ab".repeat(32)), "bob");
    assertThat(refused(run, () -> engine.approve(run, null, "bob", "ok", otherHead)))
        .isEqualTo(Refusal.WRONG_STATEMENT);
    Identity ahead =
        signedElsewhere(text.replaceAll("\nevidence: [0-9]+ ", "\nevidence: 999 "), "bob");
    assertThat(refused(run, () -> engine.approve(run, null, "bob", "ok", ahead)))
        .isEqualTo(Refusal.WRONG_STATEMENT);
    String v1 =
        text.replace("runbook statement v2", "runbook statement v1")
            .replaceAll("evidence: .*\n", "");
    assertThat(
            refused(run, () -> engine.approve(run, null, "bob", "ok", signedElsewhere(v1, "bob"))))
        .isEqualTo(Refusal.WRONG_STATEMENT);
    assertThat(records(run, "statement.refused"))
        .extracting(r -> r.path("message").asText())
        .anyMatch(m -> m.contains("the evidence is not what the statement was made on"))
        .anyMatch(m -> m.contains("the run has only"))
        .anyMatch(m -> m.contains("old format"));
    // The run is as it was: bob's own statement, made now, is taken.
    engine.approve(run, null, "bob", "ok", key("bob"));
    assertThat(Runs.verify(home, run).ok()).isTrue();
  }

  @Test
  void aSwappedSignersFileFailsVerify() throws IOException {
    String run = start();
    JsonNode kept =
        records(run, "artifact.recorded").stream()
            .filter(r -> r.path("name").asText().startsWith("allowed_signers"))
            .findFirst()
            .orElseThrow();
    // A forger swaps alice's key for mallory's in the kept copy, and restates its record.
    String mallory = SshTools.publicKey(tmp.resolve("people").resolve("mallory"));
    String alice = SshTools.publicKey(tmp.resolve("people").resolve("alice"));
    Path copy = runDir(run).resolve(kept.path("path").asText());
    byte[] swapped =
        Files.readString(copy)
            .replace(alice.strip(), mallory.strip())
            .getBytes(StandardCharsets.UTF_8);
    Files.write(copy, swapped);
    String sha = dev.runbook.engine.internal.evidence.Forger.sha256(swapped);
    Forger.rewrite(
        runDir(run),
        home,
        r -> {
          if (r.path("sha256").asText().equals(kept.path("sha256").asText())) {
            r.put("sha256", sha).put("size", swapped.length);
          }
          if (r.path("type").asText().equals("statement.verified")) {
            r.put("allowedSignersSha256", sha);
          }
          return List.of(r);
        });

    assertThat(reason(run)).isEqualTo("STATEMENT");
    assertThat(Runs.verify(home, run).problem())
        .contains("alice's statement 1 does not hold under the allowed-signers file the run kept");
  }
}
