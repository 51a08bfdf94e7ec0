package dev.runbook.engine.internal.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.CommandResult;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.FailureReason;
import dev.runbook.engine.api.OutputListener;
import dev.runbook.engine.api.RemoteFailure;
import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.Runs;
import dev.runbook.engine.internal.evidence.EvidenceReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A changing step whose connection to a node breaks mid-command (outcome-test, step remoteTouch):
 * the engine waits for the command's marker, then asks the step's probe, as a resume would. The
 * nodes are directories of this machine and every command, marker included, runs in a real sh; the
 * shell drops the connection before or after the node ran the step's command.
 */
class UnknownOutcomeTest {

  @TempDir Path tmp;
  Path inventory;
  Path dir;
  CuttingShell nodes;
  RunbookEngine engine;

  /** Drops the connection on the step's write to one node, before or after the node ran it. */
  static final class CuttingShell extends NodeShell {
    volatile String node = "";
    volatile boolean afterRunning;
    final AtomicInteger cuts = new AtomicInteger();

    CuttingShell(Path root) {
      super(root);
    }

    @Override
    public CommandResult run(String n, String command, Duration timeout, OutputListener output) {
      boolean write = isWrite(command) && n.equals(node);
      if (write && cuts.get() > 0) {
        cuts.decrementAndGet();
        if (afterRunning) {
          super.run(n, command, timeout, output);
        } else {
          received.add(n + ": " + command);
        }
        throw new RemoteFailure(FailureReason.CONNECTION_LOST, n, "connection reset", null);
      }
      return super.run(n, command, timeout, output);
    }
  }

  /** The step's write (touch.ftl), not its probe nor the engine's own lock and marker commands. */
  static boolean isWrite(String command) {
    return command.contains(".done") && command.contains("> ");
  }

  @BeforeEach
  void setUp() throws Exception {
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
    dir = tmp.resolve("written");
    nodes = new CuttingShell(Files.createDirectories(tmp.resolve("nodes")));
    engine =
        RunbookEngine.open(
            new EngineOptions(
                    tmp.resolve("home"),
                    null,
                    Path.of(getClass().getResource("/test-runbooks").toURI()),
                    Path.of(getClass().getResource("/test-templates").toURI()),
                    TestSteps.all(),
                    RunListener.NONE)
                .withShells(inv -> nodes));
  }

  @AfterEach
  void close() {
    engine.close();
  }

  private void cut(String node, boolean afterRunning, int times) {
    nodes.node = node;
    nodes.afterRunning = afterRunning;
    nodes.cuts.set(times);
  }

  private RunOutcome start(String probe) {
    return engine.start(
        "outcome-test", inventory, Map.of("dir", dir.toString(), "probe", probe), "alice");
  }

  private List<JsonNode> records(String run, String type) throws IOException {
    return EvidenceReader.read(tmp.resolve("home").resolve("runs").resolve(run)).stream()
        .filter(r -> r.path("type").asText().equals(type))
        .toList();
  }

  private long writesTo(String node) {
    return nodes.received.stream().filter(c -> c.startsWith(node + ": ") && isWrite(c)).count();
  }

  @Test
  void aCutAfterTheLastNodeRanItIsFoundDoneAndNotSentAgain() throws IOException {
    cut("n2", true, 1);

    RunOutcome o = start("read");

    assertThat(o.state()).as(o.message()).isEqualTo(RunState.DONE);
    assertThat(dir.resolve("n1.done")).exists();
    assertThat(dir.resolve("n2.done")).exists();
    assertThat(writesTo("n2")).isEqualTo(1);
    JsonNode finished = records(o.runId(), "step.finished").get(0);
    assertThat(finished.path("outcome").asText()).isEqualTo("already-done");
    assertThat(finished.path("failure").asText()).isEqualTo("CONNECTION_LOST");
    assertThat(finished.path("message").asText())
        .contains("n2: the connection broke mid-command", "found the change made");
    // Before the probe, the engine waited on the node for the cut command's marker.
    assertThat(nodes.received)
        .anySatisfy(c -> assertThat(c).startsWith("n2: for runbook_marker in"));
    assertThat(Runs.verify(tmp.resolve("home"), o.runId()).ok()).isTrue();
  }

  @Test
  void aCutBeforeTheNodeRanItRunsTheStepOnceMore() throws IOException {
    cut("n1", false, 1);

    RunOutcome o = start("read");

    assertThat(o.state()).as(o.message()).isEqualTo(RunState.DONE);
    assertThat(dir.resolve("n1.done")).exists();
    assertThat(dir.resolve("n2.done")).exists();
    assertThat(writesTo("n1")).isEqualTo(2);
    assertThat(records(o.runId(), "step.finished"))
        .extracting(r -> r.path("outcome").asText())
        .containsExactly("interrupted", "done");
    assertThat(records(o.runId(), "step.started"))
        .extracting(r -> r.path("attempt").asInt())
        .containsExactly(1, 2);
    assertThat(records(o.runId(), "step.finished").get(0).path("message").asText())
        .contains("safe to run again");
  }

  @Test
  void aProbeThatCannotTellStopsAtTheReconcileGateForAPerson() throws IOException {
    cut("n1", true, 1);

    RunOutcome o = start("unknown");

    assertThat(o.state()).as(o.message()).isEqualTo(RunState.RECONCILE);
    assertThat(records(o.runId(), "reconcile.required")).hasSize(1);
    assertThat(writesTo("n2")).isZero();

    RunOutcome done = engine.approve(o.runId(), "reconcile", "bob", "looked: safe to write again");
    assertThat(done.state()).as(done.message()).isEqualTo(RunState.DONE);
    assertThat(dir.resolve("n2.done")).exists();
  }

  @Test
  void aSecondCutTakesTheModelledFailurePathInsteadOfTryingForever() throws IOException {
    cut("n1", false, 2);

    RunOutcome o = start("read");

    assertThat(o.state()).as(o.message()).isEqualTo(RunState.FAILED);
    assertThat(writesTo("n1")).isEqualTo(2);
    assertThat(dir.resolve("n2.done")).doesNotExist();
    assertThat(records(o.runId(), "step.finished"))
        .extracting(r -> r.path("outcome").asText())
        .containsExactly("interrupted", "failed");
  }
}
