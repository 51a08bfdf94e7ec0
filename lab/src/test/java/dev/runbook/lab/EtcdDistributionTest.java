package dev.runbook.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EtcdDistributionTest {

  @TempDir Path cache;

  @Test
  void aMinorIsAnyPatchNoOtherLabVersionNamesAndAnExactVersionOnlyItself() {
    assertThat(EtcdDistribution.provides("3.4", "3.4.23")).isTrue();
    assertThat(EtcdDistribution.provides("3.5", "3.5.16")).isTrue();
    assertThat(EtcdDistribution.provides("3.5", "3.5.30"))
        .as("3.5.30 is a lab version of its own")
        .isFalse();
    assertThat(EtcdDistribution.provides("3.5.30", "3.5.30")).isTrue();
    assertThat(EtcdDistribution.provides("3.5.30", "3.5.31")).isFalse();
    assertThat(EtcdDistribution.provides("3.5.30", "3.5.16")).isFalse();
    assertThat(EtcdDistribution.provides("3.5", "3.4.23")).isFalse();
    assertThat(EtcdDistribution.provides("3.5", "3.50.1")).isFalse();
  }

  @Test
  void theCacheAnswersEachLabVersionWithItsOwnBinaries() throws Exception {
    // Both in one cache: 3.5 must not become 3.5.30 because it sorts last.
    Path trixie = fakeEtcd("3.5.16");
    Path unstable = fakeEtcd("3.5.30");
    StringWriter out = new StringWriter();

    EtcdDistribution five = EtcdDistribution.resolve("3.5", cache, new PrintWriter(out));
    EtcdDistribution thirty = EtcdDistribution.resolve("3.5.30", cache, new PrintWriter(out));

    assertThat(five).isEqualTo(new EtcdDistribution("3.5.16", trixie));
    assertThat(thirty).isEqualTo(new EtcdDistribution("3.5.30", unstable));
    assertThat(out.toString()).as("nothing fetched").isEmpty();
  }

  /** A cached etcd-VERSION/usr/bin whose etcd answers --version as Debian's does. */
  private Path fakeEtcd(String version) throws Exception {
    Path bin = Files.createDirectories(cache.resolve("etcd-" + version + "/usr/bin"));
    Path etcd = bin.resolve("etcd");
    Files.writeString(
        etcd,
        "#!/bin/sh\necho 'etcd Version: "
            + version
            + "'\necho 'Git SHA: Not provided (use ./build instead of go build)'\n");
    Files.writeString(bin.resolve("etcdutl"), "#!/bin/sh\nexit 0\n");
    assertThat(etcd.toFile().setExecutable(true)).isTrue();
    assertThat(bin.resolve("etcdutl").toFile().setExecutable(true)).isTrue();
    return bin;
  }
}
