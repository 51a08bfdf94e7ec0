package dev.runbook.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The hand restore this product replaces, done on the lab: the lab must make it real. */
class HostPathDrillIT {

  /**
   * The restore the hand procedure does, done by hand on the lab: snapshot, change, restore into a
   * sibling dir, patch only the etcd-data hostPath. etcd serves the restored dir.
   */
  @ParameterizedTest(name = "etcd {0}")
  @ValueSource(strings = {"3.4", "3.5"})
  void changingOnlyTheHostPathMakesEtcdServeAnotherDataDir(String etcd) throws Exception {
    try (LabFixture drill = LabFixture.up(1, etcd)) {
      drill.put(1, Lab.MARKER_KEY, "before-snapshot");
      String ctl =
          "ETCDCTL_API=3 etcdctl --endpoints=https://"
              + drill.address(1)
              + ":2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt"
              + " --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key";
      Exec.Result save = drill.ssh(1, ctl + " snapshot save /var/lib/snapshot.db");
      assertThat(save.exitCode()).as(save.output()).isZero();
      drill.put(1, Lab.MARKER_KEY, "after-snapshot");

      String tool = etcd.equals("3.4") ? "ETCDCTL_API=3 etcdctl" : "etcdutl";
      Exec.Result restore =
          drill.ssh(
              1,
              tool
                  + " snapshot restore /var/lib/snapshot.db --data-dir /var/lib/etcd-restored --name cp-1"
                  + " --initial-cluster cp-1=https://"
                  + drill.address(1)
                  + ":2380 --initial-advertise-peer-urls https://"
                  + drill.address(1)
                  + ":2380");
      assertThat(restore.exitCode()).as(restore.output()).isZero();
      Path manifest = drill.nodePath(1, "/etc/kubernetes/manifests/etcd.yaml");
      String before = Files.readString(manifest);
      Exec.Result patch =
          drill.ssh(
              1,
              "sed -i 's#^      path: /var/lib/etcd$#      path: /var/lib/etcd-restored#' /etc/kubernetes/manifests/etcd.yaml");
      assertThat(patch.exitCode()).isZero();
      String after = Files.readString(manifest);
      // Exactly one line changed: the hostPath; --data-dir and the mountPath are untouched.
      assertThat(after)
          .isNotEqualTo(before)
          .contains("- --data-dir=/var/lib/etcd\n")
          .contains("- mountPath: /var/lib/etcd\n");
      assertThat(after.replace("path: /var/lib/etcd-restored", "path: /var/lib/etcd"))
          .isEqualTo(before);

      LabFixture.await(
          "etcd on the restored dir",
          Duration.ofSeconds(30),
          () ->
              drill
                  .etcdctl(1, "get", Lab.MARKER_KEY, "--print-value-only")
                  .output()
                  .contains("before-snapshot"));
      assertThat(LabFixture.lab("status", "--dir", drill.dir.toString()).out())
          .contains("data dir in use: /var/lib/etcd-restored\n");
      // The old data dir is still there, untouched.
      assertThat(drill.nodePath(1, "/var/lib/etcd/member")).isDirectory();
    }
  }
}
