package dev.runbook.lab;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code lab up} on 1 and 3 members, etcd 3.4, 3.5 and 3.5.30 (Debian unstable's): real etcd over
 * mutual TLS, real sshd per node.
 */
class LabUpIT {

  @ParameterizedTest(name = "{0} member(s), etcd {1}")
  @CsvSource({"1, 3.4", "3, 3.4", "1, 3.5", "3, 3.5", "1, 3.5.30", "3, 3.5.30"})
  void comesUpHealthyWithMutualTlsAndStrictSsh(int members, String etcd) throws Exception {
    // A lab version is a minor (3.5: trixie's 3.5.16) or one exact version (3.5.30).
    String minor = etcd.replaceFirst("^(\\d+\\.\\d+).*", "$1");
    boolean exact = !etcd.equals(minor);
    try (LabFixture lab = LabFixture.up(members, etcd)) {
      // Every member healthy, one cluster of the expected members, the expected version.
      for (int n = 1; n <= members; n++) {
        assertThat(lab.healthy(n)).as("cp-%d healthy", n).isTrue();
      }
      Exec.Result list = lab.etcdctl(1, "member", "list");
      assertThat(list.output().strip().lines()).hasSize(members);
      for (int n = 1; n <= members; n++) {
        assertThat(list.output()).contains("cp-" + n + ", https://" + lab.address(n) + ":2380");
      }
      assertThat(lab.etcdctl(1, "endpoint", "status").output())
          .contains(", " + etcd + (exact ? ", " : "."));
      if (etcd.equals("3.5")) {
        assertThat(lab.etcdctl(1, "endpoint", "status").output())
            .as("3.5 stays trixie's, whichever other 3.5 the cache holds")
            .contains(", 3.5.16, ");
      }
      // Ready means the members have agreed on their cluster version: a snapshot taken now
      // records it, not the 3.0.0 of a cluster's first seconds.
      for (int n = 1; n <= members; n++) {
        assertThat(metrics(lab.address(n)))
            .contains("etcd_cluster_version{cluster_version=\"" + minor + "\"} 1");
      }
      lab.put(1, "/lab-it/k", "v");
      assertThat(lab.get(members, "/lab-it/k")).isEqualTo("v");

      // lab seed writes Kubernetes-like keys over jetcd with the commander's certificate.
      LabFixture.Output seed = LabFixture.lab("seed", "--keys", "200", "--dir", lab.dir.toString());
      assertThat(seed.exitCode()).as(seed.err()).isZero();
      int seeded = 0;
      for (String kind : List.of("namespaces", "configmaps", "pods", "secrets")) {
        Exec.Result keys =
            lab.etcdctl(members, "get", "/registry/" + kind + "/", "--prefix", "--keys-only");
        long count =
            keys.output().lines().filter(l -> l.startsWith("/registry/" + kind + "/")).count();
        assertThat(count).as("keys under /registry/%s/", kind).isPositive();
        seeded += count;
      }
      assertThat(seeded).isEqualTo(200);

      // Mutual TLS: without a client certificate etcd refuses us.
      Exec.Result noClientCert =
          Exec.run(
              List.of(
                  "etcdctl",
                  "--endpoints=https://" + lab.address(1) + ":2379",
                  "--cacert=" + lab.dir.resolve("pki/ca.crt"),
                  "--dial-timeout=2s",
                  "--command-timeout=3s",
                  "get",
                  "/lab-it/k"),
              null,
              java.util.Map.of("ETCDCTL_API", "3"),
              20);
      assertThat(noClientCert.exitCode()).isNotZero();

      // SSH with strict host-key checking reaches each node, which sees its own files at
      // the kubeadm paths, its version's tools, and the crictl stand-in.
      for (int n = 1; n <= members; n++) {
        Exec.Result r =
            lab.ssh(
                n,
                "grep -- --name= /etc/kubernetes/manifests/etcd.yaml; ls /etc/kubernetes/pki/etcd; crictl ps; command -v etcdutl || echo no-etcdutl");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output())
            .contains("- --name=cp-" + n + "\n")
            .contains("server.crt")
            .contains("peer.crt")
            .contains("healthcheck-client.crt");
        assertThat(r.output()).containsPattern("Running\\s+etcd\\s+\\d+\\s+\\w+\\s+etcd-cp-" + n);
        assertThat(r.output())
            .contains(minor.equals("3.5") ? "/usr/local/bin/etcdutl" : "no-etcdutl");
      }

      // A node runs no shell startup file of the host's root (bash reads ~/.bashrc for each
      // command sshd runs): the node's is the lab's own, or there is none on either side.
      Exec.Result rc = lab.ssh(1, "cat ~/.bashrc 2>/dev/null || echo no-bashrc");
      assertThat(rc.exitCode()).as(rc.output()).isZero();
      if (Files.exists(Path.of(System.getProperty("user.home"), ".bashrc"))) {
        try (var in = Lab.class.getResourceAsStream("bashrc")) {
          assertThat(rc.output()).isEqualTo(new String(in.readAllBytes(), UTF_8));
        }
      } else {
        assertThat(rc.output()).isEqualTo("no-bashrc\n");
      }

      // What `lab up` hands the commander.
      String inventory = Files.readString(lab.dir.resolve("inventory.yaml"));
      assertThat(inventory)
          .contains("cluster: lab")
          .contains("topology: stacked")
          .contains("{name: cp-" + members + ", host: " + lab.address(members));
      assertThat(Files.readString(lab.dir.resolve("known_hosts")))
          .startsWith("[" + lab.address(1) + "]:2222 ssh-ed25519 ");
      assertThat(Files.readString(lab.dir.resolve("lab.env")))
          .contains("ETCDCTL_ENDPOINTS=https://" + lab.address(1) + ":2379")
          .contains("RUNBOOK_INVENTORY=");

      // A changed host key is refused: node 1's address with another node's key.
      if (members > 1) {
        String otherKey =
            Files.readString(lab.dir.resolve("nodes/cp-2/ssh/ssh_host_ed25519_key.pub"))
                .split("\\s+")[1];
        Path wrong = lab.dir.resolve("known_hosts.wrong");
        Files.writeString(wrong, "[" + lab.address(1) + "]:2222 ssh-ed25519 " + otherKey + "\n");
        Exec.Result refused = lab.ssh(1, "true", wrong);
        assertThat(refused.exitCode()).isEqualTo(255);
        assertThat(refused.output()).contains("REMOTE HOST IDENTIFICATION HAS CHANGED");
      }
    }
  }

  private static String metrics(String address) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://" + address + ":2381/metrics"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }
}
