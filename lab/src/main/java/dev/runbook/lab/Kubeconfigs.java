package dev.runbook.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;

/**
 * What kubeadm leaves on a control-plane node beside the etcd PKI, so that control-plane-backup has
 * the files of a real node to archive: the cluster CA ({@code /etc/kubernetes/pki/ca.crt}, {@code
 * ca.key}), the kubeconfigs {@code admin.conf}, {@code controller-manager.conf}, {@code
 * scheduler.conf} and {@code kubelet.conf} (client certificates from that CA, embedded as kubeadm
 * embeds them, mode 0600), and the kubelet's {@code /var/lib/kubelet/config.yaml} and {@code
 * kubeadm-flags.env}. Nothing in the lab reads them; they are there to be backed up and restored.
 */
final class Kubeconfigs {

  private Kubeconfigs() {}

  /** The kubeconfigs kubeadm writes: file, user, and the certificate's subject. */
  private static final List<String[]> KUBECONFIGS =
      List.of(
          new String[] {
            "admin.conf", "kubernetes-admin", "/O=kubeadm:cluster-admins/CN=kubernetes-admin"
          },
          new String[] {
            "controller-manager.conf",
            "system:kube-controller-manager",
            "/CN=system:kube-controller-manager"
          },
          new String[] {"scheduler.conf", "system:kube-scheduler", "/CN=system:kube-scheduler"},
          new String[] {"kubelet.conf", "system:node:%s", "/O=system:nodes/CN=system:node:%s"});

  static void write(Node node, Pki ca, Path caDir) throws IOException {
    Path pki = node.hostPath("/etc/kubernetes/pki");
    Files.copy(ca.caCert(), pki.resolve("ca.crt"));
    Files.copy(ca.caKey(), pki.resolve("ca.key"));
    Pki.restrict(pki.resolve("ca.key"));
    String server = "https://" + node.address() + ":6443";
    Path work = Files.createTempDirectory(caDir, "issue-" + node.name());
    try {
      for (String[] k : KUBECONFIGS) {
        String user = k[1].formatted(node.name());
        Path crt = work.resolve(k[0] + ".crt");
        Path key = work.resolve(k[0] + ".key");
        ca.clientCert(crt, key, k[2].formatted(node.name()));
        Path target = node.hostPath("/etc/kubernetes/" + k[0]);
        Files.writeString(
            target,
            kubeconfig(
                server,
                user,
                Files.readAllBytes(ca.caCert()),
                Files.readAllBytes(crt),
                Files.readAllBytes(key)));
        Pki.restrict(target);
      }
    } finally {
      // Only the lab's own scratch copies of what the kubeconfigs now hold.
      try (var files = Files.list(work)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(work);
    }
    Path kubelet = node.hostPath("/var/lib/kubelet");
    Files.writeString(
        kubelet.resolve("config.yaml"),
        """
        # The lab's kubelet configuration, as kubeadm writes it (the simulator reads none of it).
        apiVersion: kubelet.config.k8s.io/v1beta1
        kind: KubeletConfiguration
        authentication:
          x509:
            clientCAFile: /etc/kubernetes/pki/ca.crt
        cgroupDriver: systemd
        clusterDNS:
        - 10.96.0.10
        clusterDomain: cluster.local
        staticPodPath: /etc/kubernetes/manifests
        """);
    Files.writeString(
        kubelet.resolve("kubeadm-flags.env"),
        "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock"
            + " --node-ip="
            + node.address()
            + "\"\n");
    Files.setPosixFilePermissions(
        kubelet.resolve("kubeadm-flags.env"), PosixFilePermissions.fromString("rw-r--r--"));
  }

  static String kubeconfig(String server, String user, byte[] ca, byte[] crt, byte[] key) {
    Base64.Encoder b64 = Base64.getEncoder();
    return """
        apiVersion: v1
        clusters:
        - cluster:
            certificate-authority-data: %s
            server: %s
          name: lab
        contexts:
        - context:
            cluster: lab
            user: %s
          name: %s@lab
        current-context: %s@lab
        kind: Config
        preferences: {}
        users:
        - name: %s
          user:
            client-certificate-data: %s
            client-key-data: %s
        """
        .formatted(
            b64.encodeToString(ca),
            server,
            user,
            user,
            user,
            user,
            b64.encodeToString(crt),
            new String(b64.encode(key), StandardCharsets.US_ASCII));
  }
}
