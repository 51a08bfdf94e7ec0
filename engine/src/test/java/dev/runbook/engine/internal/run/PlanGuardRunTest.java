package dev.runbook.engine.internal.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.Runs;
import dev.runbook.engine.internal.evidence.EvidenceReader;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine lets leave only what the bound plan shows for the step and node, whatever the step's
 * effect: steps of every effect and an upload run through a scripted shell that records what
 * reached it. A step that slips in anything else is refused before it leaves, with a {@code
 * plan.refused} record, and the run takes its failure path.
 */
class PlanGuardRunTest {

  /** A value with quotes, a substitution and a new line, which every step carries. */
  private static final String VALUE = "it's \"quoted\"; $(and) `more`\nline";

  @TempDir Path tmp;
  Path home;
  Path inventory;
  Path work;
  ScriptedShell shell;
  EngineOptions options;

  @BeforeEach
  void setUp() throws IOException, URISyntaxException {
    TestSteps.CHEATS.clear();
    home = tmp.resolve("home");
    work = Files.createDirectories(tmp.resolve("work"));
    Files.writeString(work.resolve("payload"), "payload\n");
    Files.writeString(tmp.resolve("id"), "not a real key: never read by these tests\n");
    Files.writeString(tmp.resolve("known_hosts"), "");
    inventory = tmp.resolve("inventory.yaml");
    Files.writeString(
        inventory,
        """
        cluster: test
        ssh: {user: root, port: 22, identityFile: id, knownHosts: known_hosts}
        approval: {identity: unsigned}
        members:
          - {name: n1, host: 127.0.0.1, clientUrl: https://127.0.0.1:2379, peerUrl: https://127.0.0.1:2380}
          - {name: n2, host: 127.0.0.2, clientUrl: https://127.0.0.2:2379, peerUrl: https://127.0.0.2:2380}
        """);
    shell = new ScriptedShell();
    options =
        new EngineOptions(
                home,
                null,
                Path.of(getClass().getResource("/test-runbooks").toURI()),
                Path.of(getClass().getResource("/test-templates").toURI()),
                TestSteps.all(),
                RunListener.NONE)
            .withShells(inv -> shell);
  }

  @AfterEach
  void clear() {
    TestSteps.CHEATS.clear();
  }

  private Map<String, String> params(String value) {
    return Map.of("dir", work.toString(), "value", value);
  }

  /** Starts as alice, approves as bob, returns the outcome of the approval. */
  private RunOutcome runThroughTheGate(String value) {
    try (RunbookEngine engine = RunbookEngine.open(options)) {
      RunOutcome started = engine.start("guard-test", inventory, params(value), "alice");
      assertThat(started.state()).as(started.message()).isEqualTo(RunState.WAITING);
      return engine.approve(started.runId(), null, "bob", "plan read");
    }
  }

  @Test
  void whatTheStepsPlannedIsSentAndNothingElse() throws IOException {
    RunOutcome o = runThroughTheGate(VALUE);
    assertThat(o.state())
        .as(() -> o.message() + "\n" + evidence(o.runId()))
        .isEqualTo(RunState.DONE);
    String run = o.runId();
    // 4 steps x 2 nodes, 2 uploads, and the engine's node lock taken and released on each node
    assertThat(shell.received).hasSize(14);
    assertThat(shell.received)
        .filteredOn(c -> c.contains("/var/lib/runbook/node.lock"))
        .hasSize(4)
        .allMatch(
            c ->
                c.contains("run='" + run + "'")
                    || c.contains("'/var/lib/runbook/.node.lock." + run + "'"));
    assertThat(shell.received)
        .contains("n2: upload " + work.resolve("payload") + " to /var/tmp/payload-" + run)
        .anyMatch(c -> c.startsWith("n1: echo 'destroy' on 'n1' for '" + run + "' with 'it'\\''s"));
    assertThat(types(run)).doesNotContain("plan.refused");
    // The changing steps' commands ran under the run marker, the read-only ones' did not.
    assertThat(shell.marked)
        .hasSize(4)
        .allMatch(c -> c.matches("(?s)n[12]: echo '(change|destroy)'.*"), "a changing step's");
    // Each upload is in the evidence with the host key the node presented, as a command is; the
    // etcd request with the member it went through, and no host key (it is not a shell's).
    assertThat(records(run, "transfer.sent"))
        .extracting(
            r -> r.path("node").asText(),
            r -> r.path("kind").asText(),
            r -> r.path("hostKeyFingerprint").asText(),
            r -> r.path("local").asText())
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(
                "n1", "upload", "SHA256:scripted", work.resolve("payload").toString()),
            org.assertj.core.groups.Tuple.tuple(
                "n2", "upload", "SHA256:scripted", work.resolve("payload").toString()),
            org.assertj.core.groups.Tuple.tuple("n1", "etcd", "", ""));
    assertThat(records(run, "transfer.sent"))
        .filteredOn(r -> r.path("kind").asText().equals("etcd"))
        .singleElement()
        .satisfies(r -> assertThat(r.path("remote").asText()).isEqualTo("member remove " + VALUE));
    assertThat(Runs.verify(home, run).ok()).isTrue();
  }

  @Test
  void anEtcdRequestThePlanDoesNotShowIsRefused() throws IOException {
    TestSteps.CHEATS.put("etcd", "member remove 8e9e05c52164694d");
    RunOutcome o = runThroughTheGate("plain");
    assertThat(o.state()).as(o.message()).isEqualTo(RunState.FAILED);
    JsonNode refused = first(o.runId(), "plan.refused");
    assertThat(refused.path("activityId").asText()).isEqualTo("Task_EtcdChange");
    assertThat(refused.path("kind").asText()).isEqualTo("etcd");
    assertThat(refused.path("refused").asText()).isEqualTo("member remove 8e9e05c52164694d");
    assertThat(refused.path("difference").asText())
        .contains("- member remove plain")
        .contains("+ member remove 8e9e05c52164694d");
    // Refused before it was recorded as sent, so the pack's client never sends it.
    assertThat(records(o.runId(), "transfer.sent"))
        .noneMatch(r -> r.path("kind").asText().equals("etcd"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"look", "read", "change", "destroy"})
  void aCommandThePlanDoesNotShowIsRefusedWhateverTheStepsEffect(String what) throws IOException {
    TestSteps.CHEATS.put(what, "; touch /tmp/pwned");
    RunOutcome o;
    try (RunbookEngine engine = RunbookEngine.open(options)) {
      o = engine.start("guard-test", inventory, params("plain"), "alice");
      if (o.state() == RunState.WAITING) {
        o = engine.approve(o.runId(), null, "bob", "plan read");
      }
    }
    assertThat(o.state()).as(o.message()).isEqualTo(RunState.FAILED);
    assertThat(shell.received).noneMatch(c -> c.contains("pwned"));
    JsonNode refused = first(o.runId(), "plan.refused");
    assertThat(refused.path("activityId").asText()).isEqualTo("Task_" + capital(what));
    assertThat(refused.path("kind").asText()).isEqualTo("command");
    assertThat(refused.path("node").asText()).isEqualTo("n1");
    assertThat(refused.path("difference").asText()).contains("+ echo").contains("touch /tmp/pwned");
    assertThat(types(o.runId())).doesNotContain("command.sent:Task_" + capital(what));
    assertThat(Runs.verify(home, o.runId()).ok()).isTrue();
  }

  @Test
  void anUploadThePlanDoesNotShowIsRefused() throws IOException {
    TestSteps.CHEATS.put("upload", "/etc/kubernetes/manifests/evil.yaml");
    RunOutcome o = runThroughTheGate("plain");
    assertThat(o.state()).as(o.message()).isEqualTo(RunState.FAILED);
    assertThat(shell.received).noneMatch(c -> c.contains("upload"));
    JsonNode refused = first(o.runId(), "plan.refused");
    assertThat(refused.path("kind").asText()).isEqualTo("upload");
    assertThat(refused.path("refused").asText()).endsWith("→ /etc/kubernetes/manifests/evil.yaml");
  }

  @Test
  void aReadOnlyTemplateEditedAfterTheStartIsNotSentAfterTheGate() throws IOException {
    Path templates = Files.createDirectories(tmp.resolve("templates/commands/guard-test"));
    Files.copy(
        Path.of(options.templatesDir().toString(), "commands/guard-test/run.ftl"),
        templates.resolve("run.ftl"));
    EngineOptions edited = options.withTemplatesDir(tmp.resolve("templates"));
    String run;
    try (RunbookEngine engine = RunbookEngine.open(edited)) {
      run = engine.start("guard-test", inventory, params("plain"), "alice").runId();
    }
    // Issue 15: the approver's process has an edited READ_ONLY template.
    Files.writeString(
        templates.resolve("run.ftl"), "touch /tmp/pwned; echo ${what} on ${node.name}\n");
    int before = shell.received.size();
    try (RunbookEngine engine = RunbookEngine.open(edited)) {
      assertThatThrownBy(() -> engine.approve(run, null, "bob", "plan read"))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("template commands/guard-test/run.ftl");
    }
    assertThat(shell.received).hasSize(before).noneMatch(c -> c.contains("pwned"));
    assertThat(types(run)).doesNotContain("gate.decision");
  }

  /** The run's evidence as text, for the message of a failed assertion. */
  private String evidence(String run) {
    try {
      return String.join(
          "\n", Files.readAllLines(home.resolve("runs").resolve(run).resolve("evidence.jsonl")));
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static String capital(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  private List<String> types(String run) throws IOException {
    return EvidenceReader.read(home.resolve("runs").resolve(run)).stream()
        .map(
            r ->
                r.path("type").asText().equals("command.sent")
                    ? "command.sent:" + r.path("activityId").asText()
                    : r.path("type").asText())
        .toList();
  }

  private List<JsonNode> records(String run, String type) throws IOException {
    return EvidenceReader.read(home.resolve("runs").resolve(run)).stream()
        .filter(r -> r.path("type").asText().equals(type))
        .toList();
  }

  private JsonNode first(String run, String type) throws IOException {
    try (Stream<JsonNode> s = EvidenceReader.read(home.resolve("runs").resolve(run)).stream()) {
      return s.filter(r -> r.path("type").asText().equals(type)).findFirst().orElseThrow();
    }
  }
}
