package dev.runbook.runbooks.etcd;

import static dev.runbook.runbooks.etcd.EtcdRunbooksIT.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.Runs;
import dev.runbook.lab.LabInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every shipped runbook runs with only its required parameters, as {@code runbook list} allows:
 * each left-out parameter resolves to its default wherever the BPMN uses it (etcd-restore without
 * expectSha256 once failed with "Cannot resolve identifier 'expectSha256'" after the run began).
 * The defaults put files on the engine host (/var/lib/runbook/...); the test removes its own.
 */
class RequiredParametersOnlyIT {

  @TempDir Path tmp;

  @Test
  void eachRunbookRunsWithOnlyItsRequiredParameters() throws Exception {
    try (LabInstance lab = LabInstance.up(1, "3.5");
        RunbookEngine engine = RunbookEngine.open(EngineOptions.of(tmp.resolve("home")))) {
      // What the rehearsal checks a restored copy for: Kubernetes keys and the marker.
      lab.seed(100);
      assertThat(
              lab.etcdctl(
                      1, "put", "/registry/configmaps/etcd-lab/restore-marker", "before-snapshot")
                  .exitCode())
          .isZero();
      RunOutcome snap =
          engine.start("etcd-snapshot", lab.inventory(), Map.of(), "alice", null, as(lab, "alice"));
      assertThat(snap.state()).as(snap.message()).isEqualTo(RunState.DONE);
      Path snapshot =
          Path.of(
              EtcdRunbooksIT.outputs(tmp.resolve("home"), snap.runId(), "Task_TakeSnapshot")
                  .path("file")
                  .asText());
      try {
        assertThat(snapshot.getParent()).isEqualTo(Path.of("/var/lib/runbook/snapshots"));

        RunOutcome rehearsal =
            engine.start(
                "etcd-restore-rehearsal",
                lab.inventory(),
                Map.of("snapshot", snapshot.toString()),
                "alice",
                null,
                as(lab, "alice"));
        assertThat(rehearsal.state()).as(rehearsal.message()).isEqualTo(RunState.DONE);

        RunOutcome restore =
            engine.start(
                "etcd-restore",
                lab.inventory(),
                Map.of("snapshot", snapshot.toString()),
                "alice",
                null,
                as(lab, "alice"));
        assertThat(restore.state()).as(restore.message()).isEqualTo(RunState.WAITING);
        assertThat(restore.gate().activityId()).isEqualTo("Gate_ApproveStop");
        RunOutcome rejected =
            engine.reject(
                restore.runId(),
                "Gate_ApproveStop",
                "bob",
                "only proving parameters",
                as(lab, "bob"));
        assertThat(rejected.state()).as(rejected.message()).isEqualTo(RunState.REJECTED);
        assertThat(Runs.verify(tmp.resolve("home"), restore.runId()).ok()).isTrue();
        String safety =
            EtcdRunbooksIT.outputs(tmp.resolve("home"), restore.runId(), "Task_TakeSafetySnapshot")
                .path("file")
                .asText();
        if (!safety.isEmpty()) {
          Files.deleteIfExists(Path.of(safety));
        }

        // On one member there is no quorum to rejoin: the preflight refuses, nothing changed.
        RunOutcome replace =
            engine.start(
                "etcd-member-replace",
                lab.inventory(),
                Map.of("member", "cp-1"),
                "alice",
                null,
                as(lab, "alice"));
        assertThat(replace.state()).as(replace.message()).isEqualTo(RunState.FAILED);
        assertThat(replace.message()).contains("a cluster of one cannot replace its member");

        RunOutcome check =
            engine.start("ssh-check", lab.inventory(), Map.of(), "alice", null, as(lab, "alice"));
        assertThat(check.state()).as(check.message()).isEqualTo(RunState.WAITING);
        assertThat(
                engine
                    .reject(
                        check.runId(),
                        "Gate_ApproveStamp",
                        "bob",
                        "only proving parameters",
                        as(lab, "bob"))
                    .state())
            .isIn(RunState.REJECTED, RunState.ROLLED_BACK);
      } finally {
        Files.deleteIfExists(snapshot);
      }
      assertThat(lab.etcdctl(1, "endpoint", "health").exitCode()).isZero();
    }
  }
}
