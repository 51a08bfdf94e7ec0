package dev.runbook.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Bad input gets a clear message, a non-zero exit, and nothing half-started. */
class LabBadInputIT {

  @Test
  void membersOutOfRangeAndUnknownVersionsAreRefusedBeforeAnythingStarts() {
    Path dir = LabFixture.freshDir();
    for (String members : new String[] {"0", "6"}) {
      LabFixture.Output r = LabFixture.lab("up", "--members", members, "--dir", dir.toString());
      assertThat(r.exitCode()).isEqualTo(2);
      assertThat(r.err()).contains("--members must be between 1 and 5");
    }
    LabFixture.Output r = LabFixture.lab("up", "--etcd", "3.6", "--dir", dir.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("unknown etcd version '3.6'");
    assertThat(LabFixture.lab("up", "--members", "two").exitCode()).isEqualTo(2);
    r = LabFixture.lab("up", "--disk-mb", "64", "--dir", dir.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--disk-mb must be at least 128");
    assertThat(dir).doesNotExist();
  }

  @Test
  void aTakenPortInTheChosenBlockIsNamedAndNothingIsLeftBehind() throws Exception {
    Path dir = LabFixture.freshDir();
    // Block 251: far above the blocks the other tests' labs take, lowest first.
    try (ServerSocket squatter = new ServerSocket()) {
      squatter.bind(new InetSocketAddress(InetAddress.getByName("127.251.0.12"), 2380));
      LabFixture.Output r =
          LabFixture.lab(
              "up", "--members", "2", "--etcd", "3.4", "--block", "251", "--dir", dir.toString());
      assertThat(r.exitCode()).isEqualTo(2);
      assertThat(r.err()).contains("already in use: 127.251.0.12:2380");
    }
    assertThat(dir).doesNotExist();
    assertThat(Lab.accepts("127.251.0.11", 2222)).isFalse();
    for (String block : new String[] {"0", "255"}) {
      LabFixture.Output r = LabFixture.lab("up", "--block", block, "--dir", dir.toString());
      assertThat(r.exitCode()).isEqualTo(2);
      assertThat(r.err()).contains("--block must be between 1 and 254");
    }
    assertThat(dir).doesNotExist();
  }

  @Test
  void upWhenUpAndDownWhenDownSaySoAndDoNoHarm() throws Exception {
    Path none = LabFixture.freshDir();
    LabFixture.Output down = LabFixture.lab("down", "--dir", none.toString());
    assertThat(down.exitCode()).isZero();
    assertThat(down.out()).contains("No lab in " + none);

    try (LabFixture lab = LabFixture.up(1, "3.4")) {
      LabFixture.Output same =
          LabFixture.lab("up", "--members", "1", "--etcd", "3.4", "--dir", lab.dir.toString());
      assertThat(same.exitCode()).isZero();
      assertThat(same.out()).contains("already up");
      LabFixture.Output other =
          LabFixture.lab("up", "--members", "3", "--etcd", "3.4", "--dir", lab.dir.toString());
      assertThat(other.exitCode()).isEqualTo(2);
      assertThat(other.err()).contains("a lab is already up in " + lab.dir).contains("lab down");
      // A second lab elsewhere cannot take the first one's block.
      Path elsewhere = LabFixture.freshDir();
      LabFixture.Output second =
          LabFixture.lab(
              "up",
              "--members",
              "1",
              "--etcd",
              "3.4",
              "--block",
              Integer.toString(lab.block()),
              "--dir",
              elsewhere.toString());
      assertThat(second.exitCode()).isEqualTo(2);
      assertThat(second.err())
          .contains(
              "block "
                  + lab.block()
                  + " (127."
                  + lab.block()
                  + ".0.x) is held by the lab in "
                  + lab.dir);
      assertThat(elsewhere).doesNotExist();
      assertThat(lab.healthy(1)).isTrue();
    }
  }

  @Test
  void aDirThatIsNotALabIsNeverTouched() throws Exception {
    Path dir = LabFixture.freshDir();
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("precious.txt"), "keep me");
    try {
      LabFixture.Output up = LabFixture.lab("up", "--members", "1", "--dir", dir.toString());
      assertThat(up.exitCode()).isEqualTo(2);
      assertThat(up.err()).contains("is not a lab dir");
      LabFixture.Output down = LabFixture.lab("down", "--dir", dir.toString());
      assertThat(down.exitCode()).isZero();
      assertThat(dir.resolve("precious.txt")).hasContent("keep me");
    } finally {
      Files.delete(dir.resolve("precious.txt"));
      Files.delete(dir);
    }
  }
}
