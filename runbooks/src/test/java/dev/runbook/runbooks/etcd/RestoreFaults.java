package dev.runbook.runbooks.etcd;

import static dev.runbook.runbooks.etcd.EtcdRestoreIT.marker;
import static dev.runbook.runbooks.etcd.EtcdRestoreIT.start;
import static dev.runbook.runbooks.etcd.EtcdRunbooksIT.as;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.Identity;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.Runs;
import dev.runbook.lab.LabInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * What the lab tests of etcd-restore's faults share: a 3-member lab with a snapshot taken, a
 * runbook home, a CLI stand-in in its own JVM that a test can SIGKILL, and the checks that a run
 * ended with nothing lost.
 */
final class RestoreFaults {

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  static final int MEMBERS = 3;

  final LabInstance lab;
  final Path home;
  final EtcdRestoreIT.Snapshot snap;

  private RestoreFaults(LabInstance lab, Path home, EtcdRestoreIT.Snapshot snap) {
    this.lab = lab;
    this.home = home;
    this.snap = snap;
  }

  /**
   * A 3-member etcd 3.5 lab, seeded, with the marker reading {@code before-snapshot} in the
   * snapshot and {@code after-snapshot} after it.
   */
  static RestoreFaults up() throws Exception {
    return up(null);
  }

  /** As {@link #up()}; with {@code diskMb}, each node's /var/lib is a disk of that size. */
  static RestoreFaults up(Integer diskMb) throws Exception {
    LabInstance lab = LabInstance.up(MEMBERS, "3.5", diskMb);
    try {
      lab.seed(200);
      Path home = lab.dir().resolve("runbook-home");
      EtcdRestoreIT.put(lab, "before-snapshot");
      EtcdRestoreIT.Snapshot snap =
          EtcdRestoreIT.snapshot(lab, home, lab.dir().resolve("snapshots"));
      EtcdRestoreIT.put(lab, "after-snapshot");
      return new RestoreFaults(lab, home, snap);
    } catch (Exception | Error e) {
      lab.close();
      throw e;
    }
  }

  /** Starts a restore and waits at the stop gate; returns the run id. */
  String startToStopGate(RunbookEngine engine, Map<String, String> extra) {
    RunOutcome r = start(engine, lab, lab.inventory(), snap, extra);
    assertThat(r.state()).as(r.message()).isEqualTo(RunState.WAITING);
    assertThat(r.gate().activityId()).isEqualTo("Gate_ApproveStop");
    return r.runId();
  }

  /** Starts a restore in a fresh engine and waits at the stop gate; returns the run id. */
  String startToStopGate() {
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
      return startToStopGate(engine, Map.of());
    }
  }

  /** Starts a restore and approves the stop: every member is stopped, restored and patched. */
  RunOutcome toRestartGate(RunbookEngine engine) {
    String run = startToStopGate(engine, Map.of("healthTimeout", "PT40S"));
    RunOutcome r = engine.approve(run, "Gate_ApproveStop", "bob", "plan read", as(lab, "bob"));
    assertThat(r.state()).as(r.message()).isEqualTo(RunState.WAITING);
    assertThat(r.gate().activityId()).isEqualTo("Gate_ApproveRestart");
    return r;
  }

  /** {@link #toRestartGate(RunbookEngine)} in a fresh engine; returns the run id. */
  String toRestartGate() {
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
      return toRestartGate(engine).runId();
    }
  }

  /** Every member's manifests, by digest. */
  String manifests() {
    StringBuilder s = new StringBuilder();
    for (int n = 1; n <= MEMBERS; n++) {
      s.append(lab.ssh(n, "cd /etc/kubernetes/manifests && sha256sum *.yaml").output());
    }
    return s.toString();
  }

  /**
   * The run rolled back with nothing lost: the marker reads {@code markerBefore}, every manifest is
   * the one from before the run, every member's etcd and API server run, the evidence verifies.
   */
  void assertRolledBack(String run, String manifests, String markerBefore) throws Exception {
    assertRolledBack(run, manifests, markerBefore, "Task_RollBack");
  }

  /** As above, for a run whose rollback was {@code rollBack} (the abort path's, say). */
  void assertRolledBack(String run, String manifests, String markerBefore, String rollBack)
      throws Exception {
    assertThat(marker(lab)).isEqualTo(markerBefore);
    assertThat(manifests()).isEqualTo(manifests);
    for (int n = 1; n <= MEMBERS; n++) {
      assertThat(lab.etcdctl(n, "endpoint", "health").exitCode()).isZero();
      assertThat(lab.ssh(n, "crictl ps --name '^kube-apiserver$' -q").output()).isNotBlank();
    }
    // The rollback's own check, in its last (successful) finish.
    JsonNode back =
        records(run).stream()
            .filter(
                r ->
                    r.path("type").asText().equals("step.finished")
                        && r.path("activityId").asText().equals(rollBack)
                        && !r.path("outcome").asText().equals("failed"))
            .reduce((a, b) -> b)
            .orElseThrow(() -> new AssertionError(rollBack + " never finished in " + run));
    assertThat(back.path("outputs").path("marker").asText()).isEqualTo(markerBefore);
    assertVerifies(home, run);
  }

  /** Damages the WAL of node {@code n}'s restored dir of {@code run}: its etcd exits at start. */
  static void damageWal(LabInstance lab, int n, String run) {
    LabInstance.Result broken =
        lab.ssh(
            n,
            "for f in /var/lib/etcd-restore-"
                + run
                + "/member/wal/*.wal; do"
                + " dd if=/dev/urandom of=\"$f\" bs=4k count=4 conv=notrunc 2>/dev/null; done;"
                + " echo damaged");
    assertThat(broken.output()).contains("damaged");
  }

  /** The record of the first failed finish of {@code activityId} in the run's evidence. */
  static String firstFailure(Path home, String run, String activityId) {
    return Runs.records(home, run).stream()
        .filter(
            rec ->
                rec.contains("\"step.finished\"")
                    && rec.contains(activityId)
                    && rec.contains("\"failed\""))
        .findFirst()
        .orElseThrow(() -> new AssertionError(activityId + " never failed in run " + run));
  }

  /**
   * The run's evidence verifies, but for records a SIGKILL tore: those stay in the file as the
   * crash's evidence and verify reports them (TORN), by design. So when verify says TORN, the same
   * evidence with the torn lines set aside must verify in full: the torn record is the only
   * problem, and the chain, checkpoints and statements around it are whole.
   */
  static void assertVerifies(Path home, String run) {
    Runs.Verification v = Runs.verify(home, run);
    if (v.ok()) {
      return;
    }
    assertThat(v.reason()).as(v.problem()).isEqualTo("TORN");
    try {
      Path copy = Files.createTempDirectory("runbook-torn-");
      Path from = home.resolve("runs").resolve(run);
      Path to = Files.createDirectories(copy.resolve("runs").resolve(run));
      try (var files = Files.walk(from)) {
        for (Path f : files.toList()) {
          Path target = to.resolve(from.relativize(f).toString());
          if (Files.isDirectory(f)) {
            Files.createDirectories(target);
          } else if (f.getFileName().toString().equals("evidence.jsonl")) {
            List<String> whole = new ArrayList<>();
            for (String line : Files.readAllLines(f)) {
              try {
                if (JSON.readTree(line) instanceof com.fasterxml.jackson.databind.node.ObjectNode) {
                  whole.add(line);
                }
              } catch (com.fasterxml.jackson.core.JsonProcessingException torn) {
                // the torn record: set aside
              }
            }
            Files.write(target, whole);
          } else {
            Files.copy(f, target);
          }
        }
      }
      try (var files = Files.list(home)) {
        for (Path f : files.toList()) {
          if (Files.isRegularFile(f) && f.getFileName().toString().startsWith("engine.key")) {
            Files.copy(f, copy.resolve(f.getFileName()));
          }
        }
      }
      Runs.Verification without = Runs.verify(copy, run);
      assertThat(without.ok())
          .as("without its torn records, run %s's evidence: %s", run, without.problem())
          .isTrue();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * A restore that ended done left every member's original data dir where it was, whole: the
   * restored one is a sibling.
   */
  void assertOriginalDataKept() {
    for (int n = 1; n <= MEMBERS; n++) {
      assertThat(lab.ssh(n, "test -s /var/lib/etcd/member/snap/db && echo kept").output())
          .as("cp-" + n + "'s original data dir")
          .contains("kept");
    }
  }

  /**
   * The run's evidence records, read as the engine reads them: a record a killed process left torn
   * (no newline) stays in the file as the crash's evidence and is not a record (EVIDENCE-001).
   */
  List<JsonNode> records(String run) throws Exception {
    return dev.runbook.engine.internal.evidence.EvidenceReader.read(
        home.resolve("runs").resolve(run));
  }

  /** The step in flight when the CLI was killed ran a second time, and no reconcile gate came. */
  void assertRanAgainWithoutAPerson(String run, String activityId) throws Exception {
    List<JsonNode> records = records(run);
    assertThat(records).noneMatch(r -> r.path("type").asText().equals("reconcile.required"));
    assertThat(records)
        .filteredOn(
            r ->
                r.path("type").asText().equals("step.started")
                    && r.path("activityId").asText().equals(activityId))
        .as(
            "%s's starts in:%n%s",
            activityId,
            String.join(
                "\n",
                records.stream().map(r -> r.toString().replaceAll("(.{400}).*", "$1")).toList()))
        .extracting(r -> r.path("attempt").asInt())
        .containsExactly(1, 2);
  }

  static boolean isRestore(JsonNode r) {
    return r.path("type").asText().equals("command.sent")
        && r.path("command").asText().contains("--initial-cluster-token");
  }

  static boolean onNode(JsonNode r, String node) {
    return r.path("node").asText().equals(node);
  }

  /** An evidence line of {@code type} for {@code activityId}: a trigger for {@link #awaitLine}. */
  static Predicate<String> line(String type, String activityId) {
    return l -> l.contains("\"type\":\"" + type + "\"") && l.contains("\"" + activityId + "\"");
  }

  /**
   * A CLI stand-in in its own JVM, so that a test can SIGKILL it mid-run, or act on the same run
   * from the test's JVM while it drives: home, run, gate, who, the key file who signs with, and
   * optionally {@code reject}.
   */
  static final class Driver {
    public static void main(String[] args) {
      try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(Path.of(args[0])))) {
        Identity key = new Identity.KeyFile(Path.of(args[4]), null);
        boolean reject = args.length > 5 && args[5].equals("reject");
        System.out.println(
            (reject
                    ? engine.reject(args[1], args[2], args[3], "no", key)
                    : engine.approve(args[1], args[2], args[3], "go", key))
                .state());
      }
    }
  }

  /** Starts the driver deciding {@code gate} of {@code run} as {@code person}. */
  Process decide(String run, String gate, String person, boolean reject) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Driver.class.getName(),
                home.toString(),
                run,
                gate,
                person,
                lab.people().resolve(person).toString()));
    if (reject) {
      command.add("reject");
    }
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(driverLog().toFile())
        .start();
  }

  /** Waits (at most 3 minutes) until the run's evidence has a line that matches; returns it. */
  String awaitLine(String run, Predicate<String> line, Process driver) throws Exception {
    Path evidence = home.resolve("runs").resolve(run).resolve("evidence.jsonl");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (driver.isAlive() && System.nanoTime() < deadline) {
      Optional<String> seen = Files.readAllLines(evidence).stream().filter(line).findFirst();
      if (seen.isPresent()) {
        return seen.get();
      }
      Thread.sleep(10);
    }
    throw new AssertionError(
        "the driver ended before the line was seen: " + Files.readString(driverLog()));
  }

  /**
   * Decides {@code gate} in the driver and SIGKILLs it as soon as the evidence has a line that
   * matches; returns that line.
   */
  String killWhen(String run, String gate, String person, boolean reject, Predicate<String> line)
      throws Exception {
    Process driver = decide(run, gate, person, reject);
    String seen = awaitLine(run, line, driver);
    driver.destroyForcibly();
    driver.waitFor(30, TimeUnit.SECONDS);
    return seen;
  }

  private Path driverLog() {
    return lab.dir().resolve("driver.log");
  }

  void close() {
    lab.close();
  }
}
