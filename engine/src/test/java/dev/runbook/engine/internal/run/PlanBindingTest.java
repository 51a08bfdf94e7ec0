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
import dev.runbook.engine.api.RunbookPlan;
import dev.runbook.engine.internal.evidence.EvidenceReader;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plans and runs bound to them, on H2 with local steps: the hash is stable and follows every input,
 * a run is refused when it would differ from the approved plan, approvals record the plan, and a
 * step whose command no longer renders as planned does not run.
 */
class PlanBindingTest {

  @TempDir Path tmp;
  Path home;
  Path inventory;
  Path work;
  Path templates;
  EngineOptions options;

  @BeforeEach
  void setUp() throws IOException, URISyntaxException {
    home = tmp.resolve("home");
    work = Files.createDirectories(tmp.resolve("work"));
    Files.writeString(tmp.resolve("id"), "not a real key: never read by these tests\n");
    Files.writeString(tmp.resolve("known_hosts"), "");
    inventory = tmp.resolve("inventory.yaml");
    writeInventory("127.0.0.1");
    templates = tmp.resolve("templates");
    Path source = Path.of(getClass().getResource("/test-templates").toURI());
    try (Stream<Path> files = Files.walk(source)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Path to = templates.resolve(source.relativize(f).toString());
        Files.createDirectories(to.getParent());
        Files.copy(f, to);
      }
    }
    options =
        new EngineOptions(
                home,
                null,
                Path.of(getClass().getResource("/test-runbooks").toURI()),
                templates,
                TestSteps.all(),
                RunListener.NONE)
            // plan-test's step plans a command on the node: the run takes the node's lock there.
            .withShells(inv -> new ScriptedShell());
  }

  private void writeInventory(String host) throws IOException {
    Files.writeString(
        inventory,
        """
        cluster: test
        ssh: {user: root, port: 22, identityFile: id, knownHosts: known_hosts}
        members:
          - {name: n1, host: %s, clientUrl: https://127.0.0.1:2379, peerUrl: https://127.0.0.1:2380}
        approval: {identity: unsigned}
        """
            .formatted(host));
  }

  private RunbookPlan plan(Map<String, String> params) {
    return RunbookEngine.plan(options, "plan-test", inventory, params, false);
  }

  private Map<String, String> params() {
    return Map.of("dir", work.toString());
  }

  @Test
  void thePlanShowsEachStepsCommandPerNodeAndItsHashIsStable() {
    RunbookPlan a = plan(params());
    RunbookPlan b = plan(params());
    assertThat(a.sha256()).matches("[0-9a-f]{64}").isEqualTo(b.sha256());
    assertThat(a.markdown())
        .contains(a.sha256())
        .contains("echo written > '" + work + "/out.txt'")
        .contains("Needs 1 approver other than the person who started the run")
        .contains("fails closed after PT1H")
        .contains("Branch on error STEP_FAILED at Task_Write")
        .contains("Outcome: **rolled-back**");
    assertThat(a.json()).contains("\"planSha256\" : \"" + a.sha256() + "\"");
    assertThat(Files.exists(home.resolve("plans/" + a.sha256() + ".json"))).isTrue();
  }

  @Test
  void theHashChangesWithAParameterACommandTemplateOrANode() throws IOException {
    String base = plan(params()).sha256();
    assertThat(plan(Map.of("dir", work + "/other")).sha256()).isNotEqualTo(base);
    Files.writeString(
        templates.resolve("commands/plan-test/write.ftl"), "echo changed > ${path}\n");
    String changedTemplate = plan(params()).sha256();
    assertThat(changedTemplate).isNotEqualTo(base);
    writeInventory("127.0.0.2");
    assertThat(plan(params()).sha256()).isNotEqualTo(base).isNotEqualTo(changedTemplate);
  }

  @Test
  void secretParametersAreRedactedFromThePlanAndItsStore() throws IOException {
    RunbookPlan p = plan(Map.of("dir", work.toString(), "token", "s3cr3t-value"));
    assertThat(p.markdown()).doesNotContain("s3cr3t-value").contains("hmac-sha256:");
    assertThat(p.json()).doesNotContain("s3cr3t-value");
    assertThat(Files.readString(home.resolve("plans/" + p.sha256() + ".json")))
        .doesNotContain("s3cr3t-value");
    // The stored plan holds the secret's HMAC: the owner's only, like the rest of the home.
    assertThat(Files.getPosixFilePermissions(home.resolve("plans/" + p.sha256() + ".json")))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
  }

  private static String tokenDigest(RunbookPlan p) throws IOException {
    return new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(p.json())
        .path("plan")
        .path("parameters")
        .path("token")
        .asText();
  }

  @Test
  void aSecretParameterEntersTheHashAsAKeyedDigestThatRevealsNothing() throws Exception {
    RunbookPlan a = plan(Map.of("dir", work.toString(), "token", "AAAA"));
    RunbookPlan again = plan(Map.of("dir", work.toString(), "token", "AAAA"));
    RunbookPlan b = plan(Map.of("dir", work.toString(), "token", "BBBB"));
    assertThat(again.sha256()).as("same secret, same hash").isEqualTo(a.sha256());
    assertThat(b.sha256()).as("another secret, another hash").isNotEqualTo(a.sha256());
    String unkeyed =
        java.util.HexFormat.of()
            .formatHex(
                java.security.MessageDigest.getInstance("SHA-256")
                    .digest("AAAA".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertThat(a.json()).doesNotContain("AAAA").doesNotContain(unkeyed);
    String digest = tokenDigest(a);
    assertThat(digest).matches("hmac-sha256:[0-9a-f]{64}").isNotEqualTo(tokenDigest(b));
    // Another home has another key: the same secret gives another digest there.
    EngineOptions elsewhere =
        new EngineOptions(
            tmp.resolve("other-home"),
            null,
            options.runbooksDir(),
            templates,
            TestSteps.all(),
            RunListener.NONE);
    RunbookPlan there =
        RunbookEngine.plan(
            elsewhere,
            "plan-test",
            inventory,
            Map.of("dir", work.toString(), "token", "AAAA"),
            false);
    assertThat(tokenDigest(there)).isNotEqualTo(digest);
    // A run with another secret than the approved plan's is refused before anything runs.
    try (RunbookEngine engine = RunbookEngine.open(options)) {
      assertThatThrownBy(
              () ->
                  engine.start(
                      "plan-test",
                      inventory,
                      Map.of("dir", work.toString(), "token", "BBBB"),
                      "alice",
                      a.sha256()))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("would not do what plan")
          .hasMessageNotContaining("BBBB")
          .hasMessageNotContaining("AAAA");
    }
  }

  @Test
  void anApproverStatingAnotherPlanIsRefusedAndNothingIsRecorded() throws IOException {
    String hash = plan(params()).sha256();
    String other = plan(Map.of("dir", work + "/other")).sha256();
    try (RunbookEngine engine = RunbookEngine.open(options)) {
      RunOutcome o = engine.start("plan-test", inventory, params(), "alice", hash);
      String run = o.runId();
      Path evidence = home.resolve("runs").resolve(run).resolve("evidence.jsonl");
      long before = Files.size(evidence);
      for (String wrong : List.of(other, other.substring(0, 12), "1234", "not-a-hash-at-all")) {
        assertThatThrownBy(
                () ->
                    engine.approve(
                        run,
                        null,
                        "bob",
                        "plan read",
                        dev.runbook.engine.api.Identity.none(),
                        wrong))
            .as(wrong)
            .isInstanceOf(BadInputException.class)
            .hasMessageContaining("nothing was approved");
      }
      assertThat(Files.size(evidence)).as("a refused --plan records nothing").isEqualTo(before);
      assertThat(
              engine
                  .approve(
                      run,
                      null,
                      "bob",
                      "plan read",
                      dev.runbook.engine.api.Identity.none(),
                      hash.substring(0, 12).toUpperCase(java.util.Locale.ROOT))
                  .state())
          .isEqualTo(RunState.DONE);
    }
  }

  @Test
  void aRunBoundToTheApprovedPlanRecordsItsHashOnStartAndOnEveryDecision() throws IOException {
    String hash = plan(params()).sha256();
    String run;
    try (RunbookEngine engine = RunbookEngine.open(options)) {
      RunOutcome o = engine.start("plan-test", inventory, params(), "alice", hash.substring(0, 12));
      assertThat(o.state()).isEqualTo(RunState.WAITING);
      assertThat(o.gate().planSha256()).isEqualTo(hash);
      run = o.runId();
      assertThat(engine.approve(run, null, "bob", "plan read").state()).isEqualTo(RunState.DONE);
    }
    List<JsonNode> records = EvidenceReader.read(home.resolve("runs").resolve(run));
    assertThat(first(records, "run.started").path("planSha256").asText()).isEqualTo(hash);
    assertThat(first(records, "gate.decision").path("planSha256").asText()).isEqualTo(hash);
    assertThat(
            records.stream()
                .filter(r -> r.path("type").asText().equals("artifact.recorded"))
                .map(r -> r.path("name").asText()))
        .contains("plan.json");
    assertThat(Files.readString(work.resolve("out.txt")))
        .isEqualTo("echo written > '" + work + "/out.txt'");
  }

  @Test
  void aRunWithoutAnApprovedPlanIsBoundToItsOwn() throws IOException {
    String run;
    try (RunbookEngine engine = RunbookEngine.open(options)) {
      RunOutcome o = engine.start("plan-test", inventory, params(), "alice");
      run = o.runId();
      assertThat(o.gate().planSha256()).isEqualTo(plan(params()).sha256());
      engine.reject(run, null, "bob", "not today");
    }
    List<JsonNode> records = EvidenceReader.read(home.resolve("runs").resolve(run));
    assertThat(first(records, "gate.decision").path("planSha256").asText())
        .isEqualTo(plan(params()).sha256());
  }

  @Test
  void anUnknownHashOrARunThatWouldDifferIsRefusedBeforeAnythingRuns() throws IOException {
    String approved = plan(params()).sha256();
    try (RunbookEngine engine = RunbookEngine.open(options)) {
      assertThatThrownBy(() -> engine.start("plan-test", inventory, params(), "alice", "0123abcd"))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("no plan with hash 0123abcd");
      assertThatThrownBy(
              () ->
                  engine.start(
                      "plan-test",
                      inventory,
                      Map.of("dir", work + "/elsewhere"),
                      "alice",
                      approved))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("would not do what plan " + approved)
          .hasMessageContaining("elsewhere");
    }
    try (Stream<Path> runs = Files.list(home.resolve("runs"))) {
      assertThat(runs.toList()).isEmpty();
    }
    assertThat(work.resolve("out.txt")).doesNotExist();
  }

  @Test
  void aProcessWhoseTemplatesDifferFromTheRunsIsRefusedAndNamesTheFile() throws IOException {
    String hash = plan(params()).sha256();
    String run;
    try (RunbookEngine engine = RunbookEngine.open(options)) {
      run = engine.start("plan-test", inventory, params(), "alice", hash).runId();
    }
    // Between the start and the approval, the step's template changes.
    Path template = templates.resolve("commands/plan-test/write.ftl");
    String original = Files.readString(template);
    Files.writeString(template, "rm -rf ${path} # changed\n");
    try (RunbookEngine engine = RunbookEngine.open(options)) {
      assertThatThrownBy(() -> engine.approve(run, null, "bob", "plan read"))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("template commands/plan-test/write.ftl (" + template + ")")
          .hasMessageContaining("the run started with");
    }
    assertThat(work.resolve("out.txt")).doesNotExist();
    List<JsonNode> records = EvidenceReader.read(home.resolve("runs").resolve(run));
    assertThat(records).noneMatch(r -> r.path("type").asText().equals("gate.decision"));
    JsonNode pinned = first(records, "run.pinned");
    assertThat(pinned.path("templates").has("commands/plan-test/write.ftl")).isTrue();
    assertThat(pinned.path("engineVersion").asText()).isNotBlank();

    // With the run's own template back, the same approval goes through.
    Files.writeString(template, original);
    try (RunbookEngine engine = RunbookEngine.open(options)) {
      assertThat(engine.approve(run, null, "bob", "plan read").state()).isEqualTo(RunState.DONE);
    }
    assertThat(Files.readString(work.resolve("out.txt")))
        .isEqualTo("echo written > '" + work + "/out.txt'");
  }

  private static JsonNode first(List<JsonNode> records, String type) {
    return records.stream()
        .filter(r -> r.path("type").asText().equals(type))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " record"));
  }
}
