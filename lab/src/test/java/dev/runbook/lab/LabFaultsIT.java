package dev.runbook.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The faults a test can put on a lab node: a cut SSH connection, a node off the network, a full
 * disk.
 */
class LabFaultsIT {

  @Test
  void aCutBreaksOpenConnectionsAndLeavesTheirCommandsRunningAndAStoppedSshdRefusesUntilStarted()
      throws Exception {
    try (LabInstance lab = LabInstance.up(1, "3.5")) {
      // An open connection running a command that outlives the cut: it writes a file later.
      Process open =
          new ProcessBuilder(
                  "ssh",
                  "-p",
                  Integer.toString(lab.sshPort()),
                  "-i",
                  lab.identityFile().toString(),
                  "-o",
                  "BatchMode=yes",
                  "-o",
                  "UserKnownHostsFile=" + lab.knownHosts(),
                  "root@" + lab.address(1),
                  "echo started; sleep 3; echo lived-on > /var/lib/after-cut; sleep 30")
              .redirectErrorStream(true)
              .start();
      assertThat(new String(open.getInputStream().readNBytes("started\n".length())))
          .isEqualTo("started\n");
      assertThat(lab.cutSsh(1)).isPositive();
      assertThat(open.waitFor(10, TimeUnit.SECONDS))
          .as("the client saw its connection end")
          .isTrue();
      assertThat(open.exitValue()).isEqualTo(255);
      // New connections still work, and the command of the cut one went on.
      Thread.sleep(4000);
      assertThat(lab.ssh(1, "cat /var/lib/after-cut").output()).contains("lived-on");

      lab.stopSsh(1);
      LabInstance.Result refused = lab.ssh(1, "true");
      assertThat(refused.exitCode()).isEqualTo(255);
      assertThat(refused.output()).contains("Connection refused");
      // etcd runs on without sshd.
      assertThat(lab.etcdctl(1, "endpoint", "health").exitCode()).isZero();

      lab.startSsh(1);
      assertThat(lab.ssh(1, "echo back").output()).contains("back");
    }
  }

  @Test
  void aNodeDiskOfItsOwnFillsUpAndIsGoneAfterDown() throws Exception {
    java.nio.file.Path dir;
    try (LabInstance lab = LabInstance.up(1, "3.5", 128)) {
      dir = lab.dir();
      // The node sees its /var/lib as a disk of 128 MiB, and etcd runs on it.
      assertThat(lab.ssh(1, "df -m --output=size /var/lib | tail -1").output().strip())
          .isEqualTo("128");
      assertThat(lab.etcdctl(1, "endpoint", "health").exitCode()).isZero();
      LabInstance.Result full =
          lab.ssh(1, "dd if=/dev/zero of=/var/lib/filler bs=1M count=200 2>&1; echo exit=$?");
      assertThat(full.output()).contains("No space left on device").doesNotContain("exit=0");
      assertThat(lab.ssh(1, "rm /var/lib/filler && echo freed").output()).contains("freed");
    }
    assertThat(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/mounts")))
        .doesNotContain(dir.toString());
    assertThat(dir).doesNotExist();
  }
}
