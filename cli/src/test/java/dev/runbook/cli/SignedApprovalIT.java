package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.lab.LabInstance;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed approvals through the CLI on a lab, with the lab's people's keys: signed with a key file,
 * through a real ssh-agent (SSH_AUTH_SOCK, in a CLI process of its own), and with a signature made
 * elsewhere by ssh-keygen of the text `runbook statement` printed; and refusals that name what is
 * needed.
 */
class SignedApprovalIT {

  static LabInstance lab;
  @TempDir Path tmp;
  Cli cli;

  @BeforeAll
  static void up() {
    lab = LabInstance.up(1, "3.5");
  }

  @AfterAll
  static void down() {
    if (lab != null) {
      lab.close();
    }
  }

  @BeforeEach
  void home() {
    cli = new Cli(tmp.resolve("home"), lab.people());
  }

  private String started() {
    Cli.Result r = cli.run("run", "ssh-check", "-i", lab.inventory().toString(), "--as", "alice");
    assertThat(r.code()).as(r.toString()).isEqualTo(3);
    assertThat(r.out()).doesNotContain("NOT SIGNED");
    return r.runId();
  }

  private static String exec(Path stdin, String... command)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.redirectInput(
        stdin == null
            ? ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))
            : ProcessBuilder.Redirect.from(stdin.toFile()));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
    return out;
  }

  @Test
  void aSignatureMadeElsewhereWithSshKeygenApproves() throws Exception {
    String run = started();
    Cli.Result text =
        cli.run("statement", run, "--approve", "--as", "bob", "--comment", "plan read");
    assertThat(text.code()).as(text.toString()).isZero();
    assertThat(text.out()).startsWith("runbook statement v2\naction: approve\nrun: " + run + "\n");
    Path statement = Files.writeString(tmp.resolve("statement.txt"), text.out());
    exec(
        null,
        "ssh-keygen",
        "-q",
        "-Y",
        "sign",
        "-n",
        "runbook",
        "-f",
        lab.people().resolve("bob").toString(),
        statement.toString());

    Cli.Result approved =
        cli.run(
            "approve",
            run,
            "--as",
            "bob",
            "--comment",
            "plan read",
            "--signature",
            statement + ".sig");

    assertThat(approved.code()).as(approved.toString()).isZero();
    String evidence = cli.run("evidence", run).out();
    assertThat(evidence)
        .contains("\"type\":\"statement.verified\"")
        .contains("\"principal\":\"bob\"");
    // The report's decisions name bob's key, signed and verified.
    assertThat(cli.run("report", run).out())
        .containsPattern("\\| bob \\| `SHA256:[^`]+` \\(signed, verified\\)");
    Path zip = tmp.resolve(run + ".zip");
    assertThat(cli.run("evidence", run, "--export", zip.toString()).code()).isZero();
    Cli.Result offline = cli.run("evidence", "--verify", zip.toString());
    assertThat(offline.code()).as(offline.toString()).isZero();
    assertThat(offline.out())
        .contains(
            "2 people's statements checked again under the allowed-signers file the run kept");
  }

  @Test
  void theAgentSignsWhenSshAuthSockIsSet() throws Exception {
    String run = started();
    Path socket = tmp.resolve("agent.sock");
    String agent = exec(null, "ssh-agent", "-s", "-a", socket.toString());
    long pid = Long.parseLong(agent.replaceAll("(?s).*SSH_AGENT_PID=(\\d+);.*", "$1"));
    try {
      ProcessBuilder add =
          new ProcessBuilder("ssh-add", "-q", lab.people().resolve("carol").toString())
              .redirectErrorStream(true);
      add.environment().put("SSH_AUTH_SOCK", socket.toString());
      assertThat(add.start().waitFor()).isZero();
      ProcessBuilder approve =
          Cli.child(tmp.resolve("home"), "approve", run, "--as", "carol", "--comment", "read it")
              .redirectErrorStream(true);
      approve.environment().put("SSH_AUTH_SOCK", socket.toString());
      Process p = approve.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(out).isZero();
    } finally {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
    }
    assertThat(cli.run("evidence", run).out()).contains("\"principal\":\"carol\"");
  }

  @Test
  void anotherPersonsKeyAndAnUnknownKeyAreRefusedNamingWhatIsNeeded() throws Exception {
    String run = started();
    Cli.Result asCarol =
        cli.run(
            "approve",
            run,
            "--as",
            "carol",
            "--comment",
            "ok",
            "--sign-key",
            lab.people().resolve("bob").toString());
    assertThat(asCarol.code()).as(asCarol.toString()).isEqualTo(2);
    assertThat(asCarol.err()).contains("belongs to bob").contains("not to carol");

    exec(null, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", tmp.resolve("dave").toString());
    Cli.Result dave =
        cli.run(
            "approve",
            run,
            "--as",
            "dave",
            "--comment",
            "ok",
            "--sign-key",
            tmp.resolve("dave").toString());
    assertThat(dave.code()).as(dave.toString()).isEqualTo(2);
    String pub = Files.readString(tmp.resolve("dave.pub")).split(" ")[1];
    assertThat(dave.err())
        .contains("the file needs the line: dave namespaces=\"runbook\" ssh-ed25519 " + pub);

    assertThat(cli.run("status", run).out()).contains("waiting");
    List<String> refused =
        cli.run("evidence", run)
            .out()
            .lines()
            .filter(l -> l.contains("statement.refused"))
            .toList();
    assertThat(refused).hasSize(2);
    assertThat(refused.get(0)).contains("\"reason\":\"PRINCIPAL_MISMATCH\"");
    assertThat(refused.get(1)).contains("\"reason\":\"UNKNOWN_KEY\"");
  }
}
