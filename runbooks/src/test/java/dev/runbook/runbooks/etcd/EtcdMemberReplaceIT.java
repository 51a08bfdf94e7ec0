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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * etcd-member-replace on the lab: cp-2 loses its disk (its etcd stopped by setting its manifest
 * aside, as a person would; its data dir wiped) while the others keep quorum; the runbook, approved
 * by a second person, brings it back under the same name and peer URL with a new id, every member
 * healthy at the leader's revision, the marker readable from cp-2's own store, and the old data dir
 * kept aside.
 */
class EtcdMemberReplaceIT {

  static final String OFF = "/etc/kubernetes/etcd.yaml.off";

  @TempDir Path tmp;

  static Stream<Arguments> labs() {
    return Stream.of(
        Arguments.of("3.5", 3),
        Arguments.of("3.4", 3),
        Arguments.of("3.5", 5),
        Arguments.of("3.4", 5));
  }

  @ParameterizedTest(name = "etcd {0}, {1} members")
  @MethodSource("labs")
  void aMemberWhoseDataDirWasWipedComesBackWithANewId(String etcd, int members) throws Exception {
    try (LabInstance lab = LabInstance.up(members, etcd)) {
      lab.seed(200);
      assertThat(lab.etcdctl(1, "put", MARKER, "before-replace").exitCode()).isZero();
      String peer = "https://" + lab.address(2) + ":2380";
      String oldId = idOf(lab, peer);

      // The failure: cp-2's etcd stops (its manifest set aside by a person), its disk is lost.
      assertThat(lab.ssh(2, "mv /etc/kubernetes/manifests/etcd.yaml " + OFF).exitCode()).isZero();
      assertThat(
              lab.ssh(
                      2,
                      "for i in $(seq 100); do"
                          + " [ -z \"$(crictl ps --name '^etcd$' --state running -q)\" ] && exit 0;"
                          + " sleep 0.2; done; exit 1")
                  .exitCode())
          .isZero();
      assertThat(
              lab.ssh(2, "rm -rf /var/lib/etcd/member && echo gone > /var/lib/etcd/disk-died")
                  .exitCode())
          .isZero();
      assertThat(lab.etcdctl(1, "put", MARKER, "while-cp-2-was-down").exitCode()).isZero();

      Path home = tmp.resolve("home");
      Map<String, String> params =
          Map.of(
              "member", "cp-2",
              "manifest", OFF,
              "healthTimeout", "PT1M",
              "catchUpTimeout", "PT1M");
      RunbookPlan plan =
          RunbookEngine.plan(
              EngineOptions.of(home), "etcd-member-replace", lab.inventory(), params, true);
      assertThat(plan.markdown())
          .contains("+    - --initial-cluster-state=existing")
          .doesNotContain("plan with --probe");
      // The golden file: what a reviewer reads, hashes and the lab's loopback block masked as in
      // EtcdRestorePlanIT; -Dgolden.update=true rewrites it (read the diff before committing).
      Path golden =
          Path.of(
              "src/test/resources/golden", "etcd-member-replace-" + etcd + "-" + members + ".md");
      String actual = EtcdRestorePlanIT.normalize(plan.markdown());
      if (Boolean.getBoolean("golden.update")) {
        Files.writeString(golden, actual, StandardCharsets.UTF_8);
      }
      assertThat(golden).as("golden file " + golden + " (-Dgolden.update=true writes it)").exists();
      assertThat(actual).isEqualTo(Files.readString(golden, StandardCharsets.UTF_8));
      try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
        RunOutcome r =
            engine.start(
                "etcd-member-replace",
                lab.inventory(),
                params,
                "alice",
                plan.sha256(),
                as(lab, "alice"));
        assertThat(r.state()).as(r.message()).isEqualTo(RunState.WAITING);
        assertThat(r.gate().activityId()).isEqualTo("Gate_ApproveReplace");
        assertThat(idOf(lab, peer)).as("nothing changes before the gate").isEqualTo(oldId);
        String run = r.runId();
        r = engine.approve(run, "Gate_ApproveReplace", "bob", "plan read", as(lab, "bob"));
        assertThat(r.state()).as(r.message()).isEqualTo(RunState.DONE);

        // Same name and peer URL, a new id, a voter.
        String newId = idOf(lab, peer);
        assertThat(newId).isNotEqualTo(oldId);
        String list = lab.etcdctl(1, "member", "list").output();
        assertThat(list.lines().filter(l -> l.contains(peer)))
            .singleElement()
            .satisfies(l -> assertThat(l).contains(", cp-2, ").endsWith("false"));
        assertThat(list.lines().filter(l -> !l.isBlank())).hasSize(members);
        // Every member healthy, at the leader's revision. cp-2's API server stand-in writes its
        // lease once its etcd answers again, so a round that sees a write half-applied reads again.
        for (int n = 1; n <= members; n++) {
          assertThat(lab.etcdctl(n, "endpoint", "health").exitCode()).isZero();
        }
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        java.util.Map<String, Long> revisions;
        long leaderRevision;
        do {
          revisions = new java.util.TreeMap<>();
          leaderRevision = -1;
          for (int n = 1; n <= members; n++) {
            JsonNode s =
                EtcdRunbooksIT.JSON
                    .readTree(lab.etcdctl(n, "endpoint", "status", "-w", "json").output())
                    .get(0)
                    .path("Status");
            revisions.put("cp-" + n, s.path("header").path("revision").asLong());
            if (s.path("leader").asLong() == s.path("header").path("member_id").asLong()) {
              leaderRevision = s.path("header").path("revision").asLong();
            }
          }
        } while (!allAre(revisions, leaderRevision) && System.nanoTime() < deadline);
        assertThat(leaderRevision).as("a leader answered").isPositive();
        assertThat(revisions.values()).as("revisions " + revisions).containsOnly(leaderRevision);
        // The marker from cp-2's own store, written while it was down.
        assertThat(
                lab.etcdctl(2, "get", MARKER, "--consistency=s", "--print-value-only")
                    .output()
                    .strip())
            .isEqualTo("while-cp-2-was-down");
        assertThat(outputs(home, run, "Task_ValidateReplacement").path("marker").asText())
            .isEqualTo("while-cp-2-was-down");
        // Nothing deleted: the old data dir is aside, the manifest kept where the person put it
        // and copied into the run's dir; the one in place says existing.
        assertThat(lab.ssh(2, "cat /var/lib/etcd-replaced-" + run + "/disk-died").output())
            .contains("gone");
        assertThat(lab.ssh(2, "test -f " + OFF + " && echo kept").output()).contains("kept");
        assertThat(lab.ssh(2, "ls /etc/kubernetes/etcd-replace-" + run).output())
            .contains("etcd.yaml", "etcd.yaml.replaced");
        String manifest = lab.ssh(2, "cat /etc/kubernetes/manifests/etcd.yaml").output();
        assertThat(manifest).contains("--initial-cluster-state=existing");
        for (int n = 1; n <= members; n++) {
          assertThat(manifest).contains("cp-" + n + "=https://" + lab.address(n) + ":2380");
        }
        assertThat(Runs.verify(home, run).ok()).isTrue();
        EtcdRestoreIT.sentAsPlanned(
            home, run, plan, "Task_SetAside", "Task_StartMember", "Task_Preflight");
        // The cluster changes went as the plan showed them, each recorded before it was sent,
        // through a member other than cp-2; the promotion as often as etcd refused it.
        java.util.List<String> asked = new java.util.ArrayList<>();
        for (JsonNode e :
            dev.runbook.engine.internal.evidence.EvidenceReader.read(
                home.resolve("runs").resolve(run))) {
          if (e.path("type").asText().equals("transfer.sent")
              && e.path("kind").asText().equals("etcd")) {
            assertThat(e.path("node").asText()).isNotEqualTo("cp-2");
            asked.add(e.path("activityId").asText() + ": " + e.path("remote").asText());
          }
        }
        String learner = outputs(home, run, "Task_AddLearner").path("learnerId").asText();
        assertThat(asked.stream().distinct())
            .containsExactly(
                "Task_RemoveMember: member remove " + oldId,
                "Task_AddLearner: member add --learner --peer-urls=" + peer,
                "Task_PromoteMember: member promote " + learner);
      }
    }
  }

  /**
   * The way back before the removal: cp-2 is healthy, its etcd.yaml in the manifest dir (so the run
   * moves it, and etcd stops); someone puts a dir at the place for the old data dir while the run
   * waits at the gate, so setting the data dir aside fails after etcd stopped. The put-back returns
   * the manifest, etcd runs again on its own data under its old id, and what someone put there is
   * untouched.
   */
  @org.junit.jupiter.api.Test
  void aFailureBeforeTheRemovalPutsTheNodeBack() throws Exception {
    try (LabInstance lab = LabInstance.up(3, "3.5")) {
      assertThat(lab.etcdctl(1, "put", MARKER, "before-replace").exitCode()).isZero();
      String peer = "https://" + lab.address(2) + ":2380";
      String oldId = idOf(lab, peer);
      String manifest = lab.ssh(2, "sha256sum /etc/kubernetes/manifests/etcd.yaml").output();
      Path home = tmp.resolve("home");
      Map<String, String> params = Map.of("member", "cp-2", "healthTimeout", "PT1M");
      try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
        String run = startAtTheGate(engine, lab, params);
        RunOutcome r;
        String stranger = "/var/lib/etcd-replaced-" + run;
        assertThat(
                lab.ssh(2, "mkdir " + stranger + " && echo mine > " + stranger + "/f").exitCode())
            .isZero();
        r = engine.approve(run, "Gate_ApproveReplace", "bob", "plan read", as(lab, "bob"));
        assertThat(r.state()).as(r.message()).isEqualTo(RunState.ROLLED_BACK);

        assertThat(lab.ssh(2, "sha256sum /etc/kubernetes/manifests/etcd.yaml").output())
            .isEqualTo(manifest);
        assertThat(lab.ssh(2, "cat " + stranger + "/f").output()).contains("mine");
        assertThat(lab.ssh(2, "test -d /var/lib/etcd/member && echo kept").output())
            .contains("kept");
        assertThat(outputs(home, run, "Task_PutBack").path("manifest").asText()).isEqualTo("back");
        assertThat(outputs(home, run, "Task_PutBack").path("data").asText()).isEqualTo("untouched");
        // etcd runs again on cp-2's own data, still the same member.
        assertThat(
                lab.ssh(
                        2,
                        "for i in $(seq 150); do"
                            + " [ -n \"$(crictl ps --name '^etcd$' --state running -q)\" ] && exit 0;"
                            + " sleep 0.2; done; exit 1")
                    .exitCode())
            .isZero();
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        while (lab.etcdctl(2, "endpoint", "health").exitCode() != 0
            && System.nanoTime() < deadline) {
          Thread.sleep(250);
        }
        assertThat(lab.etcdctl(2, "endpoint", "health").exitCode()).isZero();
        assertThat(idOf(lab, peer)).isEqualTo(oldId);
        assertThat(
                lab.etcdctl(2, "get", MARKER, "--consistency=s", "--print-value-only")
                    .output()
                    .strip())
            .isEqualTo("before-replace");
        assertThat(Runs.verify(home, run).ok()).isTrue();
      }
    }
  }

  /**
   * Past the removal there is no way back: someone puts a file at the manifest dir's etcd.yaml
   * while the run waits at the gate, so the start cannot install the new member's manifest. The run
   * stops (failed) saying what is where: the old member removed, the learner listed, the old data
   * dir aside, the original manifest in the run's dir; the other members keep the quorum.
   */
  @org.junit.jupiter.api.Test
  void aFailurePastTheRemovalStopsAndSaysWhatIsWhere() throws Exception {
    try (LabInstance lab = LabInstance.up(3, "3.5")) {
      String peer = "https://" + lab.address(2) + ":2380";
      String oldId = idOf(lab, peer);
      assertThat(lab.ssh(2, "mv /etc/kubernetes/manifests/etcd.yaml " + OFF).exitCode()).isZero();
      Path home = tmp.resolve("home");
      Map<String, String> params = Map.of("member", "cp-2", "manifest", OFF);
      try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
        String run = startAtTheGate(engine, lab, params);
        RunOutcome r;
        // Not a pod the kubelet can start: it only logs it.
        assertThat(lab.ssh(2, "echo 'not: a pod' > /etc/kubernetes/manifests/etcd.yaml").exitCode())
            .isZero();
        r = engine.approve(run, "Gate_ApproveReplace", "bob", "plan read", as(lab, "bob"));
        assertThat(r.state()).as(r.message()).isEqualTo(RunState.FAILED);
        assertThat(r.message()).contains("/etc/kubernetes/manifests/etcd.yaml exists");

        String list = lab.etcdctl(1, "member", "list").output();
        assertThat(list).doesNotContain(oldId + ",");
        String learner = outputs(home, run, "Task_AddLearner").path("learnerId").asText();
        assertThat(list.lines().filter(l -> l.contains(peer)))
            .singleElement()
            .satisfies(l -> assertThat(l).startsWith(learner + ",").endsWith("true"));
        assertThat(
                lab.ssh(2, "test -d /var/lib/etcd-replaced-" + run + "/member && echo kept")
                    .output())
            .contains("kept");
        assertThat(lab.ssh(2, "ls /etc/kubernetes/etcd-replace-" + run).output())
            .contains("etcd.yaml", "etcd.yaml.replaced");
        for (int n : new int[] {1, 3}) {
          assertThat(lab.etcdctl(n, "endpoint", "health").exitCode()).isZero();
        }
        assertThat(Runs.verify(home, run).ok()).isTrue();
      }
    }
  }

  /** Starts the run as alice, not bound to a plan, and returns its id once it waits at the gate. */
  private static String startAtTheGate(
      RunbookEngine engine, LabInstance lab, Map<String, String> params) {
    RunOutcome r =
        engine.start(
            "etcd-member-replace", lab.inventory(), params, "alice", null, as(lab, "alice"));
    assertThat(r.state()).as(r.message()).isEqualTo(RunState.WAITING);
    assertThat(r.gate().activityId()).isEqualTo("Gate_ApproveReplace");
    return r.runId();
  }

  private static boolean allAre(java.util.Map<String, Long> revisions, long leader) {
    return leader > 0 && revisions.values().stream().allMatch(r -> r == leader);
  }

  /** The member id etcdctl lists for {@code peer}. */
  private static String idOf(LabInstance lab, String peer) {
    LabInstance.Result r = lab.etcdctl(1, "member", "list");
    assertThat(r.exitCode()).as(r.output()).isZero();
    return r.output()
        .lines()
        .filter(l -> l.contains(peer))
        .map(l -> l.substring(0, l.indexOf(',')))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no member at " + peer + ":\n" + r.output()));
  }
}
