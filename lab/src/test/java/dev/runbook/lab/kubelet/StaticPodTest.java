package dev.runbook.lab.kubelet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StaticPodTest {

  private static final String POD =
      """
      apiVersion: v1
      kind: Pod
      metadata: {name: etcd, namespace: kube-system}
      spec:
        containers:
        - name: etcd
          image: registry.k8s.io/etcd:3.5.16-0
          command: [etcd, --data-dir=/var/lib/etcd]
          args: [--name=cp-1]
          env: [{name: GOMAXPROCS, value: "2"}]
          volumeMounts: [{name: etcd-data, mountPath: /var/lib/etcd}]
        volumes:
        - {name: etcd-data, hostPath: {path: /var/lib/etcd, type: DirectoryOrCreate}}
        - {name: tmp, emptyDir: {}}
      """;

  @Test
  void readsCommandArgsEnvMountsAndHostPaths() throws Exception {
    StaticPod pod = StaticPod.parse(POD);
    assertThat(pod.name()).isEqualTo("etcd");
    StaticPod.Container c = pod.containers().get(0);
    assertThat(c.command()).containsExactly("etcd", "--data-dir=/var/lib/etcd", "--name=cp-1");
    assertThat(c.env()).containsEntry("GOMAXPROCS", "2");
    assertThat(c.mounts()).containsExactly(new StaticPod.Mount("etcd-data", "/var/lib/etcd"));
    assertThat(pod.volumes()).containsOnlyKeys("etcd-data");
    assertThat(pod.volumes().get("etcd-data"))
        .isEqualTo(new StaticPod.HostPath("/var/lib/etcd", "DirectoryOrCreate"));
  }

  @Test
  void refusesWhatKubeletWouldRefuseAndSaysWhy() {
    assertThatThrownBy(() -> StaticPod.parse("kind: Pod\nspec: [unclosed\n"))
        .hasMessageContaining("not valid YAML");
    assertThatThrownBy(() -> StaticPod.parse("kind: Deployment\n"))
        .hasMessageContaining("kind must be Pod");
    assertThatThrownBy(() -> StaticPod.parse(POD.replace("name: etcd, namespace", "namespace")))
        .hasMessageContaining("metadata.name is required");
    assertThatThrownBy(
            () ->
                StaticPod.parse(
                    POD.replace("{name: etcd-data, mountPath", "{name: nope, mountPath")))
        .hasMessageContaining("volumeMount nope of container etcd names no hostPath volume");
    assertThatThrownBy(
            () -> StaticPod.parse(POD.replace("path: /var/lib/etcd,", "path: var/lib/etcd,")))
        .hasMessageContaining("must be absolute");
    assertThatThrownBy(() -> StaticPod.parse(POD.replaceAll("(?m)^ *(command|args): .*\n", "")))
        .hasMessageContaining("has no command");
  }
}
