package dev.runbook.runbooks.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EtcdManifestTest {

  /** As kubeadm 1.31 writes it (trimmed), with a comment an operator added. */
  static final String KUBEADM =
      """
      apiVersion: v1
      kind: Pod
      metadata:
        name: etcd
        namespace: kube-system
      spec:
        containers:
        - command:
          - etcd
          - --advertise-client-urls=https://10.0.0.11:2379
          - --cert-file=/etc/kubernetes/pki/etcd/server.crt
          - --data-dir=/var/lib/etcd
          - --initial-advertise-peer-urls=https://10.0.0.11:2380
          - --initial-cluster=cp-1=https://10.0.0.11:2380
          - --name=cp-1
          - --peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt
          image: registry.k8s.io/etcd:3.5.15-0
          name: etcd
          volumeMounts:
          - mountPath: /var/lib/etcd
            name: etcd-data
          - mountPath: /etc/kubernetes/pki/etcd
            name: etcd-certs
        hostNetwork: true
        volumes:
        - hostPath:
            path: /etc/kubernetes/pki/etcd
            type: DirectoryOrCreate
          name: etcd-certs
        - hostPath:
            path: /var/lib/etcd   # keep on the SSD
            type: DirectoryOrCreate
          name: etcd-data
      status: {}
      """;

  @Test
  void readsTheFlagsMountsAndVersion() {
    EtcdManifest m = EtcdManifest.parse(KUBEADM);
    assertThat(m.flag("name")).isEqualTo("cp-1");
    assertThat(m.flagList("initial-cluster")).containsExactly("cp-1=https://10.0.0.11:2380");
    assertThat(m.dataMount())
        .isEqualTo(new EtcdManifest.Mount("etcd-data", "/var/lib/etcd", "/var/lib/etcd"));
    assertThat(m.hostPathOf("/etc/kubernetes/pki/etcd/server.crt"))
        .isEqualTo("/etc/kubernetes/pki/etcd/server.crt");
    assertThat(m.hostPathOf("/opt/elsewhere")).isNull();
    assertThat(m.imageVersion()).isEqualTo("3.5");
  }

  @Test
  void patchingChangesOnlyTheDataHostPathAndKeepsTheRestOfTheText() {
    EtcdManifest before = EtcdManifest.parse(KUBEADM);
    EtcdManifest after = before.withDataHostPath("/var/lib/etcd-restore-abc");
    assertThat(after.text())
        .isEqualTo(
            KUBEADM.replace(
                "path: /var/lib/etcd   # keep", "path: /var/lib/etcd-restore-abc   # keep"));
    assertThat(after.flag("data-dir")).isEqualTo("/var/lib/etcd");
    assertThat(after.dataMount().mountPath()).isEqualTo("/var/lib/etcd");
    assertThat(after.dataMount().hostPath()).isEqualTo("/var/lib/etcd-restore-abc");
    String diff = EtcdManifest.diff("etcd.yaml", before, after);
    assertThat(diff.lines().filter(l -> l.startsWith("-") && !l.startsWith("---")))
        .containsExactly("-      path: /var/lib/etcd   # keep on the SSD");
    assertThat(diff.lines().filter(l -> l.startsWith("+") && !l.startsWith("+++")))
        .containsExactly("+      path: /var/lib/etcd-restore-abc   # keep on the SSD");
  }

  @Test
  void aHostPathWrittenTwiceIsNotGuessedAt() {
    String twice = KUBEADM.replace("path: /etc/kubernetes/pki/etcd", "path: /var/lib/etcd");
    assertThatThrownBy(() -> EtcdManifest.parse(twice).withDataHostPath("/var/lib/new"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 lines read 'path: /var/lib/etcd'");
  }

  @Test
  void aFlowStyleHostPathIsRefusedRatherThanRewritten() {
    String flow =
        KUBEADM.replace(
            "  - hostPath:\n      path: /var/lib/etcd   # keep on the SSD\n      type:"
                + " DirectoryOrCreate\n    name: etcd-data",
            "  - {hostPath: {path: /var/lib/etcd, type: DirectoryOrCreate}, name: etcd-data}");
    assertThat(flow).isNotEqualTo(KUBEADM);
    assertThatThrownBy(() -> EtcdManifest.parse(flow).withDataHostPath("/var/lib/new"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0 lines");
  }

  @Test
  void aDataDirOutsideEveryMountIsTheClassicTrapAndIsReported() {
    // --data-dir changed without the mount: etcd would write into the container's own layer.
    String trap = KUBEADM.replace("--data-dir=/var/lib/etcd", "--data-dir=/var/lib/etcd-new");
    assertThatThrownBy(() -> EtcdManifest.parse(trap).dataMount())
        .hasMessageContaining("/var/lib/etcd-new is not under any hostPath volume mount");
    String outside = KUBEADM.replace("--data-dir=/var/lib/etcd", "--data-dir=/data/etcd");
    assertThatThrownBy(() -> EtcdManifest.parse(outside).dataMount())
        .hasMessageContaining("not under any hostPath volume mount");
  }

  @Test
  void notAPodSaysWhatIsMissing() {
    assertThatThrownBy(() -> EtcdManifest.parse("kind: Pod\nspec: {}\n"))
        .hasMessageContaining("spec.containers");
    assertThatThrownBy(() -> EtcdManifest.parse("a: [b")).hasMessageContaining("not valid YAML");
  }

  @Test
  void theReplaceChangesOnlyTheInitialClusterFlags() {
    String text =
        KUBEADM.replace(
            "    - --name=cp-1\n", "    - --initial-cluster-state=new\n    - --name=cp-1\n");
    EtcdManifest original = EtcdManifest.parse(text);
    String cluster = "cp-1=https://10.0.0.11:2380,cp-2=https://10.0.0.12:2380";
    EtcdManifest patched =
        original.withFlags(
            new java.util.LinkedHashMap<>(
                java.util.Map.of("initial-cluster", cluster, "initial-cluster-state", "existing")));
    assertThat(patched.flag("initial-cluster")).isEqualTo(cluster);
    assertThat(patched.flag("initial-cluster-state")).isEqualTo("existing");
    assertThat(patched.flag("data-dir")).isEqualTo("/var/lib/etcd");
    String diff = EtcdManifest.diff("etcd.yaml", original, patched);
    assertThat(diff.lines().filter(l -> l.startsWith("+") && !l.startsWith("+++")))
        .containsExactlyInAnyOrder(
            "+    - --initial-cluster=" + cluster, "+    - --initial-cluster-state=existing");
    // The operator's comment stays.
    assertThat(patched.text()).contains("# keep on the SSD");
  }

  @Test
  void theReplaceRefusesAFlagItCannotFindOnExactlyOneLine() {
    EtcdManifest m = EtcdManifest.parse(KUBEADM);
    assertThatThrownBy(() -> m.withFlags(java.util.Map.of("initial-cluster-state", "existing")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0 lines set --initial-cluster-state");
  }
}
