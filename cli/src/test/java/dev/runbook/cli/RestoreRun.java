package dev.runbook.cli;

import dev.runbook.engine.api.Decision;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.FailureReason;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.StepOutcome;
import dev.runbook.engine.internal.evidence.EngineKey;
import dev.runbook.engine.internal.evidence.EvidenceJournal;
import dev.runbook.engine.internal.evidence.Redactor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The evidence of an etcd-restore run written by the real journal, as the engine writes it: the
 * stop approved, the restore and patch done, the restart rejected, rolled back. Operator text holds
 * markup and backticks, as a hostile or careless one could.
 */
final class RestoreRun {

  static final String ID = "7f3c2a01";
  static final String HOSTILE = "<script>alert('x')</script> ``` **bold** | pipe";
  static final String COMMAND = "mv /etc/kubernetes/manifests/etcd.yaml /root/aside/ # ```` </pre>";
  static final String DIFF =
      """
      --- etcd.yaml
      +++ etcd.yaml (patched)
      @@ volumes @@
         - hostPath:
      -      path: /var/lib/etcd
      +      path: /var/lib/etcd-restored-7f3c2a01
      """;

  /**
   * The 3-member lab cluster the steps that change it run on; the checks run on the engine host.
   */
  static final List<String> MEMBERS = List.of("cp-1", "cp-2", "cp-3");

  private RestoreRun() {}

  /** Writes the run under {@code home/runs/ID} and returns its dir. */
  static Path write(Path home) throws IOException {
    Path dir = home.resolve("runs").resolve(ID);
    try (EvidenceJournal j =
        EvidenceJournal.open(dir, Redactor.NONE, EngineKey.loadOrCreate(home))) {
      j.append(
          new RunEvent.RunStarted(
              ID,
              "etcd-restore",
              "lab",
              "alice",
              Map.of("snapshot", "/backups/lab.db", "note", HOSTILE),
              "inventory.yaml",
              "a".repeat(64),
              null));
      Map<String, Object> verified = new LinkedHashMap<>();
      verified.put("file", "/backups/lab.db");
      verified.put("size", 20480032);
      verified.put("sha256", "e".repeat(64));
      verified.put("revision", 1042);
      verified.put("totalKeys", 1007);
      step(j, "Task_VerifySnapshot", "Verify the snapshot on the engine host", Effect.READ_ONLY);
      j.append(done("Task_VerifySnapshot", "etcdVerifySnapshot", verified));
      for (String task :
          List.of(
              "Task_Preflight",
              "Task_CaptureSymptom",
              "Task_PickSafetySource",
              "Task_TakeSafetySnapshot")) {
        step(j, task, task.substring(5), Effect.READ_ONLY);
        j.append(done(task, "step", Map.of()));
      }
      gate(j, "Gate_ApproveStop", "Approve stopping the control plane");
      j.append(
          decision(
              "Gate_ApproveStop",
              "Approve stopping the control plane",
              "approved",
              "bob",
              "plan read in CHG-1 " + HOSTILE));
      step(
          j,
          "Task_StopControlPlane",
          "Stop the API servers, then etcd",
          Effect.DESTRUCTIVE,
          MEMBERS);
      command(j, "Task_StopControlPlane", "cp-1", COMMAND, 0, "moved <b>etcd.yaml</b>\n", "");
      command(j, "Task_StopControlPlane", "cp-2", COMMAND, 1, "", "mv: cannot stat\n");
      j.append(done("Task_StopControlPlane", "etcdStopControlPlane", Map.of()));
      step(j, "Task_RestoreMembers", "Restore every member", Effect.DESTRUCTIVE, MEMBERS);
      j.append(done("Task_RestoreMembers", "etcdRestoreMembers", Map.of()));
      step(
          j,
          "Task_PatchManifests",
          "Point each member's etcd at its restored dir",
          Effect.MUTATING,
          MEMBERS);
      j.artifact(
          "Task_PatchManifests", "manifest-cp-1.diff", DIFF.getBytes(StandardCharsets.UTF_8));
      j.append(
          done("Task_PatchManifests", "etcdPatchManifests", Map.of("diffs", Map.of("cp-1", DIFF))));
      gate(j, "Gate_ApproveRestart", "Approve restarting on the restored data");
      j.append(
          decision(
              "Gate_ApproveRestart",
              "Approve restarting on the restored data",
              "rejected",
              "carol",
              "not today " + HOSTILE));
      step(j, "Task_RollBack", "Roll back to the original data dirs", Effect.MUTATING, MEMBERS);
      j.append(done("Task_RollBack", "etcdRollBack", Map.of()));
      j.append(new RunEvent.RunEnded("rolled-back", "rolled back after " + HOSTILE, null));
    }
    return dir;
  }

  private static void step(EvidenceJournal j, String id, String name, Effect effect)
      throws IOException {
    step(j, id, name, effect, List.of());
  }

  private static void step(
      EvidenceJournal j, String id, String name, Effect effect, List<String> nodes)
      throws IOException {
    j.append(new RunEvent.StepStarted(id, name, "step", effect, "job-" + id, 1, nodes));
  }

  private static RunEvent.StepFinished done(String id, String step, Map<String, Object> outputs) {
    return new RunEvent.StepFinished(id, step, StepOutcome.DONE, 1500, outputs, null, null, null);
  }

  private static void gate(EvidenceJournal j, String id, String name) throws IOException {
    j.append(
        new RunEvent.GatePending(
            id, name, "task-" + id, 1, null, false, "2030-01-01T00:00:00Z", List.of()));
  }

  private static RunEvent.GateDecision decision(
      String id, String name, String decision, String by, String comment) {
    return new RunEvent.GateDecision(
        id, name, Decision.ofLabel(decision), by, null, comment, "b".repeat(64), 1, 1);
  }

  private static void command(
      EvidenceJournal j,
      String id,
      String node,
      String command,
      int exit,
      String stdout,
      String stderr)
      throws IOException {
    j.append(
        new RunEvent.CommandSent(
            id, node, "10.0.0." + node.charAt(3), "SHA256:k", command, command));
    j.append(
        new RunEvent.CommandFinished(
            id,
            node,
            exit,
            42,
            stdout,
            stderr,
            "c".repeat(64),
            "d".repeat(64),
            exit == 0 ? null : FailureReason.NON_ZERO_EXIT));
  }
}
