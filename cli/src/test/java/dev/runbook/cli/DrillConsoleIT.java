package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.lab.LabInstance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drill's restore through the CLI on a 3-member lab, as ./drill does it: etcd-snapshot, then
 * etcd-restore started by alice and approved by bob and carol. What a person sees by default must
 * fit one screen.
 */
class DrillConsoleIT {

  static final String MARKER = "/registry/configmaps/etcd-lab/restore-marker";
  static final int MAX_LINES = 60;

  static LabInstance lab;
  @TempDir Path tmp;

  @BeforeAll
  static void up() {
    lab = LabInstance.up(3, "3.5");
    lab.seed(500);
  }

  @AfterAll
  static void down() {
    if (lab != null) {
      lab.close();
    }
  }

  @Test
  void theDefaultConsoleOfTheDrillRestoreFitsOneScreen() throws Exception {
    Cli cli = new Cli(tmp.resolve("home"), lab.people());
    String inv = lab.inventory().toString();
    put("before-snapshot");
    Path snapshots = tmp.resolve("snapshots");
    Cli.Result snap =
        cli.run(
            "run", "etcd-snapshot", "-i", inv, "--as", "alice", "-p", "snapshotDir=" + snapshots);
    assertThat(snap.code()).as(snap.toString()).isZero();
    Path snapshot;
    try (Stream<Path> files = Files.list(snapshots)) {
      snapshot = files.filter(f -> f.toString().endsWith(".db")).findFirst().orElseThrow();
    }
    put("after-snapshot");

    Cli.Result run =
        cli.run(
            "run",
            "etcd-restore",
            "-i",
            inv,
            "--as",
            "alice",
            "-p",
            "snapshot=" + snapshot,
            "-p",
            "expectSha256=" + sha256(snapshot),
            "-p",
            "safetySnapshotDir=" + lab.dir().resolve("safety"));
    assertThat(run.code()).as(run.toString()).isEqualTo(3);
    String id = waitingRun(run);
    Cli.Result stop =
        cli.run("approve", id, "Gate_ApproveStop", "--as", "bob", "--comment", "plan read");
    assertThat(stop.code()).as(stop.toString()).isEqualTo(3);
    assertThat(waitingRun(stop)).isEqualTo(id);
    Cli.Result restart =
        cli.run("approve", id, "Gate_ApproveRestart", "--as", "carol", "--comment", "diffs read");
    assertThat(restart.code()).as(restart.toString()).isZero();
    assertThat(lab.etcdctl(1, "get", MARKER, "--print-value-only").output().strip())
        .isEqualTo("before-snapshot");

    long lines = lines(run) + lines(stop) + lines(restart);
    // The figure and what a person saw, for the report; the failsafe report keeps them.
    System.out.printf(
        "drill restore console: %d lines (run %d, approve %d, approve %d)%n%s%s%s%s%s%s",
        lines,
        lines(run),
        lines(stop),
        lines(restart),
        run.out(),
        run.err(),
        stop.out(),
        stop.err(),
        restart.out(),
        restart.err());
    assertThat(lines)
        .as("default console of the drill restore:\n%s%s%s", run, stop, restart)
        .isLessThanOrEqualTo(MAX_LINES);
    // What it keeps: every step, one line per member for work on every member at once.
    assertThat(stop.out())
        .contains("> Stop the API servers, then etcd on every member [etcdStopControlPlane")
        .contains("< Task_StopControlPlane: done after ")
        .contains("cp-1: stopping the API servers, then etcd")
        .contains("cp-3: uploading the snapshot to ")
        .doesNotContain("$ ");
    assertThat(restart.out()).contains("cp-2: starting etcd on the restored data");
    // The evidence keeps every command and every line of output all the same.
    String evidence = cli.run("evidence", id).out();
    assertThat(evidence)
        .contains("\"type\":\"command.sent\"")
        .contains("\"type\":\"command.output\"");
  }

  @Test
  void withOutputJsonEveryLineOfRunAndApproveIsOneJsonEvent() throws IOException {
    Cli cli = new Cli(tmp.resolve("home"), lab.people());
    String inv = lab.inventory().toString();
    Cli.Result run = cli.run("run", "ssh-check", "-i", inv, "--as", "alice", "--output", "json");
    assertThat(run.code()).as(run.toString()).isEqualTo(3);
    List<JsonNode> started = JsonConsoleTest.parse(run.out());
    assertThat(started.get(0).path("type").asText()).isEqualTo("run.started");
    JsonNode waiting = started.get(started.size() - 1);
    assertThat(waiting.path("type").asText()).isEqualTo("run.outcome");
    assertThat(waiting.path("exitCode").asInt()).isEqualTo(3);
    String id = waiting.path("runId").asText();
    assertThat(waiting.path("gate").path("approve").asText())
        .startsWith("runbook approve " + id + " Gate_ApproveStamp --as NAME");
    assertThat(started)
        .anySatisfy(
            e -> {
              assertThat(e.path("type").asText()).isEqualTo("step.finished");
              assertThat(e.path("outcome").asText()).isEqualTo("done");
            });

    Cli.Result approved =
        cli.run("approve", id, "--as", "bob", "--comment", "plan read", "--output", "json");
    assertThat(approved.code()).as(approved.toString()).isZero();
    List<JsonNode> ended = JsonConsoleTest.parse(approved.out());
    // bob's signed statement, verified, comes before the decision it allowed.
    assertThat(ended.get(0).path("type").asText()).isEqualTo("statement.verified");
    assertThat(ended.get(0).path("principal").asText()).isEqualTo("bob");
    assertThat(ended.get(1).path("type").asText()).isEqualTo("gate.decision");
    assertThat(ended.get(1).path("by").asText()).isEqualTo("bob");
    JsonNode done = ended.get(ended.size() - 1);
    assertThat(done.path("type").asText()).isEqualTo("run.outcome");
    assertThat(done.path("state").asText()).isEqualTo("done");
    assertThat(done.path("exitCode").asInt()).isZero();
  }

  private static long lines(Cli.Result r) {
    return r.out().lines().count() + r.err().lines().count();
  }

  private static String waitingRun(Cli.Result r) {
    Matcher m = Pattern.compile("(?m)^Run (\\S+) is waiting at gate").matcher(r.out());
    assertThat(m.find()).as(r.toString()).isTrue();
    return m.group(1);
  }

  private static void put(String value) {
    LabInstance.Result r = lab.etcdctl(1, "put", MARKER, value);
    assertThat(r.exitCode()).as(r.output()).isZero();
  }

  private static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
