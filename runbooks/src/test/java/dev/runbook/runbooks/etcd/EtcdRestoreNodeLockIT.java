package dev.runbook.runbooks.etcd;

import static dev.runbook.runbooks.etcd.EtcdRestoreIT.marker;
import static dev.runbook.runbooks.etcd.EtcdRestoreIT.params;
import static dev.runbook.runbooks.etcd.EtcdRestoreIT.put;
import static dev.runbook.runbooks.etcd.EtcdRestoreIT.start;
import static dev.runbook.runbooks.etcd.EtcdRunbooksIT.JSON;
import static dev.runbook.runbooks.etcd.EtcdRunbooksIT.as;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.Runs;
import dev.runbook.lab.LabInstance;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The lock on the nodes over SSH, on a 1-member etcd 3.5 lab: two engine homes, each with its own
 * database and so its own cluster lock, run etcd-restore on the same node. The second is refused at
 * its first step that changes the node, naming the first run, and changes nothing there; once the
 * first run ends the node's lock is gone.
 */
class EtcdRestoreNodeLockIT {

  private static final String LOCK = "/var/lib/runbook/node.lock";

  @Test
  void aSecondHomeIsRefusedAtItsFirstChangeWhileTheFirstWaitsAtItsRestartGate() throws Exception {
    try (LabInstance lab = LabInstance.up(1, "3.5")) {
      lab.seed(20);
      put(lab, "before-snapshot");
      Path homeA = lab.dir().resolve("home-a");
      Path homeB = lab.dir().resolve("home-b");
      EtcdRestoreIT.Snapshot snap =
          EtcdRestoreIT.snapshot(lab, homeA, lab.dir().resolve("snapshots"));
      // The snapshot's own run took the node's lock for its changing step and let go of it.
      assertThat(lab.ssh(1, "test -e " + LOCK + "; echo $?").output().strip()).isEqualTo("1");

      // Both runs get to their stop gate: up to there they only read, and lock nothing.
      String first;
      String second;
      try (RunbookEngine a = RunbookEngine.open(EngineOptions.of(homeA))) {
        RunOutcome r = start(a, lab, lab.inventory(), snap, Map.of());
        assertThat(r.gate().activityId()).as(r.message()).isEqualTo("Gate_ApproveStop");
        first = r.runId();
      }
      try (RunbookEngine b = RunbookEngine.open(EngineOptions.of(homeB))) {
        Map<String, String> p = params(lab, snap);
        p.put("safetySnapshotDir", lab.dir().resolve("safety-b").toString());
        RunOutcome r = b.start("etcd-restore", lab.inventory(), p, "carol", null, as(lab, "carol"));
        assertThat(r.gate().activityId()).as(r.message()).isEqualTo("Gate_ApproveStop");
        second = r.runId();
        assertThat(lab.ssh(1, "test -e " + LOCK + "; echo $?").output().strip()).isEqualTo("1");
      }

      try (RunbookEngine a = RunbookEngine.open(EngineOptions.of(homeA))) {
        RunOutcome r = a.approve(first, "Gate_ApproveStop", "bob", "plan read", as(lab, "bob"));
        assertThat(r.gate().activityId()).as(r.message()).isEqualTo("Gate_ApproveRestart");
      }
      assertThat(lab.ssh(1, "cat " + LOCK).output())
          .contains("run=" + first + "\n", "by=alice\n", "home=runbook-engine@");
      String node = nodeState(lab);

      try (RunbookEngine b = RunbookEngine.open(EngineOptions.of(homeB))) {
        RunOutcome refused =
            b.approve(second, "Gate_ApproveStop", "bob", "plan read", as(lab, "bob"));
        assertThat(refused.state()).as(refused.message()).isEqualTo(RunState.FAILED);
        assertThat(refused.message())
            .contains("Task_StopControlPlane changes the nodes")
            .contains("node cp-1 is locked by run " + first, "started by alice")
            .contains("Nothing was changed");
      }
      assertThat(nodeState(lab)).isEqualTo(node);
      assertThat(lab.ssh(1, "cat " + LOCK).output()).contains("run=" + first + "\n");
      JsonNode refusal = record(homeB, second, "node.lock.refused");
      assertThat(refusal.path("node").asText()).isEqualTo("cp-1");
      assertThat(refusal.path("holderRun").asText()).isEqualTo(first);
      assertThat(refusal.path("holderSince").asText()).isNotBlank();
      assertThat(started(homeB, second)).doesNotContain("Task_StopControlPlane");
      assertThat(Runs.verify(homeB, second).ok()).isTrue();

      try (RunbookEngine a = RunbookEngine.open(EngineOptions.of(homeA))) {
        RunOutcome done =
            a.approve(first, "Gate_ApproveRestart", "bob", "restart it", as(lab, "bob"));
        assertThat(done.state()).as(done.message()).isEqualTo(RunState.DONE);
      }
      assertThat(marker(lab)).isEqualTo("before-snapshot");
      assertThat(lab.ssh(1, "test -e " + LOCK + "; echo $?").output().strip()).isEqualTo("1");
      assertThat(record(homeA, first, "node.unlocked").path("outcome").asText())
          .isEqualTo("released");
      assertThat(Runs.verify(homeA, first).ok()).isTrue();

      // The second run, which changed nothing, ends without a rollback.
      try (RunbookEngine b = RunbookEngine.open(EngineOptions.of(homeB))) {
        assertThat(b.abort(second, "carol", "the other run did it", as(lab, "carol")).state())
            .isEqualTo(RunState.ABORTED);
      }
      assertThat(lab.ssh(1, "test -e " + LOCK + "; echo $?").output().strip()).isEqualTo("1");
    }
  }

  /**
   * What the stop would change: the manifests, etcd's data dir and its health. stderr joins stdout
   * in the shell, so that the two arrive in one order (ssh's two streams interleave at random).
   */
  private static String nodeState(LabInstance lab) {
    return lab.ssh(
            1,
            "{ cd /etc/kubernetes/manifests && ls -a && sha256sum *.yaml; ls -a /etc/kubernetes;"
                + " ls -a /var/lib; ls -id /var/lib/etcd/member; } 2>&1")
        .output();
  }

  private static JsonNode record(Path home, String run, String type) throws Exception {
    JsonNode found = null;
    for (String line : Runs.records(home, run)) {
      JsonNode r = JSON.readTree(line);
      if (r.path("type").asText().equals(type)) {
        found = r;
      }
    }
    assertThat(found).as(type + " in run " + run).isNotNull();
    return found;
  }

  private static List<String> started(Path home, String run) throws Exception {
    List<String> ids = new ArrayList<>();
    for (String line : Runs.records(home, run)) {
      JsonNode r = JSON.readTree(line);
      if (r.path("type").asText().equals("step.started")) {
        ids.add(r.path("activityId").asText());
      }
    }
    return ids;
  }
}
