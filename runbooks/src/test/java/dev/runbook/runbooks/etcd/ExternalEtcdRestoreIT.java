package dev.runbook.runbooks.etcd;

import static dev.runbook.runbooks.etcd.EtcdRestoreIT.marker;
import static dev.runbook.runbooks.etcd.EtcdRestoreIT.put;
import static dev.runbook.runbooks.etcd.EtcdRunbooksIT.as;
import static dev.runbook.runbooks.etcd.EtcdRunbooksIT.outputs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.RunbookPlan;
import dev.runbook.lab.LabInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * etcd-restore on external etcd (etcd 3.5 as a systemd unit with its settings as ExecStart flags on
 * three etcd nodes, the API server on a control plane apart), on one lab: someone else's drop-in
 * and a missing unit are refused at once with nothing changed; etcd failing to start on one member
 * after the restore rolls back to the original data (the run's drop-in set aside, the marker as
 * before the run), and so does an abort at the restart gate, through the abort path; then the
 * marker drill: the marker reads as in the snapshot, every member runs on its restored dir through
 * the run's drop-in, the unit file and the old data dirs untouched. Then the drill once more on a
 * one-member etcd 3.4 lab whose unit reads an environment file.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExternalEtcdRestoreIT {

  static final int MEMBERS = 3;

  /** The control plane cp-1 is the lab's node after the members. */
  static final int CP = MEMBERS + 1;

  static final String DROP_INS = "/etc/systemd/system/etcd.service.d";

  LabInstance lab;
  Path home;
  EtcdRestoreIT.Snapshot snap;

  @BeforeAll
  void labWithASnapshotAndALaterMarker() throws Exception {
    lab = LabInstance.upExternal(MEMBERS, "3.5", "flags", 1);
    lab.seed(100);
    home = lab.dir().resolve("runbook-home");
    put(lab, "before-snapshot");
    snap = EtcdRestoreIT.snapshot(lab, home, lab.dir().resolve("snapshots"));
    put(lab, "after-snapshot");
  }

  @AfterAll
  void down() {
    if (lab != null) {
      lab.close();
    }
  }

  @Test
  @Order(1)
  void someoneElsesDropInAndAMissingUnitAreRefusedWithNothingChanged() throws Exception {
    Path dropIns = lab.nodePath(2, DROP_INS);
    Files.createDirectories(dropIns);
    String before = ExternalEtcdRunbooksIT.liveState(lab, MEMBERS);
    Path ops = dropIns.resolve("20-ops.conf");
    Files.writeString(ops, "[Service]\nEnvironment=ETCD_QUOTA_BACKEND_BYTES=1\n");
    // etcd-3's unit file is not where systemd looks (its etcd keeps running, as loaded).
    Path unit3 = lab.nodePath(3, "/etc/systemd/system/etcd.service");
    Path unit3Aside = lab.dir().resolve("etcd-3.service.aside");
    Files.move(unit3, unit3Aside);
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
      RunOutcome r = EtcdRestoreIT.start(engine, lab, lab.inventory(), snap, Map.of());
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.FAILED);
      assertThat(r.message())
          .contains("nothing was changed")
          .contains("etcd-2: etcd.service is already overridden: the drop-in " + DROP_INS)
          .contains("20-ops.conf sets Environment=")
          .contains(
              "etcd-3: the unit etcd.service is not found (No files found for etcd.service.)");
    } finally {
      // Not the runbook's to undo: the test's own changes go as they came.
      Files.move(ops, lab.dir().resolve("20-ops.conf.aside"));
      Files.move(unit3Aside, unit3);
    }
    assertThat(ExternalEtcdRunbooksIT.liveState(lab, MEMBERS)).isEqualTo(before);
    assertThat(marker(lab)).isEqualTo("after-snapshot");
  }

  @Test
  @Order(2)
  void etcdFailingToStartOnOneMemberRollsBackToTheOriginalData() throws Exception {
    String unitBefore = units(lab, MEMBERS);
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
      RunOutcome r =
          EtcdRestoreIT.start(engine, lab, lab.inventory(), snap, Map.of("healthTimeout", "PT40S"));
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.WAITING);
      String run = r.runId();
      r = engine.approve(run, "Gate_ApproveStop", "bob", "plan read", as(lab, "bob"));
      assertThat(r.gate().activityId()).as(r.message()).isEqualTo("Gate_ApproveRestart");
      // etcd-2's restored WAL is damaged: its etcd exits at start.
      RestoreFaults.damageWal(lab, 2, run);
      r = engine.approve(run, "Gate_ApproveRestart", "carol", "go", as(lab, "carol"));
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.ROLLED_BACK);
      assertThat(r.message()).contains("etcd-2");
      // Not the health wait running out: etcd-2's start failed, and the step with it at once,
      // with the unit's last log lines in the evidence.
      String failed = RestoreFaults.firstFailure(home, run, "Task_StartEtcd");
      assertThat(failed)
          .contains("etcd-2: etcd.service did not start on the restored data")
          .contains("STEP_FAILED")
          .doesNotContain("WAIT_TIMED_OUT");

      assertRolledBack(run, unitBefore, "Task_RollBack", true);
    }
  }

  @Test
  @Order(3)
  void anAbortAtTheRestartGateRollsBackThroughTheAbortPath() throws Exception {
    String unitBefore = units(lab, MEMBERS);
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
      RunOutcome r = EtcdRestoreIT.start(engine, lab, lab.inventory(), snap, Map.of());
      String run = r.runId();
      r = engine.approve(run, "Gate_ApproveStop", "bob", "plan read", as(lab, "bob"));
      assertThat(r.gate().activityId()).as(r.message()).isEqualTo("Gate_ApproveRestart");
      RunOutcome aborted = engine.abort(run, "carol", "wrong snapshot", as(lab, "carol"));
      assertThat(aborted.state()).as(aborted.message()).isEqualTo(RunState.ROLLED_BACK);
      // The drop-in was staged only: nothing to set aside, etcd starts on the unit as it was.
      assertRolledBack(run, unitBefore, "Task_AbortRollBack", false);
    }
  }

  /**
   * The run rolled back with nothing lost: the marker reads as before the run, the unit and its
   * files are as they were, the run's drop-in is not in the drop-in dir (set aside into the run's
   * dir when {@code installed}), every member's etcd and the API server run, the rollback's own
   * check read the marker, the evidence verifies.
   */
  private void assertRolledBack(String run, String unitBefore, String rollBack, boolean installed)
      throws Exception {
    assertThat(marker(lab)).isEqualTo("after-snapshot");
    assertThat(units(lab, MEMBERS)).isEqualTo(unitBefore);
    String dropIn = ExternalRestore.dropInName(run);
    for (int n = 1; n <= MEMBERS; n++) {
      assertThat(lab.ssh(n, "ls " + DROP_INS + " 2>/dev/null").output()).doesNotContain(dropIn);
      String runDir = lab.ssh(n, "ls /etc/kubernetes/etcd-restore-" + run).output();
      if (installed) {
        assertThat(runDir).contains(dropIn + ".rolled-back.1"); // set aside, never deleted
      } else {
        assertThat(runDir).contains(dropIn).doesNotContain(".rolled-back");
      }
      assertThat(lab.ssh(n, "systemctl is-active etcd").output().strip()).isEqualTo("active");
      assertThat(lab.etcdctl(n, "endpoint", "health").exitCode()).isZero();
    }
    assertThat(lab.ssh(CP, "crictl ps --name '^kube-apiserver$' -q").output()).isNotBlank();
    assertThat(outputs(home, run, rollBack).path("marker").asText()).isEqualTo("after-snapshot");
    RestoreFaults.assertVerifies(home, run);
  }

  @Test
  @Order(4)
  void theMarkerDrillRestoresEveryMemberThroughADropIn() throws Exception {
    drill(lab, home, snap, MEMBERS, "flags");
  }

  /** The other config style and etcd version, on a lab of its own (one member: quick). */
  @Test
  @Order(5)
  void theMarkerDrillOnEtcd34WithAnEnvironmentFile() throws Exception {
    try (LabInstance one = LabInstance.upExternal(1, "3.4", "env-file", 1)) {
      one.seed(50);
      Path h = one.dir().resolve("runbook-home");
      put(one, "before-snapshot");
      EtcdRestoreIT.Snapshot s = EtcdRestoreIT.snapshot(one, h, one.dir().resolve("snapshots"));
      put(one, "after-snapshot");
      drill(one, h, s, 1, "env-file");
    }
  }

  /**
   * The marker drill on {@code lab}: marker "after" -> etcd-restore approved at both gates by two
   * other people -> the marker reads "before", every member runs on its restored dir through the
   * run's drop-in, the unit and environment files and the old data dirs untouched, every command
   * sent one the probed plan showed.
   */
  private static void drill(
      LabInstance lab, Path home, EtcdRestoreIT.Snapshot snap, int members, String config)
      throws Exception {
    int cp = members + 1;
    String unitBefore = units(lab, members);
    String oldMember = lab.ssh(1, "ls -id /var/lib/etcd/member").output();
    RunbookPlan plan =
        RunbookEngine.plan(
            EngineOptions.of(home),
            "etcd-restore",
            lab.inventory(),
            EtcdRestoreIT.params(lab, snap),
            true);
    assertThat(plan.markdown())
        .contains(
            config.equals("flags")
                ? "--data-dir in ExecStart of /etc/systemd/system/etcd.service"
                : "ETCD_DATA_DIR in /etc/etcd/etcd.conf")
        .contains("systemctl --no-pager cat 'etcd.service'");
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
      RunOutcome r =
          engine.start(
              "etcd-restore",
              lab.inventory(),
              EtcdRestoreIT.params(lab, snap),
              "alice",
              plan.sha256(),
              as(lab, "alice"));
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.WAITING);
      assertThat(marker(lab)).isEqualTo("after-snapshot");
      String run = r.runId();
      r = engine.approve(run, "Gate_ApproveStop", "bob", "plan read", as(lab, "bob"));
      assertThat(r.gate().activityId()).as(r.message()).isEqualTo("Gate_ApproveRestart");
      String dropIn = ExternalRestore.dropInName(run);
      String runDir = "/etc/kubernetes/etcd-restore-" + run;
      for (int n = 1; n <= members; n++) {
        assertThat(lab.ssh(n, "systemctl is-active etcd").output().strip()).isEqualTo("inactive");
        assertThat(lab.ssh(n, "ls " + runDir).output()).contains(dropIn);
      }
      assertThat(lab.ssh(cp, "ls /etc/kubernetes/manifests").output())
          .doesNotContain("kube-apiserver.yaml");
      JsonNode diffs = EtcdRestoreIT.json(outputs(home, run, "Task_PatchManifests").path("diffs"));
      String diff = diffs.path("etcd-1").asText();
      assertThat(diff).contains("+++ " + DROP_INS + "/" + dropIn);
      if (config.equals("flags")) {
        assertThat(diff)
            .contains("+ExecStart=\n")
            .contains("--data-dir=/var/lib/etcd-restore-" + run);
      } else {
        assertThat(diff)
            .contains("+EnvironmentFile=\n+EnvironmentFile=" + runDir + "/etcd.conf\n")
            .contains("+ETCD_DATA_DIR=/var/lib/etcd-restore-" + run + "\n");
      }

      r = engine.approve(run, "Gate_ApproveRestart", "carol", "diffs read", as(lab, "carol"));
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.DONE);

      assertThat(marker(lab)).isEqualTo("before-snapshot");
      for (int n = 1; n <= members; n++) {
        EtcdUnit unit = ExternalEtcdRunbooksIT.unit(lab, n);
        assertThat(unit.value("data-dir")).isEqualTo("/var/lib/etcd-restore-" + run);
        assertThat(unit.setting("data-dir").source())
            .endsWith(config.equals("flags") ? dropIn : runDir + "/etcd.conf");
        assertThat(lab.ssh(n, "test -d /var/lib/etcd/member && echo kept").output())
            .contains("kept");
        assertThat(lab.etcdctl(n, "endpoint", "health").exitCode()).isZero();
      }
      assertThat(lab.ssh(1, "ls -id /var/lib/etcd/member").output()).isEqualTo(oldMember);
      assertThat(units(lab, members)).isEqualTo(unitBefore);
      assertThat(lab.ssh(cp, "crictl ps --name '^kube-apiserver$' -q").output()).isNotBlank();
      assertThat(outputs(home, run, "Task_ValidateRestore").path("keys").asLong())
          .isEqualTo(snap.keys());
      assertThat(dev.runbook.engine.api.Runs.verify(home, run).ok()).isTrue();
      EtcdRestoreIT.sentAsPlanned(
          home, run, plan, "Task_StopControlPlane", "Task_RestoreMembers", "Task_PatchManifests");
      EtcdRestoreIT.sentAsPlanned(home, run, plan, "Task_StartEtcd", "Task_StartControlPlane");
    }
  }

  /** Every member's unit file and environment files, by digest: the run never edits them. */
  private static String units(LabInstance lab, int members) {
    StringBuilder s = new StringBuilder();
    for (int n = 1; n <= members; n++) {
      s.append(lab.ssh(n, "sha256sum /etc/systemd/system/etcd.service /etc/etcd/* 2>&1").output());
    }
    return s.toString();
  }
}
