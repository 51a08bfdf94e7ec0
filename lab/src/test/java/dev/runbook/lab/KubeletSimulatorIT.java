package dev.runbook.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The kubelet simulator behaves as the hand procedure expects a kubelet to: it stops etcd when the
 * manifest leaves the dir, starts it when it comes back, follows the etcd-data hostPath, and loses
 * a --data-dir that lies outside every mount. Every change is made the way an operator would make
 * it: over SSH on the node.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubeletSimulatorIT {

  private static LabFixture lab;

  @BeforeAll
  static void up() {
    lab = LabFixture.up(1, "3.5");
  }

  @AfterAll
  static void down() {
    lab.close();
  }

  private static boolean etcdProcessRunning() {
    Exec.Result r = lab.ssh(1, "crictl ps --name '^etcd$' -q");
    return r.ok() && !r.output().isBlank();
  }

  @Test
  @Order(1)
  void movingTheManifestOutStopsEtcdAndMovingItBackStartsIt() {
    assertThat(lab.healthy(1)).isTrue();
    assertThat(
            lab.ssh(1, "mv /etc/kubernetes/manifests/etcd.yaml /etc/kubernetes/etcd.yaml")
                .exitCode())
        .isZero();
    long moved = System.nanoTime();
    LabFixture.await(
        "etcd stopped",
        Duration.ofSeconds(5),
        () -> !etcdProcessRunning() && !Lab.accepts(lab.address(1), 2379));
    assertThat(Duration.ofNanos(System.nanoTime() - moved)).isLessThan(Duration.ofSeconds(5));

    assertThat(
            lab.ssh(1, "mv /etc/kubernetes/etcd.yaml /etc/kubernetes/manifests/etcd.yaml")
                .exitCode())
        .isZero();
    LabFixture.await("etcd healthy again", Duration.ofSeconds(20), () -> lab.healthy(1));
  }

  @Test
  @Order(2)
  void survivesAMalformedManifestAndKeepsWorking() throws Exception {
    assertThat(
            lab.ssh(
                    1,
                    "printf 'apiVersion: v1\\nkind: Pod\\nspec: [unclosed\\n' > /etc/kubernetes/manifests/broken.yaml")
                .exitCode())
        .isZero();
    LabFixture.await(
        "the kubelet to report the broken manifest",
        Duration.ofSeconds(5),
        () -> kubeletLogContains("broken.yaml, not starting it"));
    assertThat(lab.healthy(1)).isTrue();

    // Still acting on the next change: a copy beside etcd.yaml is a second definition of
    // the same pod (kubelet reads every file in the dir) and is reported, not run twice.
    assertThat(
            lab.ssh(
                    1,
                    "rm /etc/kubernetes/manifests/broken.yaml && cp /etc/kubernetes/manifests/etcd.yaml /etc/kubernetes/manifests/etcd.yaml.bak")
                .exitCode())
        .isZero();
    LabFixture.await(
        "the duplicate pod to be reported",
        Duration.ofSeconds(5),
        () -> kubeletLogContains("defines pod etcd-cp-1 again"));
    assertThat(lab.ssh(1, "rm /etc/kubernetes/manifests/etcd.yaml.bak").exitCode()).isZero();
    assertThat(lab.healthy(1)).isTrue();
  }

  @Test
  @Order(3)
  void crictlStopsAContainerAndTheKubeletRestartsIt() {
    Exec.Result id = lab.ssh(1, "crictl ps --name etcd -q");
    assertThat(id.output().strip()).matches("[0-9a-f]{64}");
    Exec.Result logs = lab.ssh(1, "crictl logs --tail 3 " + id.output().strip().substring(0, 13));
    assertThat(logs.exitCode()).isZero();
    assertThat(logs.output().strip().lines()).hasSize(3);

    assertThat(lab.ssh(1, "crictl stop " + id.output().strip()).exitCode()).isZero();
    LabFixture.await(
        "etcd restarted as attempt 1",
        Duration.ofSeconds(20),
        () ->
            lab.ssh(1, "crictl ps --name etcd")
                .output()
                .matches("(?s).*Running\\s+etcd\\s+1\\s.*"));
    assertThat(lab.ssh(1, "crictl ps -a --name etcd").output())
        .containsPattern("Exited\\s+etcd\\s+0\\s");
    LabFixture.await(
        "etcd healthy after the restart", Duration.ofSeconds(20), () -> lab.healthy(1));
  }

  @Test
  @Order(4)
  void aDataDirOutsideEveryMountComesUpEmptyAndIsLostOnRestart() {
    lab.put(1, "/lab-it/kept", "on-the-real-data-dir");
    // The classic trap: --data-dir changed, the etcd-data mount not.
    assertThat(
            lab.ssh(
                    1,
                    "sed -i 's#--data-dir=/var/lib/etcd$#--data-dir=/var/lib/etcd-new#' /etc/kubernetes/manifests/etcd.yaml")
                .exitCode())
        .isZero();
    LabFixture.await(
        "etcd restarted on the new --data-dir",
        Duration.ofSeconds(30),
        () -> statusShows("data dir in use: /var/lib/kubelet/sim/") && lab.healthy(1));
    assertThat(lab.get(1, "/lab-it/kept")).isEmpty();
    lab.put(1, "/lab-it/written-after-the-trap", "x");
    String trapped = etcdContainerId();

    // Any restart loses what was written there: it lived in the container's writable layer.
    assertThat(
            lab.ssh(
                    1,
                    "sed -i 's#^    tier: control-plane#    tier: control-plane\\n    restarted: \"1\"#' /etc/kubernetes/manifests/etcd.yaml")
                .exitCode())
        .isZero();
    awaitRestartedEtcd(trapped);
    assertThat(lab.get(1, "/lab-it/written-after-the-trap")).isEmpty();
    assertThat(lab.nodePath(1, "/var/lib/etcd-new")).doesNotExist();

    // Putting --data-dir back brings the original data back: it was never touched.
    assertThat(
            lab.ssh(
                    1,
                    "sed -i 's#--data-dir=/var/lib/etcd-new$#--data-dir=/var/lib/etcd#' /etc/kubernetes/manifests/etcd.yaml")
                .exitCode())
        .isZero();
    LabFixture.await(
        "etcd back on /var/lib/etcd",
        Duration.ofSeconds(30),
        () -> statusShows("data dir in use: /var/lib/etcd\n") && lab.healthy(1));
    LabFixture.await(
        "the original key",
        Duration.ofSeconds(10),
        () ->
            lab.etcdctl(1, "get", "/lab-it/kept", "--print-value-only")
                .output()
                .contains("on-the-real-data-dir"));
  }

  private static String etcdContainerId() {
    return lab.ssh(1, "crictl ps --name '^etcd$' -q").output().strip();
  }

  /** Waits for a new etcd container (not {@code previousId}) that answers. */
  private static void awaitRestartedEtcd(String previousId) {
    LabFixture.await(
        "a new etcd container, healthy",
        Duration.ofSeconds(30),
        () -> {
          String id = etcdContainerId();
          return !id.isEmpty() && !id.equals(previousId) && lab.healthy(1);
        });
  }

  private static boolean kubeletLogContains(String text) {
    try {
      return lab.kubeletLog(1).contains(text);
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private static boolean statusShows(String text) {
    return LabFixture.lab("status", "--dir", lab.dir.toString()).out().contains(text);
  }
}
