package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** inventory init on 3 members of etcd 3.5, and the restore drill driven by what it wrote. */
class InventoryInit3MembersIT extends InventoryInitLab {

  @Override
  int members() {
    return 3;
  }

  @Override
  String etcd() {
    return "3.5";
  }

  @Test
  void theWrittenInventoryDrivesTheRestoreDrill() throws IOException {
    String inv = written().toString();
    String marker = labInventory.validate().marker().key();
    assertThat(lab.etcdctl(1, "put", marker, "before-snapshot").exitCode()).isZero();
    Path snapshot = snapshot(inv);
    String digest = sha256(snapshot);
    assertThat(lab.etcdctl(1, "put", marker, "after-snapshot").exitCode()).isZero();

    Cli.Result started =
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
            "expectSha256=" + digest,
            "-p",
            "safetySnapshotDir=" + tmp.resolve("safety"));
    assertThat(started.code()).as(started.toString()).isEqualTo(3);
    String run = started.runId();
    Cli.Result stopped =
        cli.run("approve", run, "Gate_ApproveStop", "--as", "bob", "--comment", "plan read");
    assertThat(stopped.code()).as(stopped.toString()).isEqualTo(3);
    Cli.Result restarted =
        cli.run("approve", run, "Gate_ApproveRestart", "--as", "carol", "--comment", "diffs read");
    assertThat(restarted.code()).as(restarted.toString()).isZero();

    for (int n = 1; n <= members(); n++) {
      var value = lab.etcdctl(n, "get", marker, "--print-value-only");
      assertThat(value.exitCode()).as(value.output()).isZero();
      assertThat(value.output().strip()).isEqualTo("before-snapshot");
    }
    Cli.Result verify = cli.run("evidence", run, "--verify");
    assertThat(verify.code()).as(verify.toString()).isZero();
  }

  private static String sha256(Path file) throws IOException {
    try {
      byte[] d =
          java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
      return java.util.HexFormat.of().formatHex(d);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
