package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** inventory init on 1 member of etcd 3.4, and what it refuses. */
class InventoryInit1Member34IT extends InventoryInitLab {

  @Override
  int members() {
    return 1;
  }

  @Override
  String etcd() {
    return "3.4";
  }

  @Test
  void anUnknownHostKeyIsRefusedWithItsFingerprintAndACommandThatAddsOnlyThatKey()
      throws Exception {
    Path knownHosts = tmp.resolve("known_hosts");
    Files.writeString(knownHosts, "");
    Path out = tmp.resolve("inventory.yaml");
    Cli.Result refused = init(knownHosts, out);
    assertThat(refused.code()).as(refused.toString()).isEqualTo(2);
    String fingerprint = labFingerprints().get(knownHostsName(seed().host()));
    assertThat(refused.err())
        .contains("SSH-001")
        .contains(fingerprint)
        .contains("nothing was written");
    assertThat(out).doesNotExist();
    assertThat(out.resolveSibling("inventory.yaml.part")).doesNotExist();
    assertThat(knownHosts).isEmptyFile();
    String add =
        refused.err().lines().filter(l -> l.startsWith("  k=$(")).findFirst().orElseThrow();

    // The same command with another fingerprint adds nothing: it never trusts what answers.
    String other = add.replace(fingerprint, "SHA256:" + "A".repeat(43));
    assertThat(sh(other)).contains("NOT added");
    assertThat(knownHosts).isEmptyFile();

    assertThat(sh(add)).contains("added");
    assertThat(Files.readAllLines(knownHosts)).hasSize(1);
    Cli.Result accepted = init(knownHosts, out);
    assertThat(accepted.code()).as(accepted.toString()).isZero();
    assertThat(out).exists();
  }

  @Test
  void aKeyTheNodeRefusesExitsTwoAndWritesNothing() throws Exception {
    Path stranger = tmp.resolve("stranger");
    assertThat(sh("ssh-keygen -q -t ed25519 -N '' -f '" + stranger + "' && echo made"))
        .contains("made");
    Path out = tmp.resolve("inventory.yaml");
    Cli.Result r =
        cli.run(
            "inventory",
            "init",
            "--ssh",
            "root@" + seed().host(),
            "--port",
            Integer.toString(labInventory.ssh().port()),
            "--identity",
            stranger.toString(),
            "--known-hosts",
            labInventory.ssh().knownHosts().toString(),
            "--out",
            out.toString());
    assertThat(r.code()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("SSH-004").contains("refused the key");
    assertThat(out).doesNotExist();
  }

  @Test
  void aNodeWithoutAnEtcdManifestExitsTwoAndWritesNothing() throws Exception {
    String manifest = labInventory.etcd().manifestDir() + "/etcd.yaml";
    assertThat(lab.ssh(1, "mv " + manifest + " /etc/kubernetes/etcd.yaml.off").exitCode()).isZero();
    Path out = tmp.resolve("inventory.yaml");
    try {
      Cli.Result r = init(labInventory.ssh().knownHosts(), out);
      assertThat(r.code()).as(r.toString()).isEqualTo(2);
      assertThat(r.err()).contains("no etcd static pod manifest").contains(manifest);
      assertThat(out).doesNotExist();
    } finally {
      assertThat(lab.ssh(1, "mv /etc/kubernetes/etcd.yaml.off " + manifest).exitCode()).isZero();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (lab.etcdctl(1, "endpoint", "health").exitCode() != 0) {
        assertThat(System.nanoTime()).as("etcd back on cp-1").isLessThan(deadline);
        Thread.sleep(500);
      }
    }
  }
}
