package dev.runbook.runbooks.etcd;

import static dev.runbook.runbooks.etcd.EtcdRunbooksIT.MARKER;
import static dev.runbook.runbooks.etcd.EtcdRunbooksIT.as;
import static dev.runbook.runbooks.etcd.EtcdRunbooksIT.outputs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.RunbookPlan;
import dev.runbook.engine.api.Runs;
import dev.runbook.lab.LabInstance;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The marker drill with etcd-restore on the lab, for etcd 3.4, 3.5 and 3.5.30 with 1, 3 and 5
 * members: marker "before" -> etcd-snapshot -> marker "after" -> etcd-restore approved at both
 * gates by two other people -> the marker reads "before", every member runs on its restored dir
 * through a manifest whose only change is the etcd-data hostPath, and every old data dir is still
 * there.
 */
class EtcdRestoreIT {

  @TempDir Path tmp;

  static Stream<Arguments> labs() {
    return Stream.of(
        Arguments.of("3.4", 1),
        Arguments.of("3.4", 3),
        Arguments.of("3.5", 3),
        Arguments.of("3.5", 5),
        Arguments.of("3.5.30", 3));
  }

  @ParameterizedTest(name = "etcd {0}, {1} member(s)")
  @MethodSource("labs")
  void theMarkerDrillRestoresEveryMemberAndKeepsTheOldDataDirs(String etcd, int members)
      throws Exception {
    try (LabInstance lab = LabInstance.up(members, etcd)) {
      lab.seed(200);
      put(lab, "before-snapshot");
      Path home = tmp.resolve("home");
      Snapshot snap = snapshot(lab, home, tmp.resolve("snapshots"));
      put(lab, "after-snapshot");
      String oldMember = lab.ssh(1, "ls -id /var/lib/etcd/member").output();

      // Reviewed first: the probed plan; the run is bound to it.
      RunbookPlan plan =
          RunbookEngine.plan(
              EngineOptions.of(home), "etcd-restore", lab.inventory(), params(lab, snap), true);
      try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
        RunOutcome r =
            engine.start(
                "etcd-restore",
                lab.inventory(),
                params(lab, snap),
                "alice",
                plan.sha256(),
                as(lab, "alice"));
        assertThat(r.state()).as(r.message()).isEqualTo(RunState.WAITING);
        assertThat(r.gate().activityId()).isEqualTo("Gate_ApproveStop");
        assertThat(r.gate().planSha256()).isEqualTo(plan.sha256());
        // Nothing has changed before the first gate.
        assertThat(marker(lab)).isEqualTo("after-snapshot");
        r = engine.approve(r.runId(), "Gate_ApproveStop", "bob", "plan read", as(lab, "bob"));
        assertThat(r.state()).as(r.message()).isEqualTo(RunState.WAITING);
        assertThat(r.gate().activityId()).isEqualTo("Gate_ApproveRestart");
        String run = r.runId();
        for (int n = 1; n <= members; n++) {
          assertThat(lab.ssh(n, "ls /etc/kubernetes/manifests").output())
              .doesNotContain("etcd.yaml")
              .doesNotContain("kube-apiserver.yaml");
          assertThat(lab.ssh(n, "ls /etc/kubernetes/etcd-restore-" + run).output())
              .contains("etcd.yaml", "etcd.yaml.restored", "kube-apiserver.yaml");
        }
        JsonNode diffs = json(outputs(home, run, "Task_PatchManifests").path("diffs"));
        assertThat(diffs.size()).isEqualTo(members);
        String diff = diffs.path("cp-1").asText();
        assertThat(diff.lines().filter(l -> l.startsWith("-") && !l.startsWith("---")))
            .containsExactly("-      path: /var/lib/etcd");
        assertThat(diff.lines().filter(l -> l.startsWith("+") && !l.startsWith("+++")))
            .containsExactly("+      path: /var/lib/etcd-restore-" + run);

        r = engine.approve(run, "Gate_ApproveRestart", "carol", "diffs read", as(lab, "carol"));
        assertThat(r.state()).as(r.message()).isEqualTo(RunState.DONE);

        assertThat(marker(lab)).isEqualTo("before-snapshot");
        for (int n = 1; n <= members; n++) {
          String manifest = lab.ssh(n, "cat /etc/kubernetes/manifests/etcd.yaml").output();
          assertThat(manifest)
              .contains("path: /var/lib/etcd-restore-" + run)
              .contains("--data-dir=/var/lib/etcd\n")
              .contains("- mountPath: /var/lib/etcd\n");
          assertThat(lab.ssh(n, "test -d /var/lib/etcd/member && echo kept").output())
              .contains("kept");
          assertThat(lab.ssh(n, "crictl ps --name '^kube-apiserver$' -q").output()).isNotBlank();
          assertThat(lab.etcdctl(n, "endpoint", "health").exitCode()).isZero();
        }
        assertThat(lab.ssh(1, "ls -id /var/lib/etcd/member").output()).isEqualTo(oldMember);
        JsonNode valid = outputs(home, run, "Task_ValidateRestore");
        assertThat(valid.path("keys").asLong()).isEqualTo(snap.keys());
        long bump = outputs(home, run, "Task_Preflight").path("bumpRevision").asLong();
        // etcd 3.4.23 (Debian's) has no --bump-revision; 3.5.16 and 3.5.30 have it.
        assertThat(bump).isEqualTo(etcd.startsWith("3.5") ? 1_000_000_000L : 0L);
        assertThat(valid.path("revision").asLong()).isGreaterThanOrEqualTo(snap.revision() + bump);
        assertThat(outputs(home, run, "Task_TakeSafetySnapshot").path("sha256").asText())
            .hasSize(64);
        assertThat(Runs.verify(home, run).ok()).isTrue();
        sentAsPlanned(home, run, plan, "Task_StopControlPlane", "Task_RestoreMembers");
        sentAsPlanned(home, run, plan, "Task_PatchManifests", "Task_StartEtcd");
      }
    }
  }

  record Snapshot(String file, String sha256, long revision, long keys) {}

  static Snapshot snapshot(LabInstance lab, Path home, Path dir) throws Exception {
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
      RunOutcome r =
          engine.start(
              "etcd-snapshot",
              lab.inventory(),
              Map.of("snapshotDir", dir.toString()),
              "alice",
              null,
              as(lab, "alice"));
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.DONE);
      JsonNode t = outputs(home, r.runId(), "Task_TakeSnapshot");
      return new Snapshot(
          t.path("file").asText(),
          t.path("sha256").asText(),
          t.path("revision").asLong(),
          t.path("liveKeys").asLong());
    }
  }

  /** Starts etcd-restore as alice with short waits; {@code extra} adds or overrides parameters. */
  static RunOutcome start(
      RunbookEngine engine,
      LabInstance lab,
      Path inventory,
      Snapshot snap,
      Map<String, String> extra) {
    Map<String, String> p = params(lab, snap);
    p.putAll(extra);
    return engine.start("etcd-restore", inventory, p, "alice", null, as(lab, "alice"));
  }

  static Map<String, String> params(LabInstance lab, Snapshot snap) {
    Map<String, String> p = new HashMap<>();
    p.put("snapshot", snap.file());
    p.put("expectSha256", snap.sha256());
    p.put("safetySnapshotDir", lab.dir().resolve("safety").toString());
    p.put("stopTimeout", "PT1M");
    p.put("healthTimeout", "PT1M");
    return p;
  }

  /**
   * Every command the steps sent is one the probed plan showed for that node: the same text, with
   * the run id for ⟨run⟩ and whatever the run learned for the other ⟨placeholders⟩ (the snapshot's
   * digest, known once verified).
   */
  static void sentAsPlanned(Path home, String run, RunbookPlan plan, String... activityIds)
      throws java.io.IOException {
    JsonNode steps = EtcdRunbooksIT.JSON.readTree(plan.json()).path("plan").path("steps");
    for (String id : activityIds) {
      java.util.List<java.util.regex.Pattern> planned = new java.util.ArrayList<>();
      java.util.List<String> nodes = new java.util.ArrayList<>();
      for (JsonNode e : steps) {
        if (e.path("id").asText().equals(id)) {
          for (JsonNode c : e.path("commands")) {
            nodes.add(c.path("node").asText());
            planned.add(pattern(c.path("command").asText(), run));
          }
        }
      }
      int sent = 0;
      for (JsonNode r :
          dev.runbook.engine.internal.evidence.EvidenceReader.read(
              home.resolve("runs").resolve(run))) {
        if (r.path("type").asText().equals("command.sent")
            && r.path("activityId").asText().equals(id)) {
          String node = r.path("node").asText();
          String command = r.path("command").asText();
          boolean found = false;
          for (int i = 0; i < planned.size() && !found; i++) {
            found = nodes.get(i).equals(node) && planned.get(i).matcher(command).matches();
          }
          assertThat(found)
              .as(id + " sent to " + node + " a command the plan did not show:\n" + command)
              .isTrue();
          sent++;
        }
      }
      assertThat(sent).as(id + " sent commands").isPositive();
    }
  }

  private static java.util.regex.Pattern pattern(String planned, String run) {
    StringBuilder re = new StringBuilder();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("⟨[^⟩]*⟩").matcher(planned);
    int last = 0;
    while (m.find()) {
      re.append(java.util.regex.Pattern.quote(planned.substring(last, m.start())));
      re.append(m.group().equals("⟨run⟩") ? java.util.regex.Pattern.quote(run) : "[^']*");
      last = m.end();
    }
    re.append(java.util.regex.Pattern.quote(planned.substring(last)));
    return java.util.regex.Pattern.compile(re.toString(), java.util.regex.Pattern.DOTALL);
  }

  /** A non-scalar output is recorded as JSON text. */
  static JsonNode json(JsonNode n) throws java.io.IOException {
    return n.isTextual() ? EtcdRunbooksIT.JSON.readTree(n.asText()) : n;
  }

  static void put(LabInstance lab, String value) {
    LabInstance.Result r = lab.etcdctl(1, "put", MARKER, value);
    assertThat(r.exitCode()).as(r.output()).isZero();
  }

  static String marker(LabInstance lab) {
    LabInstance.Result r = lab.etcdctl(1, "get", MARKER, "--print-value-only");
    assertThat(r.exitCode()).as(r.output()).isZero();
    return r.output().strip();
  }
}
