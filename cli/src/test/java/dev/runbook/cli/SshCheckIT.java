package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.lab.LabInstance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ssh-check runbook end to end through the CLI, on a 3-member lab. */
class SshCheckIT {

  static LabInstance lab;
  @TempDir Path tmp;
  Cli cli;

  @BeforeAll
  static void up() {
    lab = LabInstance.up(3, "3.5");
  }

  @AfterAll
  static void down() {
    lab.close();
  }

  @BeforeEach
  void home() {
    cli = new Cli(tmp.resolve("home"), lab.people());
  }

  private String inv() {
    return lab.inventory().toString();
  }

  private Path stamp(int node, String dir, String run) {
    return lab.nodePath(node, dir + "/" + run + ".stamp");
  }

  @Test
  void approvedByAnotherPersonEveryNodeIsStampedAndTheEvidenceVerifies() throws IOException {
    Cli.Result started = cli.run("run", "ssh-check", "-i", inv(), "--as", "alice");
    assertThat(started.code()).as(started.toString()).isEqualTo(3);
    String run = started.runId();
    assertThat(started.out())
        .contains("> Identify every node [remoteCheck, READ_ONLY] on cp-1, cp-2, cp-3")
        .containsPattern("< Task_IdentifyNodes: done after \\d+\\.\\d s")
        .contains("runbook approve " + run + " Gate_ApproveStamp --as NAME")
        .contains("approving releases: Write the stamp on every node");

    Cli.Result status = cli.run("status", "--output", "json");
    assertThat(status.out()).contains("\"" + run + "\"").contains("\"waiting\"");

    Cli.Result self = cli.run("approve", run, "--as", "alice", "--comment", "me");
    assertThat(self.code()).as(self.toString()).isEqualTo(2);
    assertThat(stamp(1, "/var/lib/runbook/ssh-check", run)).doesNotExist();

    Cli.Result approved = cli.run("approve", run, "--as", "bob", "--comment", "plan read");
    assertThat(approved.code()).as(approved.toString()).isZero();
    for (int n = 1; n <= 3; n++) {
      assertThat(stamp(n, "/var/lib/runbook/ssh-check", run)).hasContent(run + "\n");
    }
    Cli.Result verify = cli.run("evidence", run, "--verify");
    assertThat(verify.code()).as(verify.toString()).isZero();

    String evidence = cli.run("evidence", run).out();
    String fingerprint = fingerprint(1);
    assertThat(evidence).contains("\"hostKeyFingerprint\":\"" + fingerprint + "\"");
    assertThat(evidence).contains("\"decision\":\"approved\"").contains("\"by\":\"bob\"");

    // Tampering with a record is found, and named.
    Path file = tmp.resolve("home/runs/" + run + "/evidence.jsonl");
    List<String> lines = new ArrayList<>(Files.readAllLines(file));
    String edited = lines.get(2).replace("\"at\":\"20", "\"at\":\"19");
    assertThat(edited).isNotEqualTo(lines.get(2));
    lines.set(2, edited);
    Files.write(file, lines);
    Cli.Result tampered = cli.run("evidence", run, "--verify");
    assertThat(tampered.code()).isEqualTo(1);
    assertThat(tampered.out()).contains("line 3");
  }

  @Test
  void aRejectionEndsTheRunWithNothingChanged() {
    String run = cli.run("run", "ssh-check", "-i", inv(), "--as", "alice").runId();
    Cli.Result noComment = cli.run("reject", run, "--as", "bob");
    assertThat(noComment.code()).isEqualTo(2);
    Cli.Result rejected = cli.run("reject", run, "--as", "bob", "--comment", "not in this window");
    assertThat(rejected.code()).as(rejected.toString()).isEqualTo(1);
    assertThat(rejected.out()).contains("rejected");
    for (int n = 1; n <= 3; n++) {
      assertThat(stamp(n, "/var/lib/runbook/ssh-check", run)).doesNotExist();
    }
    assertThat(cli.run("status", run).out()).contains("rejected");
  }

  @Test
  void aGateThatTimesOutFailsClosed() throws InterruptedException {
    String run =
        cli.run("run", "ssh-check", "-i", inv(), "--as", "alice", "-p", "gateTimeout=PT2S").runId();
    Thread.sleep(2500);
    assertThat(cli.run("status", run).out())
        .contains("the gate's time ran out; it fails closed when the run is next driven")
        .doesNotContain("runbook approve");
    Cli.Result late = cli.run("approve", run, "--as", "bob", "--comment", "late");
    assertThat(late.code()).as(late.toString()).isEqualTo(2);
    assertThat(late.err()).contains("expired");
    assertThat(stamp(1, "/var/lib/runbook/ssh-check", run)).doesNotExist();
    assertThat(cli.run("status", run).out()).contains("expired");
  }

  @Test
  void aWriteThatFailsOnOneNodeMovesEveryStampAside() throws IOException {
    String dir = "/var/lib/runbook/ssh-check-rollback";
    // On cp-3 the stamp dir's path is taken by a file: mkdir fails there, after cp-1 and cp-2.
    Files.createDirectories(lab.nodePath(3, "/var/lib/runbook"));
    Files.writeString(lab.nodePath(3, dir), "in the way");
    String run =
        cli.run("run", "ssh-check", "-i", inv(), "--as", "alice", "-p", "stampDir=" + dir).runId();
    Cli.Result o = cli.run("approve", run, "--as", "bob", "--comment", "go");
    assertThat(o.code()).as(o.toString()).isEqualTo(1);
    assertThat(o.out()).contains("rolled-back");
    for (int n = 1; n <= 2; n++) {
      assertThat(stamp(n, dir, run)).doesNotExist();
      assertThat(lab.nodePath(n, dir + "/" + run + ".stamp.rolled-back")).hasContent(run + "\n");
    }
    assertThat(lab.nodePath(3, dir)).hasContent("in the way");
    assertThat(cli.run("evidence", run, "--verify").code()).isZero();
  }

  @Test
  void aHostKeyMismatchStopsBeforeAnythingRunsThere() throws IOException {
    // known_hosts with cp-2's key under cp-1's name.
    List<String> known = Files.readAllLines(lab.knownHosts());
    String cp2Key = known.get(1).substring(known.get(1).indexOf(' ') + 1);
    Path badKnown = tmp.resolve("known_hosts");
    Files.writeString(
        badKnown,
        "["
            + lab.address(1)
            + "]:2222 "
            + cp2Key
            + "\n"
            + known.get(1)
            + "\n"
            + known.get(2)
            + "\n");
    Path badInv = tmp.resolve("inventory.yaml");
    Files.writeString(
        badInv,
        Files.readString(lab.inventory())
            .replace(lab.knownHosts().toString(), badKnown.toString()));
    Cli.Result o = cli.run("run", "ssh-check", "-i", badInv.toString(), "--as", "alice");
    assertThat(o.code()).as(o.toString()).isEqualTo(1);
    String run = o.runId();
    String evidence = cli.run("evidence", run).out();
    assertThat(evidence).contains("\"failure\":\"HOST_KEY_MISMATCH\"");
    assertThat(evidence).doesNotContain("\"type\":\"command.sent\"");
    Cli.Result aborted =
        cli.run("abort", run, "--as", "alice", "--comment", "wrong key: investigating");
    assertThat(aborted.code()).as(aborted.toString()).isEqualTo(1);
    assertThat(cli.run("status", run).out()).contains("aborted");
  }

  @Test
  void aReviewedPlanIsWhatRunsAndEveryDecisionNamesIt() throws IOException {
    Path planFile = tmp.resolve("plan.md");
    Cli.Result plan = cli.run("plan", "ssh-check", "-i", inv(), "--out", planFile.toString());
    assertThat(plan.code()).as(plan.toString()).isZero();
    Matcher m = Pattern.compile("plan ([0-9a-f]{64}) written").matcher(plan.out());
    assertThat(m.find()).as(plan.toString()).isTrue();
    String hash = m.group(1);
    assertThat(Files.readString(planFile))
        .contains("Plan hash (SHA-256): `" + hash + "`")
        .contains("On **cp-1, cp-2, cp-3**")
        .contains("⟨run⟩.stamp");
    Cli.Result json = cli.run("plan", "ssh-check", "-i", inv(), "--output", "json");
    assertThat(json.out()).startsWith("{").contains("\"planSha256\" : \"" + hash + "\"");

    Cli.Result unknown =
        cli.run("run", "ssh-check", "-i", inv(), "--as", "alice", "--approved-plan", "0123abcd");
    assertThat(unknown.code()).as(unknown.toString()).isEqualTo(2);
    assertThat(unknown.err()).contains("no plan with hash 0123abcd");

    Cli.Result started =
        cli.run("run", "ssh-check", "-i", inv(), "--as", "alice", "--approved-plan", hash);
    assertThat(started.code()).as(started.toString()).isEqualTo(3);
    assertThat(started.out()).contains("an approval approves plan " + hash);
    // The approver states the plan they reviewed: another one is refused, and nothing happens.
    Cli.Result wrongPlan =
        cli.run(
            "approve",
            started.runId(),
            "--as",
            "bob",
            "--comment",
            "plan reviewed",
            "--plan",
            "0".repeat(64));
    assertThat(wrongPlan.code()).as(wrongPlan.toString()).isEqualTo(2);
    assertThat(wrongPlan.err())
        .contains("is bound to plan " + hash)
        .contains("nothing was approved");
    Cli.Result approved =
        cli.run(
            "approve",
            started.runId(),
            "--as",
            "bob",
            "--comment",
            "plan reviewed",
            "--plan",
            hash.substring(0, 12));
    assertThat(approved.code()).as(approved.toString()).isZero();
    assertThat(approved.out()).contains("approved by bob; plan " + hash);
  }

  @Test
  void aPlanForABrokenInventoryListsEveryProblem() throws IOException {
    Path broken = tmp.resolve("broken.yaml");
    Files.writeString(broken, "cluster: lab\nssh: {port: twenty-two}\nmembers: []\n");
    Cli.Result r = cli.run("plan", "ssh-check", "-i", broken.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains(broken + ":2:").contains(broken + ":3:");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void badInputExitsTwoAndRunsNothing() throws IOException {
    assertThat(cli.run("run", "no-such-runbook", "-i", inv()).code()).isEqualTo(2);
    Cli.Result undeclared = cli.run("run", "ssh-check", "-i", inv(), "-p", "colour=red");
    assertThat(undeclared.code()).isEqualTo(2);
    assertThat(undeclared.err()).contains("'colour' is not declared");
    Path broken = tmp.resolve("broken.yaml");
    Files.writeString(broken, "cluster: lab\nssh: {port: twenty-two}\nmembers: []\n");
    Cli.Result malformed = cli.run("run", "ssh-check", "-i", broken.toString());
    assertThat(malformed.code()).isEqualTo(2);
    assertThat(malformed.err()).contains(broken + ":2:");
    Path noKey = tmp.resolve("nokey.yaml");
    Files.writeString(
        noKey,
        Files.readString(lab.inventory())
            .replace(lab.identityFile().toString(), "/nonexistent/id"));
    Cli.Result missingKey = cli.run("run", "ssh-check", "-i", noKey.toString());
    assertThat(missingKey.code()).isEqualTo(2);
    assertThat(missingKey.err()).contains("/nonexistent/id");
    // known_hosts that cannot be read as a file (root reads any file, so: a directory there).
    Path knownDir = Files.createDirectories(tmp.resolve("known_hosts.d"));
    Path noKnown = tmp.resolve("noknown.yaml");
    Files.writeString(
        noKnown,
        Files.readString(lab.inventory())
            .replace(lab.knownHosts().toString(), knownDir.toString()));
    Cli.Result unreadable = cli.run("run", "ssh-check", "-i", noKnown.toString());
    assertThat(unreadable.code()).as(unreadable.toString()).isEqualTo(2);
    assertThat(unreadable.err()).contains(knownDir + " is not a file");
    assertThat(cli.run("approve", "0badc0de", "--as", "bob").code()).isEqualTo(2);
    assertThat(cli.run("status").out()).contains("no runs");
  }

  @Test
  void aKilledRunResumesAndRunsItsReadOnlyStepAgain() throws Exception {
    Path templates = tmp.resolve("templates/commands/ssh-check");
    Files.createDirectories(templates);
    Path hang = Files.writeString(tmp.resolve("hang"), "");
    Files.writeString(
        templates.resolve("identify.ftl"),
        "echo started-on-$(hostname); while [ -e ${hang} ]; do sleep 0.1; done; hostname\n"
            .replace("${hang}", "'" + hang + "'"));
    Process child =
        Cli.child(
                tmp.resolve("home"),
                "--templates",
                tmp.resolve("templates").toString(),
                "run",
                "ssh-check",
                "-i",
                inv(),
                "--as",
                "alice",
                "--sign-key",
                lab.people().resolve("alice").toString(),
                // The command's output lines tell this test it is running: only --verbose shows
                // them.
                "--verbose")
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("child.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.readString(tmp.resolve("child.log")).contains("| started-on-")) {
      assertThat(child.isAlive()).as(Files.readString(tmp.resolve("child.log"))).isTrue();
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(50);
    }
    new ProcessBuilder("kill", "-KILL", Long.toString(child.pid())).start().waitFor();
    child.waitFor(10, TimeUnit.SECONDS);
    Files.delete(hang);
    String run = cli.run("status").out().substring(0, 8);
    assertThat(cli.run("status", run).out()).contains("interrupted");
    // What the command printed before the kill is in the evidence, though it never finished.
    String evidence = cli.run("evidence", run).out();
    assertThat(evidence)
        .containsPattern(
            "\"type\":\"command.output\".*\"stream\":\"stdout\",\"lines\":\\[\"started-on-")
        .doesNotContain("\"type\":\"command.finished\"");
    Cli.Result resumed =
        cli.run("--templates", tmp.resolve("templates").toString(), "resume", run, "--as", "bob");
    assertThat(resumed.code()).as(resumed.toString()).isEqualTo(3);
    assertThat(resumed.out()).contains("attempt 2");
    // The run pinned the templates it started with: an approval from a process without them is
    // refused (exit 2), and one with the same --templates goes on.
    Cli.Result shipped = cli.run("approve", run, "--as", "bob", "--comment", "ok");
    assertThat(shipped.code()).as(shipped.toString()).isEqualTo(2);
    assertThat(shipped.err()).contains("commands/ssh-check/identify.ftl");
    Cli.Result approved =
        cli.run(
            "--templates",
            tmp.resolve("templates").toString(),
            "approve",
            run,
            "--as",
            "bob",
            "--comment",
            "ok");
    assertThat(approved.code()).as(approved.toString()).isZero();
    assertThat(cli.run("evidence", run, "--verify").code()).isZero();
  }

  /** What `ssh-keygen -lf` says of the node's host key (kept under the node's dir). */
  private String fingerprint(int node) {
    try {
      Path pub;
      try (var s = Files.walk(lab.dir().resolve("nodes/cp-" + node))) {
        pub =
            s.filter(p -> p.getFileName().toString().equals("ssh_host_ed25519_key.pub"))
                .findFirst()
                .orElseThrow();
      }
      Process p = new ProcessBuilder("ssh-keygen", "-lf", pub.toString()).start();
      String out = new String(p.getInputStream().readAllBytes());
      p.waitFor();
      return out.split(" ")[1];
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
