package dev.runbook.engine.internal.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.Identity;
import dev.runbook.engine.api.IdentityException;
import dev.runbook.engine.api.Refusal;
import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.Runs;
import dev.runbook.engine.internal.evidence.EvidenceEvents;
import dev.runbook.engine.internal.evidence.EvidenceReader;
import dev.runbook.engine.internal.identity.SshTools;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's lock on the nodes (docs/engine.md, "One run per node"): two engine homes on the same
 * nodes, a resume in a new process, the release at the end, and a runbook that only reads. The
 * nodes are directories of this machine ({@link NodeShell}): the lock commands run for real.
 */
class NodeLockTest {

  /** The lock of a run whose engine host is gone. */
  private static final String GONE =
      "run=0dd0babe\nhome=runbook-engine@elsewhere\nhost=gone.example\nby=dave\nsince=2026-01-01T00:00:00Z\n";

  @TempDir Path tmp;
  Path inventory;
  NodeShell nodes;

  @BeforeEach
  void setUp() throws IOException {
    Files.writeString(tmp.resolve("id"), "not a real key: never read by these tests\n");
    Files.writeString(tmp.resolve("known_hosts"), "");
    inventory = tmp.resolve("inventory.yaml");
    Files.writeString(
        inventory,
        """
        cluster: test
        ssh: {user: root, port: 22, identityFile: id, knownHosts: known_hosts}
        approval: {identity: unsigned}
        roles: {change-board: [bob]}
        members:
          - {name: n1, host: 127.0.0.1, clientUrl: https://127.0.0.1:2379, peerUrl: https://127.0.0.1:2380}
          - {name: n2, host: 127.0.0.2, clientUrl: https://127.0.0.2:2379, peerUrl: https://127.0.0.2:2380}
        """);
    nodes = new NodeShell(Files.createDirectories(tmp.resolve("nodes")));
  }

  private RunbookEngine open(String home) {
    try {
      return RunbookEngine.open(
          new EngineOptions(
                  tmp.resolve(home),
                  null,
                  Path.of(getClass().getResource("/test-runbooks").toURI()),
                  Path.of(getClass().getResource("/test-templates").toURI()),
                  TestSteps.all(),
                  RunListener.NONE)
              .withShells(inv -> nodes));
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aSecondHomeIsRefusedAtItsFirstChangeNamingTheHolderAndTheLockGoesAtTheEnd()
      throws IOException {
    String first;
    try (RunbookEngine a = open("home-a")) {
      RunOutcome o = a.start("lock-test", inventory, Map.of(), "alice");
      assertThat(o.state()).as(o.message()).isEqualTo(RunState.WAITING);
      first = o.runId();
    }
    assertThat(nodes.lock("n1")).content().contains("run=" + first, "by=alice", "home=");
    assertThat(nodes.lock("n2")).content().contains("run=" + first);

    String second;
    try (RunbookEngine b = open("home-b")) {
      RunOutcome o = b.start("lock-test", inventory, Map.of(), "carol");
      second = o.runId();
      assertThat(o.state()).isEqualTo(RunState.FAILED);
      assertThat(o.message())
          .contains("node n1 is locked by run " + first, "started by alice", "Nothing was changed")
          .contains("runbook resume " + second);
    }
    // The second run sent its lock command and nothing of its step.
    assertThat(nodes.received).noneMatch(c -> c.contains("'change'") && c.contains(second));
    assertThat(nodes.lock("n1")).content().contains("run=" + first);
    JsonNode refused = only(tmp.resolve("home-b"), second, "node.lock.refused");
    assertThat(refused.path("holderRun").asText()).isEqualTo(first);
    assertThat(refused.path("holderBy").asText()).isEqualTo("alice");
    assertThat(refused.path("node").asText()).isEqualTo("n1");
    assertThat(types(tmp.resolve("home-b"), second)).doesNotContain("step.started");
    // Status, from the evidence alone, says who holds the node and how to break its lock.
    Runs.Summary status = Runs.summary(tmp.resolve("home-b"), second);
    assertThat(status.state()).isEqualTo("failed");
    assertThat(status.message())
        .contains("node n1 is locked by run " + first + " (engine host ")
        .contains("runbook unlock " + second + " --node n1 --holder " + first);

    try (RunbookEngine a = open("home-a")) {
      assertThat(a.approve(first, null, "bob", "ok").state()).isEqualTo(RunState.DONE);
    }
    assertThat(nodes.lock("n1")).doesNotExist();
    assertThat(nodes.lock("n2")).doesNotExist();
    assertThat(types(tmp.resolve("home-a"), first))
        .containsSubsequence("node.locked", "node.locked", "step.started")
        .containsSubsequence("node.unlocked", "node.unlocked", "run.ended");
    assertThat(Runs.verify(tmp.resolve("home-a"), first).ok()).isTrue();

    // The holder gone, the refused run goes on from where it stopped.
    try (RunbookEngine b = open("home-b")) {
      RunOutcome o = b.resume(second, "carol");
      assertThat(o.state()).as(o.message()).isEqualTo(RunState.WAITING);
    }
    assertThat(nodes.lock("n2")).content().contains("run=" + second);
  }

  @Test
  void aResumeInANewProcessTakesItsOwnLockAgain() throws IOException {
    String run;
    try (RunbookEngine e = open("home")) {
      run = e.start("lock-test", inventory, Map.of(), "alice").runId();
    }
    // A new engine process: its session holds nothing yet, and the nodes' lock names the run.
    try (RunbookEngine e = open("home")) {
      RunOutcome o = e.approve(run, null, "bob", "ok");
      assertThat(o.state()).as(o.message()).isEqualTo(RunState.DONE);
    }
    List<JsonNode> locked = all(tmp.resolve("home"), run, "node.locked");
    assertThat(locked).hasSize(4);
    assertThat(locked.subList(0, 2)).allMatch(r -> !r.path("again").asBoolean());
    assertThat(locked.subList(2, 4))
        .allMatch(r -> r.path("again").asBoolean())
        .allMatch(r -> r.path("activityId").asText().equals("Task_Finish"));
    assertThat(nodes.lock("n1")).doesNotExist();
  }

  @Test
  void itIsAllOrNothing() throws IOException {
    Files.createDirectories(nodes.dir("n2"));
    Files.writeString(nodes.lock("n2"), GONE);
    try (RunbookEngine e = open("home")) {
      RunOutcome o = e.start("lock-test", inventory, Map.of(), "alice");
      assertThat(o.state()).isEqualTo(RunState.FAILED);
      assertThat(o.message())
          .contains("node n2 is locked by run 0dd0babe (engine host gone.example")
          .contains("since 2026-01-01T00:00:00Z")
          .contains("the locks this run had just taken on n1 were released");
      JsonNode refused = only(tmp.resolve("home"), o.runId(), "node.lock.refused");
      assertThat(refused.path("released").toString()).isEqualTo("[\"n1\"]");
      // Aborting the refused run lets go of nothing it does not hold.
      assertThat(e.abort(o.runId(), "alice", "wrong window").state()).isEqualTo(RunState.ABORTED);
    }
    assertThat(nodes.lock("n1")).doesNotExist();
    assertThat(nodes.lock("n2")).content().isEqualTo(GONE);
  }

  @Test
  void aPersonBreaksTheLockOfARunThatIsGoneAndTheRefusedRunGoesOn() throws IOException {
    Files.createDirectories(nodes.dir("n1"));
    Files.writeString(nodes.lock("n1"), GONE);
    try (RunbookEngine e = open("home")) {
      RunOutcome o = e.start("lock-test", inventory, Map.of(), "alice");
      String run = o.runId();
      assertThat(o.message()).contains("runbook unlock " + run + " --node n1 --holder 0dd0babe");

      assertThatThrownBy(() -> e.unlock(run, "n1", "0dd0babe", "bob", " ", Identity.none()))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("--comment");
      assertThatThrownBy(() -> e.unlock(run, "n9", "0dd0babe", "bob", "gone", Identity.none()))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("no node 'n9'");
      // Breaking a lock is a decision: only someone who may decide the runbook's gates takes it.
      IdentityException notBoard =
          catchThrowableOfType(
              () -> e.unlock(run, "n1", "0dd0babe", "mallory", "gone", Identity.none()),
              IdentityException.class);
      assertThat(notBoard.reason()).isEqualTo(Refusal.ROLE_MISSING);
      assertThat(notBoard.getMessage())
          .contains("[change-board]", "mallory", "Nothing was changed");
      assertThat(nodes.lock("n1")).content().isEqualTo(GONE);
      // A lock that names another run than the one given is left as it is.
      RunOutcome wrong = e.unlock(run, "n1", "12345678", "bob", "gone", Identity.none());
      assertThat(wrong.message()).contains("locked by another run than 12345678");
      assertThat(nodes.lock("n1")).content().isEqualTo(GONE);

      RunOutcome broken =
          e.unlock(
              run, "n1", "0dd0babe", "bob", "gone.example was decommissioned", Identity.none());
      assertThat(broken.message()).contains("was removed", "runbook resume " + run);
      assertThat(nodes.lock("n1")).doesNotExist();
      List<JsonNode> records = all(tmp.resolve("home"), run, "node.lock.broken");
      assertThat(records)
          .extracting(r -> r.path("outcome").asText())
          .containsExactly("other", "released");
      assertThat(records.get(1).path("by").asText()).isEqualTo("bob");
      assertThat(records.get(1).path("comment").asText())
          .isEqualTo("gone.example was decommissioned");

      RunOutcome resumed = e.resume(run, "alice");
      assertThat(resumed.state()).as(resumed.message()).isEqualTo(RunState.WAITING);
      assertThat(nodes.lock("n1")).content().contains("run=" + run);
      assertThat(Runs.verify(tmp.resolve("home"), run).ok()).isTrue();
    }
  }

  @Test
  void breakingALockIsSignedLikeAnyActionOnTheRunAndCanBeSignedElsewhere() throws Exception {
    Path people = Files.createDirectories(tmp.resolve("people"));
    StringBuilder signers = new StringBuilder();
    for (String who : List.of("alice", "bob")) {
      Path key = SshTools.keygen(people, who, "ed25519", "");
      signers.append(who).append(" namespaces=\"runbook\" ").append(SshTools.publicKey(key));
      signers.append('\n');
    }
    Files.writeString(tmp.resolve("allowed_signers"), signers);
    Files.writeString(
        inventory,
        Files.readString(inventory)
            .replace(
                "approval: {identity: unsigned}", "approval: {allowedSigners: allowed_signers}"));
    Files.createDirectories(nodes.dir("n1"));
    Files.writeString(nodes.lock("n1"), GONE);
    Path home = tmp.resolve("home");
    try (RunbookEngine e = open("home")) {
      String run =
          e.start("lock-test", inventory, Map.of(), "alice", null, key(people, "alice")).runId();

      // Unsigned, it is refused and recorded, and the lock stays.
      assertThatThrownBy(() -> e.unlock(run, "n1", "0dd0babe", "bob", "gone", Identity.none()))
          .isInstanceOf(IdentityException.class);
      assertThat(nodes.lock("n1")).content().isEqualTo(GONE);
      assertThat(types(home, run)).contains("statement.refused").doesNotContain("node.lock.broken");

      // What `runbook statement RUN --unlock n1 --holder 0dd0babe` prints, signed by ssh-keygen.
      String statement =
          RunbookEngine.unlockStatement(
              new EngineOptions(home, null, null, null, List.of(), RunListener.NONE),
              run,
              "n1",
              "0dd0babe",
              "bob",
              "gone.example was decommissioned");
      assertThat(statement)
          .contains("action: unlock\n", "gate: n1\n", "decision: break 0dd0babe\n");
      Path file = Files.writeString(tmp.resolve("statement.txt"), statement);
      Identity signed =
          new Identity.Signed(statement, SshTools.sign(people.resolve("bob"), "runbook", file));
      RunOutcome broken =
          e.unlock(run, "n1", "0dd0babe", "bob", "gone.example was decommissioned", signed);

      assertThat(broken.message()).contains("was removed");
      assertThat(nodes.lock("n1")).doesNotExist();
      JsonNode verified = all(home, run, "statement.verified").get(1);
      assertThat(verified.path("action").asText()).isEqualTo("unlock");
      assertThat(verified.path("principal").asText()).isEqualTo("bob");
      assertThat(types(home, run))
          .containsSubsequence("statement.verified", "node.lock.sent", "node.lock.broken");
      // A statement is good once: the same one again is refused.
      assertThatThrownBy(
              () ->
                  e.unlock(run, "n1", "0dd0babe", "bob", "gone.example was decommissioned", signed))
          .isInstanceOf(IdentityException.class)
          .extracting(x -> ((IdentityException) x).reason())
          .isEqualTo(dev.runbook.engine.api.Refusal.REPLAYED);
      assertThat(Runs.verify(home, run).ok()).isTrue();
    }
  }

  private static Identity key(Path people, String who) {
    return new Identity.KeyFile(people.resolve(who), null);
  }

  @Test
  void aRunbookThatOnlyReadsWritesNothingOnTheNodes() throws IOException {
    try (RunbookEngine e = open("home")) {
      RunOutcome o = e.start("lock-read-test", inventory, Map.of(), "alice");
      assertThat(o.state()).as(o.message()).isEqualTo(RunState.DONE);
      assertThat(types(tmp.resolve("home"), o.runId())).noneMatch(t -> t.startsWith("node."));
    }
    assertThat(nodes.dir("n1")).doesNotExist();
    assertThat(nodes.dir("n2")).doesNotExist();
    assertThat(nodes.received).hasSize(2).allMatch(c -> c.contains("echo 'look'"));
  }

  @Test
  void onExternalEtcdTheControlPlanesAreLockedWithTheMembers() throws IOException {
    Path external = tmp.resolve("external.yaml");
    Files.writeString(
        external,
        Files.readString(inventory)
                .replace("members:", "etcd: {topology: external, access: {mode: tunnel}}\nmembers:")
            + """
            controlPlane:
              - {name: cp1, host: 127.0.0.3}
            """);
    try (RunbookEngine e = open("home")) {
      RunOutcome o = e.start("lock-test", external, Map.of(), "alice");
      assertThat(o.state()).as(o.message()).isEqualTo(RunState.WAITING);
      // A restore stops the API servers there: another run must not start them meanwhile.
      assertThat(nodes.lock("cp1")).content().contains("run=" + o.runId());
      assertThat(all(tmp.resolve("home"), o.runId(), "node.locked"))
          .extracting(r -> r.path("node").asText())
          .containsExactly("n1", "n2", "cp1");
      assertThat(e.approve(o.runId(), null, "bob", "ok").state()).isEqualTo(RunState.DONE);
    }
    assertThat(nodes.lock("cp1")).doesNotExist();
    assertThat(nodes.lock("n1")).doesNotExist();
  }

  @Test
  void aRejectedRunLetsGoOfTheNodes() throws IOException {
    try (RunbookEngine e = open("home")) {
      String run = e.start("lock-test", inventory, Map.of(), "alice").runId();
      assertThat(nodes.lock("n1")).exists();
      assertThat(e.reject(run, null, "bob", "not today").state()).isEqualTo(RunState.REJECTED);
    }
    assertThat(nodes.lock("n1")).doesNotExist();
    assertThat(nodes.lock("n2")).doesNotExist();
  }

  @Test
  void theNodesToReleaseAreThoseALockCommandWentToButNotAnotherHoldersOrOnesLetGo()
      throws IOException {
    List<JsonNode> evidence =
        List.of(
            json("{\"type\":\"node.lock.sent\",\"node\":\"n1\",\"action\":\"node-lock\"}"),
            json("{\"type\":\"node.lock.sent\",\"node\":\"n2\",\"action\":\"node-lock\"}"),
            json("{\"type\":\"node.lock.sent\",\"node\":\"n3\",\"action\":\"node-lock\"}"),
            json("{\"type\":\"node.lock.refused\",\"node\":\"n2\",\"holderRun\":\"0dd0babe\"}"),
            json("{\"type\":\"node.lock.sent\",\"node\":\"n1\",\"action\":\"node-unlock\"}"),
            json("{\"type\":\"node.unlocked\",\"node\":\"n1\",\"outcome\":\"released\"}"),
            json("{\"type\":\"node.locked\",\"node\":\"n4\"}"),
            json("{\"type\":\"node.unlocked\",\"node\":\"n4\",\"outcome\":\"failed\"}"));
    // n3: killed before its node.locked, so it may hold; n4: its release failed, it still holds.
    assertThat(NodeLock.heldNodes(EvidenceEvents.of(evidence))).containsExactly("n3", "n4");
  }

  private static JsonNode json(String text) throws IOException {
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
  }

  private static List<String> types(Path home, String run) throws IOException {
    return EvidenceReader.read(home.resolve("runs").resolve(run)).stream()
        .map(r -> r.path("type").asText())
        .toList();
  }

  private static List<JsonNode> all(Path home, String run, String type) throws IOException {
    return EvidenceReader.read(home.resolve("runs").resolve(run)).stream()
        .filter(r -> r.path("type").asText().equals(type))
        .toList();
  }

  private static JsonNode only(Path home, String run, String type) throws IOException {
    List<JsonNode> found = all(home, run, type);
    assertThat(found).as(type).hasSize(1);
    return found.get(0);
  }
}
