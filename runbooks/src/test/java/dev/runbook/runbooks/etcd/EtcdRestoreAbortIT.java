package dev.runbook.runbooks.etcd;

import static dev.runbook.runbooks.etcd.EtcdRestoreIT.marker;
import static dev.runbook.runbooks.etcd.EtcdRestoreIT.put;
import static dev.runbook.runbooks.etcd.EtcdRestoreIT.start;
import static dev.runbook.runbooks.etcd.EtcdRunbooksIT.JSON;
import static dev.runbook.runbooks.etcd.EtcdRunbooksIT.as;
import static dev.runbook.runbooks.etcd.EtcdRunbooksIT.outputs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.Identity;
import dev.runbook.engine.api.IdentityException;
import dev.runbook.engine.api.Refusal;
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
 * An abort of etcd-restore after the stop, on a 1-member etcd 3.5 lab: at the restart gate the
 * control plane is down and its manifests are moved aside; `abort` takes the runbook's abort path,
 * which puts the original manifests back, so etcd serves again from its original data dir (the
 * marker written after the snapshot reads), and only then is the cluster free for a new run.
 */
class EtcdRestoreAbortIT {

  @Test
  void anAbortAtTheRestartGateRollsBackToTheOriginalDataBeforeTheClusterIsFree() throws Exception {
    try (LabInstance lab = LabInstance.up(1, "3.5")) {
      lab.seed(50);
      put(lab, "before-snapshot");
      Path home = lab.dir().resolve("runbook-home");
      EtcdRestoreIT.Snapshot snap =
          EtcdRestoreIT.snapshot(lab, home, lab.dir().resolve("snapshots"));
      put(lab, "after-snapshot");
      String manifests = lab.ssh(1, "cd /etc/kubernetes/manifests && sha256sum *.yaml").output();
      String dataDir = lab.ssh(1, "ls -id /var/lib/etcd/member").output();

      try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
        RunOutcome r = start(engine, lab, lab.inventory(), snap, Map.of());
        assertThat(r.state()).as(r.message()).isEqualTo(RunState.WAITING);
        r = engine.approve(r.runId(), "Gate_ApproveStop", "bob", "plan read", as(lab, "bob"));
        assertThat(r.state()).as(r.message()).isEqualTo(RunState.WAITING);
        assertThat(r.gate().activityId()).isEqualTo("Gate_ApproveRestart");
        String run = r.runId();
        // Where an abort used to leave the cluster: down, its manifests moved aside.
        assertThat(lab.ssh(1, "ls /etc/kubernetes/manifests").output())
            .doesNotContain("etcd.yaml")
            .doesNotContain("kube-apiserver.yaml");

        // Ending it without rollback needs carol's own signature: a key the lab's allowed-signers
        // file does not name is refused, and the run stays where it is, recorded.
        Path stranger = lab.dir().resolve("stranger");
        Process keygen =
            new ProcessBuilder(
                    "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", stranger.toString())
                .redirectErrorStream(true)
                .start();
        assertThat(keygen.waitFor()).isZero();
        assertThatThrownBy(
                () ->
                    engine.abortWithoutRollback(
                        run, "carol", "leave it down", true, new Identity.KeyFile(stranger, null)))
            .isInstanceOf(IdentityException.class)
            .extracting(e -> ((IdentityException) e).reason())
            .isEqualTo(Refusal.UNKNOWN_KEY);
        assertThat(lab.ssh(1, "ls /etc/kubernetes/manifests").output()).doesNotContain("etcd.yaml");
        assertThat(Runs.summary(home, run).state()).isEqualTo("waiting");
        // carol's own signed ask is recorded and changes nothing: a second person must ask too.
        RunOutcome asked =
            engine.abortWithoutRollback(run, "carol", "leave it down", true, as(lab, "carol"));
        assertThat(asked.message()).contains("needs a second person");
        assertThat(lab.ssh(1, "ls /etc/kubernetes/manifests").output()).doesNotContain("etcd.yaml");
        assertThat(Runs.summary(home, run).state()).isEqualTo("waiting");

        RunOutcome aborted =
            engine.abort(run, "carol", "wrong snapshot, stop here", as(lab, "carol"));

        assertThat(aborted.state()).as(aborted.message()).isEqualTo(RunState.ROLLED_BACK);
        assertThat(marker(lab)).isEqualTo("after-snapshot");
        assertThat(lab.ssh(1, "cd /etc/kubernetes/manifests && sha256sum *.yaml").output())
            .isEqualTo(manifests);
        assertThat(lab.ssh(1, "ls -id /var/lib/etcd/member").output()).isEqualTo(dataDir);
        assertThat(lab.ssh(1, "cat /etc/kubernetes/manifests/etcd.yaml").output())
            .contains("path: /var/lib/etcd\n")
            .doesNotContain("etcd-restore-" + run);
        assertThat(lab.etcdctl(1, "endpoint", "health").exitCode()).isZero();
        assertThat(lab.ssh(1, "crictl ps --name '^kube-apiserver$' -q").output()).isNotBlank();
        assertThat(outputs(home, run, "Task_AbortRollBack").path("marker").asText())
            .isEqualTo("after-snapshot");
        assertThat(types(home, run))
            .containsSubsequence(
                "statement.refused",
                "abort.no-rollback.asked",
                "statement.verified",
                "abort.requested",
                "run.ended");
        // What an abort without rollback would have left, as recorded with the abort.
        assertThat(abortLeft(home, run))
            .anyMatch(
                l ->
                    l.startsWith("Stop the API servers, then etcd on every member")
                        && l.contains("(Task_StopControlPlane, DESTRUCTIVE) on cp-1: done")
                        && l.contains("etcd-restore-RUN beside the manifest dir"));
        assertThat(Runs.summary(home, run).state()).isEqualTo("rolled-back");
        assertThat(Runs.verify(home, run).ok()).isTrue();

        // The cluster is free again: a new run gets as far as its first gate.
        RunOutcome next = start(engine, lab, lab.inventory(), snap, Map.of());
        assertThat(next.state()).as(next.message()).isEqualTo(RunState.WAITING);
        assertThat(
                engine
                    .reject(next.runId(), "Gate_ApproveStop", "bob", "test done", as(lab, "bob"))
                    .state())
            .isEqualTo(RunState.REJECTED);
      }
    }
  }

  private static List<String> abortLeft(Path home, String run) throws Exception {
    List<String> left = new ArrayList<>();
    for (String line : Runs.records(home, run)) {
      JsonNode r = JSON.readTree(line);
      if (r.path("type").asText().equals("abort.requested")) {
        r.path("left").forEach(l -> left.add(l.asText()));
      }
    }
    return left;
  }

  private static List<String> types(Path home, String run) throws Exception {
    List<String> types = new ArrayList<>();
    for (String line : Runs.records(home, run)) {
      JsonNode r = JSON.readTree(line);
      types.add(r.path("type").asText());
    }
    return types;
  }
}
