package dev.runbook.lab.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PathMapperTest {

  private static final Path SCRATCH = Path.of("/var/lib/kubelet/sim/pods/p/etcd/rootfs");

  private static PathMapper mapper(String dataHostPath) {
    StaticPod.Container c =
        new StaticPod.Container(
            "etcd",
            "img",
            List.of("etcd"),
            Map.of(),
            List.of(
                new StaticPod.Mount("etcd-data", "/var/lib/etcd"),
                new StaticPod.Mount("etcd-certs", "/etc/kubernetes/pki/etcd")));
    StaticPod pod =
        new StaticPod(
            "etcd",
            "kube-system",
            List.of(c),
            Map.of(
                "etcd-data",
                new StaticPod.HostPath(dataHostPath, "DirectoryOrCreate"),
                "etcd-certs",
                new StaticPod.HostPath("/etc/kubernetes/pki/etcd", "")));
    return new PathMapper(pod, c, SCRATCH);
  }

  @Test
  void pathsUnderAMountLandUnderItsHostPath() {
    PathMapper m = mapper("/var/lib/etcd-restore-7f3c");
    assertThat(m.translateArgument("--data-dir=/var/lib/etcd"))
        .isEqualTo("--data-dir=/var/lib/etcd-restore-7f3c");
    assertThat(m.translateArgument("--data-dir=/var/lib/etcd/"))
        .isEqualTo("--data-dir=/var/lib/etcd-restore-7f3c");
    assertThat(m.translateArgument("--wal-dir=/var/lib/etcd/member/wal"))
        .isEqualTo("--wal-dir=/var/lib/etcd-restore-7f3c/member/wal");
    assertThat(m.translateArgument("--cert-file=/etc/kubernetes/pki/etcd/server.crt"))
        .isEqualTo("--cert-file=/etc/kubernetes/pki/etcd/server.crt");
    assertThat(m.translateArgument("/var/lib/etcd/x")).isEqualTo("/var/lib/etcd-restore-7f3c/x");
  }

  @Test
  void aSiblingOfAMountIsNotUnderIt() {
    // /var/lib/etcd-restored shares a prefix with the /var/lib/etcd mount but is outside it:
    // the container writes it into its own writable layer, which a restart throws away.
    PathMapper m = mapper("/var/lib/etcd");
    assertThat(m.translateArgument("--data-dir=/var/lib/etcd-restored"))
        .isEqualTo("--data-dir=" + SCRATCH + "/var/lib/etcd-restored");
    assertThat(m.toNodePath("/tmp/x/../y")).isEqualTo(SCRATCH + "/tmp/y");
  }

  @Test
  void valuesThatAreNotAbsolutePathsPassUnchanged() {
    PathMapper m = mapper("/var/lib/etcd");
    for (String arg :
        List.of(
            "--listen-client-urls=https://127.0.0.11:2379",
            "--name=cp-1",
            "--snapshot-count=10000",
            "etcd",
            "--initial-cluster=a=https://x:2380")) {
      assertThat(m.translateArgument(arg)).isEqualTo(arg);
    }
  }
}
