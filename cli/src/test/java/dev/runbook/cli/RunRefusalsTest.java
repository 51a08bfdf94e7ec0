package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refused run leaves the home as it was, and a failure nobody expected reaches the console as one
 * line and the path of its trace, never as a Java stack trace.
 */
class RunRefusalsTest {

  @TempDir Path tmp;

  private Path inventory() throws Exception {
    return inventory("127.0.0.1");
  }

  private Path inventory(String host) throws Exception {
    for (String f : List.of("id", "known_hosts")) {
      Files.writeString(tmp.resolve(f), "");
    }
    return Files.writeString(
        tmp.resolve("inventory.yaml"),
        """
        cluster: test
        ssh: {user: root, port: 22, identityFile: %1$s/id, knownHosts: %1$s/known_hosts}
        members:
          - {name: cp-1, host: %2$s, clientUrl: https://127.0.0.1:2379, peerUrl: https://127.0.0.1:2380}
        approval: {identity: unsigned}
        """
            .formatted(tmp, host));
  }

  /**
   * run --report: a scheduled run's HTML report is written next to its evidence when the command
   * stops, here on a failure (nothing listens on the member's SSH port).
   */
  @Test
  void runWithReportWritesTheHtmlReportWhenTheRunStops() throws Exception {
    Path home = tmp.resolve("home");
    Path inv =
        Files.writeString(
            tmp.resolve("inventory-port-1.yaml"),
            Files.readString(inventory()).replace("port: 22", "port: 1"));
    Cli.Result r =
        new Cli(home).run("run", "ssh-check", "-i", inv.toString(), "--as", "alice", "--report");
    assertThat(r.code()).as(r.toString()).isEqualTo(Main.FAILED);
    List<Path> runs;
    try (var s = Files.list(home.resolve("runs"))) {
      runs = s.toList();
    }
    assertThat(runs).hasSize(1);
    Path report = runs.get(0).resolve("report.html");
    assertThat(report).exists();
    assertThat(Files.readString(report))
        .contains("<html")
        .contains(runs.get(0).getFileName().toString());
  }

  /** control-plane-backup: a key file that is not there or not a file, a backupDir that is one. */
  @Test
  void aBackupWithoutAUsableKeyFileOrWithAFileForItsDirIsBadInputAndNothingRuns() throws Exception {
    Path home = tmp.resolve("home");
    Path inv = inventory();
    Path key = Files.writeString(tmp.resolve("archive.key"), "k".repeat(64));
    Path aFile = Files.writeString(tmp.resolve("a-file"), "");
    String[][] cases = {
      {"-p", "backupDir=" + tmp}, // no keyFile at all
      {"-p", "keyFile=" + tmp.resolve("no-such.key")},
      {"-p", "keyFile=" + tmp}, // a directory: not a file to read
      {"-p", "keyFile=" + key, "-p", "backupDir=" + aFile},
    };
    String[] expected = {
      "parameter 'keyFile' is required",
      "'" + tmp.resolve("no-such.key") + "' does not exist on the engine host",
      "'" + tmp + "' is not a regular file",
      "parameter 'backupDir' must be dir: '" + aFile + "' exists and is not a directory",
    };
    for (int i = 0; i < cases.length; i++) {
      List<String> args =
          new java.util.ArrayList<>(
              List.of("run", "control-plane-backup", "-i", inv.toString(), "--as", "alice"));
      args.addAll(List.of(cases[i]));
      Cli.Result r = new Cli(home).run(args.toArray(String[]::new));
      assertThat(r.code()).as(r.toString()).isEqualTo(Main.BAD_INPUT);
      assertThat(r.err()).as(r.toString()).contains(expected[i]);
    }
    assertThat(home).doesNotExist();
  }

  @Test
  void aHostAShellCouldReadAsACommandIsRefusedNamingTheMemberAndLine() throws Exception {
    Path home = tmp.resolve("home");
    for (String host : List.of("'127.0.0.1;reboot'", "'127.0.0.1|sh'", "\"a\\nb\"")) {
      Path inv = inventory(host);
      for (List<String> command :
          List.of(
              List.of("run", "ssh-check", "-i", inv.toString(), "--as", "alice"),
              List.of("plan", "ssh-check", "-i", inv.toString()))) {
        Cli.Result r = new Cli(home).run(command.toArray(String[]::new));
        assertThat(r.code()).as(r.toString()).isEqualTo(Main.BAD_INPUT);
        assertThat(r.err())
            .as(r.toString())
            .contains(inv + ":4:")
            .contains("members[0].host of member cp-1 must be a host name or an IP address");
      }
    }
    assertThat(home).doesNotExist();
  }

  @Test
  void confirmWithoutNoRollbackIsRefusedBeforeAnythingOpens() {
    Path home = tmp.resolve("home");
    Cli.Result r =
        new Cli(home).run("abort", "0badc0de", "--as", "bob", "--comment", "why", "--confirm");
    assertThat(r.code()).as(r.toString()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("--confirm confirms --no-rollback");
    assertThat(home).doesNotExist();
  }

  @Test
  void aStatementWithNoRollbackIsOnlyForAnAbort() {
    Path home = tmp.resolve("home");
    Cli.Result r =
        new Cli(home).run("statement", "0badc0de", "--approve", "--no-rollback", "--as", "bob");
    assertThat(r.code()).as(r.toString()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("--no-rollback goes with --abort");
    assertThat(home).doesNotExist();
  }

  @Test
  void aBadInventoryOrParameterCreatesNoHome() throws Exception {
    Path home = tmp.resolve("home");
    Path broken = Files.writeString(tmp.resolve("broken.yaml"), "cluster: [\n");
    Cli.Result r = new Cli(home).run("run", "ssh-check", "-i", broken.toString(), "--as", "alice");
    assertThat(r.code()).as(r.toString()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains(broken.toString());
    Cli.Result p =
        new Cli(home)
            .run(
                "run",
                "ssh-check",
                "-i",
                inventory().toString(),
                "-p",
                "gateTimeout=banana",
                "--as",
                "alice");
    assertThat(p.code()).as(p.toString()).isEqualTo(Main.BAD_INPUT);
    assertThat(p.err()).contains("parameter 'gateTimeout' must be duration");
    Cli.Result unknown = new Cli(home).run("run", "no-such-runbook", "-i", inventory().toString());
    assertThat(unknown.code()).as(unknown.toString()).isEqualTo(Main.BAD_INPUT);
    assertThat(home).doesNotExist();
  }

  @Test
  void anUnexpectedFailureIsOneLineAndATraceFileOnlyTheOwnerReads() throws Exception {
    Path home = tmp.resolve("home");
    // Nothing listens on port 9 of loopback: the engine's database cannot be opened.
    Cli.Result r =
        new Cli(home)
            .run(
                "--db",
                "jdbc:postgresql://127.0.0.1:9/runbook?user=runbook&password=hunter2secret",
                "run",
                "ssh-check",
                "-i",
                inventory().toString(),
                "--as",
                "alice");
    assertThat(r.code()).as(r.toString()).isEqualTo(Main.FAILED);
    assertThat(r.err()).startsWith("runbook: internal error: ").doesNotContain("\tat ");
    assertThat(r.err().lines().count()).isEqualTo(2);
    Path trace = Path.of(r.err().lines().toList().get(1).replace("  full trace: ", ""));
    assertThat(trace.getParent()).isEqualTo(home.resolve("errors"));
    assertThat(Files.readString(trace)).contains("\tat ").doesNotContain("hunter2secret");
    assertThat(r.err()).doesNotContain("hunter2secret");
    assertThat(Files.getPosixFilePermissions(trace))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
  }
}
