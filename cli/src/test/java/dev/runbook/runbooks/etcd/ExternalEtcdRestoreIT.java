package dev.runbook.runbooks.etcd;

import static dev.runbook.runbooks.etcd.EtcdRestoreIT.marker;
import static dev.runbook.runbooks.etcd.EtcdRestoreIT.put;
import static dev.runbook.runbooks.etcd.EtcdRunbooksIT.outputs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.cli.Cli;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.RunbookPlan;
import dev.runbook.engine.api.Runs;
import dev.runbook.lab.LabInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * etcd-restore on external etcd through the CLI, as a person types it (alice starts, bob and carol
 * approve the two gates, each signing with their own key), on one lab: etcd 3.5 as a systemd unit
 * with its settings as ExecStart flags on three etcd nodes, the API server on a control plane
 * apart. {@code inventory init --topology external} writes the lab's inventory from etcd-1's unit
 * and the member list, and it plans a restore. A member unreachable over SSH is refused when the
 * run plans itself; every unit problem at once in one preflight (a data dir not discoverable,
 * someone else's drop-in, a missing unit, units that disagree), nothing changed; etcd failing to
 * start on one member after the restore rolls back to the original data (the run's drop-in set
 * aside, the marker as before the run), and so does an abort at the restart gate, through the abort
 * path; then the marker drill, the CLI approving the restart killed during the start and the run
 * resumed ({@code runbook resume}): the marker reads as in the snapshot, every member runs on its
 * restored dir through the run's drop-in, the unit file and the old data dirs untouched. Then the
 * drill once more on a one-member etcd 3.4 lab whose unit reads an environment file.
 *
 * <p>In the runbooks' package, in the cli module: it uses the runbooks' lab-test helpers (test-jar)
 * and their package-private readers (EtcdUnit), and the CLI in-process.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExternalEtcdRestoreIT {

  static final int MEMBERS = 3;

  /** The control plane cp-1 is the lab's node after the members. */
  static final int CP = MEMBERS + 1;

  static final String DROP_INS = "/etc/systemd/system/etcd.service.d";
  static final String UNIT = "/etc/systemd/system/etcd.service";

  LabInstance lab;
  Path home;
  Cli cli;
  EtcdRestoreIT.Snapshot snap;

  @BeforeAll
  void labWithASnapshotAndALaterMarker() throws Exception {
    lab = LabInstance.upExternal(MEMBERS, "3.5", "flags", 1);
    lab.seed(100);
    home = lab.dir().resolve("runbook-home");
    cli = new Cli(home, lab.people());
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

  /**
   * {@code runbook run etcd-restore} as alice on {@code lab}, with {@code extra} parameters and
   * {@code options}.
   */
  static Cli.Result start(
      Cli cli,
      LabInstance lab,
      EtcdRestoreIT.Snapshot snap,
      Map<String, String> extra,
      String... options) {
    List<String> args =
        new ArrayList<>(
            List.of("run", "etcd-restore", "-i", lab.inventory().toString(), "--as", "alice"));
    args.addAll(List.of(options));
    return cli.run(withParams(args, lab, snap, extra));
  }

  /** {@code args} and {@code -p K=V} for the restore's parameters, {@code extra} overriding. */
  private static String[] withParams(
      List<String> args, LabInstance lab, EtcdRestoreIT.Snapshot snap, Map<String, String> extra) {
    Map<String, String> p = new TreeMap<>(EtcdRestoreIT.params(lab, snap));
    p.putAll(extra);
    p.forEach((k, v) -> args.addAll(List.of("-p", k + "=" + v)));
    return args.toArray(String[]::new);
  }

  /** Approves {@code gate} of {@code run} as {@code person}, who signs with their own key. */
  static Cli.Result approve(Cli cli, String run, String gate, String person, String comment) {
    return cli.run("approve", run, gate, "--as", person, "--comment", comment);
  }

  /** The gate a command left its run waiting at. */
  static String waitingAt(Cli.Result r) {
    Matcher m = Pattern.compile("(?m)^Run \\S+ is waiting at gate (\\S+):").matcher(r.out());
    assertThat(m.find()).as(r.toString()).isTrue();
    return m.group(1);
  }

  /** {@code runbook inventory init} through etcd-1 with the lab's SSH settings and {@code more}. */
  Cli.Result init(Path out, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "inventory",
                "init",
                "--ssh",
                "root@" + lab.address(1),
                "--port",
                Integer.toString(lab.sshPort()),
                "--identity",
                lab.identityFile().toString(),
                "--known-hosts",
                lab.knownHosts().toString(),
                "--allowed-signers",
                lab.allowedSigners().toString(),
                "--out",
                out.toString()));
    args.addAll(List.of(more));
    return cli.run(args.toArray(String[]::new));
  }

  @Test
  @Order(0)
  void inventoryInitWritesTheExternalInventoryFromTheUnitsAndItPlansARestore() throws Exception {
    Inventory labs = Inventory.load(lab.inventory());
    Path out = lab.dir().resolve("discovered.yaml");
    String cp = "cp-1=" + lab.address(CP);
    // Bad input: refused before anything is read, nothing written.
    Cli.Result noCp = init(out, "--topology", "external");
    assertThat(noCp.code()).as(noCp.toString()).isEqualTo(2);
    assertThat(noCp.err()).contains("--topology external needs the control-plane nodes");
    Cli.Result noUnit =
        init(out, "--topology", "external", "--unit", "etcd-x", "--control-plane", cp);
    assertThat(noUnit.code()).as(noUnit.toString()).isEqualTo(2);
    assertThat(noUnit.err())
        .contains("the unit etcd-x.service is not found on " + lab.address(1))
        .contains("No files found for etcd-x.service.");
    assertThat(out).doesNotExist();
    assertThat(out.resolveSibling("discovered.yaml.part")).doesNotExist();

    Cli.Result r = init(out, "--topology", "external", "--control-plane", cp);
    assertThat(r.code()).as(r.toString()).isZero();
    // Every member's and the control plane's host key verified with the written settings.
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).contains("external etcd (etcd.service), control planes cp-1");
    Inventory found = Inventory.load(out);
    assertThat(found.etcd().external()).isEqualTo(labs.etcd().external());
    assertThat(found.etcd().pki()).isEqualTo(labs.etcd().pki());
    assertThat(found.etcd().dataDir()).isEqualTo("/var/lib/etcd");
    assertThat(found.members()).isEqualTo(labs.members());
    assertThat(Files.readString(out))
        .contains("topology: external  # etcd runs as the systemd unit etcd.service on etcd-1")
        .contains("dataDir: /var/lib/etcd  # --data-dir in ExecStart of " + UNIT)
        .contains(
            "cert: /etc/kubernetes/pki/etcd/server.crt  # --cert-file in ExecStart of " + UNIT)
        .contains("# from --control-plane");

    // The written inventory plans a restore, every member's unit read through it.
    List<String> args =
        new ArrayList<>(List.of("plan", "etcd-restore", "-i", out.toString(), "--probe"));
    Cli.Result plan = cli.run(withParams(args, lab, snap, Map.of()));
    assertThat(plan.code()).as(plan.toString()).isZero();
    assertThat(plan.out())
        .contains("etcd-3: etcd.service runs etcd on /var/lib/etcd (--data-dir in ExecStart of")
        .contains("cp-1");
  }

  @Test
  @Order(1)
  void aMemberUnreachableIsRefusedWhenTheRunPlansItselfWithNothingChanged() throws Exception {
    String before = ExternalEtcdRunbooksIT.liveState(lab, MEMBERS);
    int runs = Runs.list(home).size();
    // Nothing listens on 127.0.0.99: etcd-3's SSH connection is refused. (The lab's stopSsh and
    // startSsh work on stacked labs only: startSsh cannot enter an external node's namespace.)
    Path inventory = lab.dir().resolve("inventory-etcd-3-unreachable.yaml");
    Files.writeString(
        inventory,
        Files.readString(lab.inventory()).replace("host: " + lab.address(3), "host: 127.0.0.99"));
    List<String> args =
        new ArrayList<>(
            List.of("run", "etcd-restore", "-i", inventory.toString(), "--as", "alice"));
    Cli.Result r = cli.run(withParams(args, lab, snap, Map.of()));
    assertThat(r.code()).as(r.toString()).isEqualTo(2);
    assertThat(r.err())
        .contains("cannot read etcd-3 to plan")
        .contains("nothing was changed on any node");
    assertThat(Runs.list(home)).hasSize(runs); // no run, no lock
    assertThat(ExternalEtcdRunbooksIT.liveState(lab, MEMBERS)).isEqualTo(before);
  }

  @Test
  @Order(2)
  void everyUnitProblemIsRefusedInOnePreflightWithNothingChanged() throws Exception {
    Path dropIns = lab.nodePath(2, DROP_INS);
    Files.createDirectories(dropIns);
    String before = ExternalEtcdRunbooksIT.liveState(lab, MEMBERS);
    // etcd-1's unit names no data dir (etcd would run on its default, ./etcd-1.etcd) and another
    // CA than the other members' units (its etcd keeps running, as loaded).
    Path unit1 = lab.nodePath(1, UNIT);
    String unit1Text = Files.readString(unit1);
    Files.writeString(
        unit1,
        unit1Text
            .replace("  --data-dir=/var/lib/etcd \\\n", "")
            .replace(
                "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
                "--trusted-ca-file=/etc/etcd/ca.crt"));
    assertThat(Files.readString(unit1)).doesNotContain("data-dir").contains("/etc/etcd/ca.crt");
    // etcd-2 has someone else's drop-in that changes what etcd runs.
    Path ops = dropIns.resolve("20-ops.conf");
    Files.writeString(ops, "[Service]\nEnvironment=ETCD_QUOTA_BACKEND_BYTES=1\n");
    // etcd-3's unit file is not where systemd looks.
    Path unit3 = lab.nodePath(3, UNIT);
    Path unit3Aside = lab.dir().resolve("etcd-3.service.aside");
    Files.move(unit3, unit3Aside);
    try {
      Cli.Result r = start(cli, lab, snap, Map.of());
      assertThat(r.code()).as(r.toString()).isEqualTo(1);
      assertThat(r.out())
          .contains("preflight found 4 problem(s), nothing was changed")
          .contains(
              "etcd-1: etcd.service: the data dir is not discoverable (neither --data-dir in"
                  + " ExecStart nor ETCD_DATA_DIR in its environment): name it in the unit")
          .contains("etcd-2: etcd.service is already overridden: the drop-in " + DROP_INS)
          .contains("20-ops.conf sets Environment=")
          .contains("etcd-3: the unit etcd.service is not found (No files found for etcd.service.)")
          .contains(
              "the members' units disagree on --trusted-ca-file: etcd-1 has /etc/etcd/ca.crt,"
                  + " etcd-2 has /etc/kubernetes/pki/etcd/ca.crt");
    } finally {
      // Not the runbook's to undo: the test's own changes go as they came.
      Files.move(ops, lab.dir().resolve("20-ops.conf.aside"));
      Files.move(unit3Aside, unit3);
      Files.writeString(unit1, unit1Text);
    }
    assertThat(ExternalEtcdRunbooksIT.liveState(lab, MEMBERS)).isEqualTo(before);
    assertThat(marker(lab)).isEqualTo("after-snapshot");
  }

  @Test
  @Order(3)
  void etcdFailingToStartOnOneMemberRollsBackToTheOriginalData() throws Exception {
    String unitBefore = units(lab, MEMBERS);
    Cli.Result r = start(cli, lab, snap, Map.of("healthTimeout", "PT40S"));
    assertThat(r.code()).as(r.toString()).isEqualTo(3);
    String run = r.runId();
    r = approve(cli, run, "Gate_ApproveStop", "bob", "plan read");
    assertThat(waitingAt(r)).isEqualTo("Gate_ApproveRestart");
    // etcd-2's restored WAL is damaged: its etcd exits at start.
    RestoreFaults.damageWal(lab, 2, run);
    r = approve(cli, run, "Gate_ApproveRestart", "carol", "go");
    assertThat(r.code()).as(r.toString()).isEqualTo(1);
    assertThat(r.out()).contains("Run " + run + ": rolled-back").contains("etcd-2");
    // Not the health wait running out: etcd-2's start failed, and the step with it at once,
    // with the unit's last log lines in the evidence.
    String failed = RestoreFaults.firstFailure(home, run, "Task_StartEtcd");
    assertThat(failed)
        .contains("etcd-2: etcd.service did not start on the restored data")
        .contains("STEP_FAILED")
        .doesNotContain("WAIT_TIMED_OUT");

    assertRolledBack(run, unitBefore, "Task_RollBack", true);
  }

  @Test
  @Order(4)
  void anAbortAtTheRestartGateRollsBackThroughTheAbortPath() throws Exception {
    String unitBefore = units(lab, MEMBERS);
    Cli.Result r = start(cli, lab, snap, Map.of());
    String run = r.runId();
    r = approve(cli, run, "Gate_ApproveStop", "bob", "plan read");
    assertThat(waitingAt(r)).isEqualTo("Gate_ApproveRestart");
    // Its API server is stopped: the run holds the control plane's node as it holds the members'.
    Path cpLock = lab.nodePath(CP, dev.runbook.engine.internal.plan.LockCommands.LOCK);
    assertThat(cpLock).content().contains("run=" + run);
    assertThat(lab.nodePath(1, dev.runbook.engine.internal.plan.LockCommands.LOCK))
        .content()
        .contains("run=" + run);
    Cli.Result aborted = cli.run("abort", run, "--as", "carol", "--comment", "wrong snapshot");
    assertThat(aborted.code()).as(aborted.toString()).isEqualTo(1);
    assertThat(aborted.out()).contains("Run " + run + ": rolled-back");
    // The drop-in was staged only: nothing to set aside, etcd starts on the unit as it was.
    assertRolledBack(run, unitBefore, "Task_AbortRollBack", false);
    assertThat(cpLock).doesNotExist();
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

  /**
   * The drill, with the CLI that approves the restart killed (SIGKILL) as soon as the start sent
   * its first command: {@code runbook resume} finishes the run, the start running again without a
   * person (installing the same drop-in again is a no-op, starting a started unit too).
   */
  @Test
  @Order(5)
  void theMarkerDrillRestoresEveryMemberThroughADropInResumedAfterACrashAtTheStart()
      throws Exception {
    drill(lab, cli, home, snap, MEMBERS, "flags", true);
  }

  /** The other config style and etcd version, on a lab of its own (one member: quick). */
  @Test
  @Order(6)
  void theMarkerDrillOnEtcd34WithAnEnvironmentFile() throws Exception {
    try (LabInstance one = LabInstance.upExternal(1, "3.4", "env-file", 1)) {
      one.seed(50);
      Path h = one.dir().resolve("runbook-home");
      put(one, "before-snapshot");
      EtcdRestoreIT.Snapshot s = EtcdRestoreIT.snapshot(one, h, one.dir().resolve("snapshots"));
      put(one, "after-snapshot");
      drill(one, new Cli(h, one.people()), h, s, 1, "env-file", false);
    }
  }

  /**
   * The marker drill on {@code lab} through the CLI: marker "after" -> {@code runbook plan --probe}
   * -> {@code runbook run etcd-restore --approved-plan} by alice -> approved at both gates by bob
   * and carol -> the marker reads "before", every member runs on its restored dir through the run's
   * drop-in, the unit and environment files and the old data dirs untouched, every command sent one
   * the probed plan showed. With {@code crash}, the approval of the restart runs in a CLI process
   * of its own, killed once the start sent its first command, and {@code runbook resume} ends the
   * run.
   */
  private static void drill(
      LabInstance lab,
      Cli cli,
      Path home,
      EtcdRestoreIT.Snapshot snap,
      int members,
      String config,
      boolean crash)
      throws Exception {
    int cp = members + 1;
    String unitBefore = units(lab, members);
    String oldMember = lab.ssh(1, "ls -id /var/lib/etcd/member").output();
    Path planFile = lab.dir().resolve("etcd-restore-plan.json");
    List<String> planArgs =
        new ArrayList<>(
            List.of(
                "plan",
                "etcd-restore",
                "-i",
                lab.inventory().toString(),
                "--probe",
                "--output",
                "json",
                "--out",
                planFile.toString()));
    Cli.Result planned = cli.run(withParams(planArgs, lab, snap, Map.of()));
    assertThat(planned.code()).as(planned.toString()).isZero();
    Matcher hash = Pattern.compile("plan ([0-9a-f]{64}) written to").matcher(planned.out());
    assertThat(hash.find()).as(planned.toString()).isTrue();
    RunbookPlan plan = new RunbookPlan(hash.group(1), "", Files.readString(planFile));
    assertThat(plan.json())
        .contains(
            config.equals("flags")
                ? "--data-dir in ExecStart of /etc/systemd/system/etcd.service"
                : "ETCD_DATA_DIR in /etc/etcd/etcd.conf")
        .contains("systemctl --no-pager cat 'etcd.service'");

    Cli.Result r = start(cli, lab, snap, Map.of(), "--approved-plan", plan.sha256());
    assertThat(r.code()).as(r.toString()).isEqualTo(3);
    assertThat(waitingAt(r)).isEqualTo("Gate_ApproveStop");
    assertThat(marker(lab)).isEqualTo("after-snapshot");
    String run = r.runId();
    r = approve(cli, run, "Gate_ApproveStop", "bob", "plan read");
    assertThat(r.code()).as(r.toString()).isEqualTo(3);
    assertThat(waitingAt(r)).isEqualTo("Gate_ApproveRestart");
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

    if (crash) {
      killedAtTheStart(lab, home, run);
      r = cli.run("resume", run, "--as", "alice");
      List<String> records = Runs.records(home, run);
      assertThat(records).noneMatch(l -> l.contains("\"reconcile.required\""));
      assertThat(records)
          .filteredOn(l -> l.contains("\"step.started\"") && l.contains("\"Task_StartEtcd\""))
          .as("the start ran again after the crash")
          .hasSize(2);
    } else {
      r = approve(cli, run, "Gate_ApproveRestart", "carol", "diffs read");
    }
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("Run " + run + ": done");

    assertThat(marker(lab)).isEqualTo("before-snapshot");
    for (int n = 1; n <= members; n++) {
      EtcdUnit unit = ExternalEtcdRunbooksIT.unit(lab, n);
      assertThat(unit.value("data-dir")).isEqualTo("/var/lib/etcd-restore-" + run);
      assertThat(unit.setting("data-dir").source())
          .endsWith(config.equals("flags") ? dropIn : runDir + "/etcd.conf");
      assertThat(lab.ssh(n, "test -d /var/lib/etcd/member && echo kept").output()).contains("kept");
      assertThat(lab.etcdctl(n, "endpoint", "health").exitCode()).isZero();
    }
    assertThat(lab.ssh(1, "ls -id /var/lib/etcd/member").output()).isEqualTo(oldMember);
    assertThat(units(lab, members)).isEqualTo(unitBefore);
    assertThat(lab.ssh(cp, "crictl ps --name '^kube-apiserver$' -q").output()).isNotBlank();
    assertThat(outputs(home, run, "Task_ValidateRestore").path("keys").asLong())
        .isEqualTo(snap.keys());
    // Both approvals signed by their people and verified; the evidence verifies offline too.
    Cli.Result evidence = cli.run("evidence", run);
    assertThat(evidence.out())
        .contains("\"type\":\"statement.verified\"")
        .contains("\"principal\":\"bob\"")
        .contains("\"principal\":\"carol\"");
    // A SIGKILL may tear the record being written: kept as the crash's evidence, the rest whole.
    RestoreFaults.assertVerifies(home, run);
    EtcdRestoreIT.sentAsPlanned(
        home, run, plan, "Task_StopControlPlane", "Task_RestoreMembers", "Task_PatchManifests");
    // After the crash the resume also sends the engine's own wait for the killed start's
    // commands (not a step's, so not in the plan) under Task_StartEtcd.
    EtcdRestoreIT.sentAsPlanned(home, run, plan, "Task_StartControlPlane");
    if (!crash) {
      EtcdRestoreIT.sentAsPlanned(home, run, plan, "Task_StartEtcd");
    }
  }

  /**
   * carol approves the restart of {@code run} in a CLI of its own, SIGKILLed as soon as the start
   * sent its first command to a member.
   */
  private static void killedAtTheStart(LabInstance lab, Path home, String run) throws Exception {
    Path log = lab.dir().resolve("approve-restart.log");
    Process approving =
        Cli.child(
                home,
                "approve",
                run,
                "Gate_ApproveRestart",
                "--as",
                "carol",
                "--comment",
                "diffs read",
                "--sign-key",
                lab.people().resolve("carol").toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    Path evidence = home.resolve("runs").resolve(run).resolve("evidence.jsonl");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    java.util.function.Predicate<String> started =
        RestoreFaults.line("command.sent", "Task_StartEtcd");
    while (Files.readAllLines(evidence).stream().noneMatch(started)) {
      assertThat(approving.isAlive() && System.nanoTime() < deadline)
          .as("the start's first command before the approving CLI ended: %s", Files.readString(log))
          .isTrue();
      Thread.sleep(10);
    }
    approving.destroyForcibly();
    assertThat(approving.waitFor(30, TimeUnit.SECONDS)).isTrue();
  }

  /** Every member's unit file and environment files, by digest: the run never edits them. */
  private static String units(LabInstance lab, int members) {
    StringBuilder s = new StringBuilder();
    for (int n = 1; n <= members; n++) {
      s.append(lab.ssh(n, "sha256sum " + UNIT + " /etc/etcd/* 2>&1").output());
    }
    return s.toString();
  }
}
