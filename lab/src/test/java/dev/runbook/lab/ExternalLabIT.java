package dev.runbook.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code lab up --topology external}: etcd as a systemd unit (the lab's systemctl stand-in) on
 * nodes of its own, in both config styles, and API servers on control-plane nodes apart that reach
 * it with the external etcd client certificates. Real etcd, real sshd.
 */
class ExternalLabIT {

  @ParameterizedTest(name = "{0} member(s), etcd {1}, {2}, {3} control plane(s)")
  @CsvSource({"1, 3.4, flags, 1", "1, 3.5, env-file, 1", "3, 3.5, flags, 2", "3, 3.4, env-file, 1"})
  void etcdRunsAsAUnitAndTheApiServersReachIt(
      int members, String etcd, String style, int controlPlanes) throws Exception {
    boolean flags = style.equals("flags");
    try (LabFixture lab =
        LabFixture.up(
            members,
            etcd,
            "--topology",
            "external",
            "--etcd-config",
            style,
            "--control-planes",
            Integer.toString(controlPlanes))) {
      // One healthy cluster of the etcd-N members.
      for (int n = 1; n <= members; n++) {
        assertThat(lab.healthy(n)).as("etcd-%d healthy", n).isTrue();
      }
      Exec.Result list = lab.etcdctl(1, "member", "list");
      assertThat(list.output().strip().lines()).hasSize(members);
      for (int n = 1; n <= members; n++) {
        assertThat(list.output()).contains("etcd-" + n + ", https://" + lab.address(n) + ":2380");
      }
      lab.put(1, "/lab-it/before", "kept");

      // Each etcd node: the unit in its style, running; kubeadm's etcd PKI; no kubelet.
      for (int n = 1; n <= members; n++) {
        Exec.Result r =
            lab.ssh(
                n,
                "systemctl is-active etcd && systemctl cat etcd && cat /etc/etcd/etcd.conf 2>/dev/null;"
                    + " ls /etc/kubernetes/pki/etcd; test ! -e /etc/kubernetes/manifests && echo no-manifests");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output())
            .startsWith("active\n# /etc/systemd/system/etcd.service\n")
            .contains("server.crt", "peer.crt", "ca.crt", "no-manifests");
        if (flags) {
          assertThat(r.output())
              .contains("ExecStart=/usr/local/bin/etcd \\\n  --name etcd-" + n + " \\")
              .contains("--data-dir=/var/lib/etcd \\")
              .doesNotContain("EnvironmentFile");
        } else {
          assertThat(r.output())
              .contains("EnvironmentFile=/etc/etcd/etcd.conf\nExecStart=/usr/local/bin/etcd\n")
              .contains("ETCD_NAME=etcd-" + n + "\n", "ETCD_DATA_DIR=/var/lib/etcd\n");
        }
      }

      // Each control plane: the API server stand-in, a static pod, reached etcd with the
      // client certificates kubeadm's external etcd guide copies there, and only those.
      String servers =
          IntStream.rangeClosed(1, members)
              .mapToObj(n -> "https://" + lab.address(n) + ":2379")
              .collect(Collectors.joining(","));
      for (int c = 1; c <= controlPlanes; c++) {
        int node = members + c;
        Exec.Result r =
            lab.ssh(
                node,
                "crictl ps; grep -- --etcd-servers= /etc/kubernetes/manifests/kube-apiserver.yaml;"
                    + " ls /etc/kubernetes/pki /etc/kubernetes/pki/etcd;"
                    + " ETCDCTL_API=3 etcdctl --endpoints="
                    + servers
                    + " --cacert=/etc/kubernetes/pki/etcd/ca.crt"
                    + " --cert=/etc/kubernetes/pki/apiserver-etcd-client.crt"
                    + " --key=/etc/kubernetes/pki/apiserver-etcd-client.key"
                    + " get --prefix --keys-only /registry/masterleases/");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output())
            .containsPattern("Running\\s+kube-apiserver\\s+\\d+\\s+\\w+\\s+kube-apiserver-cp-" + c)
            .contains("- --etcd-servers=" + servers + "\n")
            .contains("apiserver-etcd-client.crt", "apiserver-etcd-client.key")
            .contains("/registry/masterleases/" + lab.address(node) + "\n")
            .doesNotContain("server.crt", "peer.crt");
      }

      // stop returns once etcd is gone; is-active says inactive with exit 3; start brings it back.
      long pid = Long.parseLong(show(lab, 1, "MainPID"));
      assertThat(pid).isPositive();
      Exec.Result stop =
          lab.ssh(
              1,
              "systemctl stop etcd; echo stop=$?; test -e /proc/" + pid + " && echo still-there");
      assertThat(stop.output()).isEqualTo("stop=0\n");
      Exec.Result inactive = lab.ssh(1, "systemctl is-active etcd");
      assertThat(inactive.exitCode()).isEqualTo(3);
      assertThat(inactive.output()).isEqualTo("inactive\n");
      assertThat(lab.ssh(1, "systemctl status etcd").output()).contains("Active: inactive (dead)");
      assertThat(lab.healthy(1)).isFalse();
      Exec.Result start = lab.ssh(1, "systemctl start etcd && systemctl is-active etcd");
      assertThat(start.exitCode()).as(start.output()).isZero();
      assertThat(start.output()).isEqualTo("active\n");
      LabFixture.await("etcd-1 healthy again", Duration.ofSeconds(30), () -> lab.healthy(1));

      // Point every member at a copy of its data dir through drop-ins, as a restore does:
      // applied in order (the later Environment wins), only after daemon-reload.
      for (int n = 1; n <= members; n++) {
        Exec.Result r =
            lab.ssh(n, "systemctl stop etcd && cp -a /var/lib/etcd /var/lib/etcd-moved");
        assertThat(r.exitCode()).as(r.output()).isZero();
        Path unitDir = lab.nodePath(n, "/etc/systemd/system/etcd.service.d");
        Files.createDirectories(unitDir);
        String pointAtCopy;
        if (flags) {
          String unit = Files.readString(lab.nodePath(n, "/etc/systemd/system/etcd.service"));
          String exec = unit.substring(unit.indexOf("ExecStart="), unit.indexOf("\nRestart="));
          pointAtCopy =
              "ExecStart=\n"
                  + exec.replace("--data-dir=/var/lib/etcd \\", "--data-dir=/var/lib/etcd-moved \\")
                  + "\n";
        } else {
          Files.writeString(
              lab.nodePath(n, "/etc/etcd/etcd.conf.lab-it"),
              Files.readString(lab.nodePath(n, "/etc/etcd/etcd.conf"))
                  .replace("ETCD_DATA_DIR=/var/lib/etcd\n", "ETCD_DATA_DIR=/var/lib/etcd-moved\n"));
          pointAtCopy = "EnvironmentFile=\nEnvironmentFile=/etc/etcd/etcd.conf.lab-it\n";
        }
        Files.writeString(
            unitDir.resolve("50-lab-it.conf"),
            "[Service]\n" + pointAtCopy + "Environment=LAB_IT=first\n");
        Files.writeString(
            unitDir.resolve("60-lab-it.conf"), "[Service]\nEnvironment=LAB_IT=second\n");
        assertThat(show(lab, n, "NeedDaemonReload")).isEqualTo("yes");
        Exec.Result reload = lab.ssh(n, "systemctl daemon-reload && systemctl start etcd");
        assertThat(reload.exitCode()).as(reload.output()).isZero();
        assertThat(show(lab, n, "NeedDaemonReload")).isEqualTo("no");
      }
      for (int n = 1; n <= members; n++) {
        int m = n;
        LabFixture.await(
            "etcd-" + n + " healthy on the copy", Duration.ofSeconds(30), () -> lab.healthy(m));
        long running = Long.parseLong(show(lab, n, "MainPID"));
        String environ =
            Files.readString(
                Path.of("/proc", Long.toString(running), "environ"), StandardCharsets.UTF_8);
        assertThat(environ.split("\0")).contains("LAB_IT=second").doesNotContain("LAB_IT=first");
        assertThat(lab.ssh(n, "systemctl status etcd").output())
            .contains(
                "Drop-In: /etc/systemd/system/etcd.service.d", "50-lab-it.conf", "60-lab-it.conf");
      }
      assertThat(lab.get(members, "/lab-it/before")).isEqualTo("kept");
      LabFixture.Output status = LabFixture.lab("status", "--dir", lab.dir.toString());
      assertThat(status.exitCode()).as(status.out()).isZero();
      assertThat(status.out())
          .contains("etcd.service data dir in use: /var/lib/etcd-moved")
          .doesNotContain("data dir in use: /var/lib/etcd\n")
          .contains("cp-1 " + lab.address(members + 1) + ": node up, sshd up, etcd external");

      // A second ExecStart without a reset is refused, as systemd refuses it; setting the
      // drop-in aside and reloading brings the member back.
      Files.writeString(
          lab.nodePath(1, "/etc/systemd/system/etcd.service.d/70-lab-it-bad.conf"),
          "[Service]\nExecStart=/bin/false\n");
      Exec.Result refused = lab.ssh(1, "systemctl daemon-reload && systemctl restart etcd");
      assertThat(refused.exitCode()).isNotZero();
      assertThat(refused.output()).contains("more than one ExecStart= setting");
      assertThat(lab.ssh(1, "systemctl is-active etcd").exitCode()).isEqualTo(3);
      Exec.Result back =
          lab.ssh(
              1,
              "cd /etc/systemd/system/etcd.service.d && mv 70-lab-it-bad.conf 70-lab-it-bad.conf.aside"
                  + " && systemctl daemon-reload && systemctl start etcd && systemctl is-active etcd");
      assertThat(back.exitCode()).as(back.output()).isZero();
      LabFixture.await(
          "etcd-1 healthy after the rollback", Duration.ofSeconds(30), () -> lab.healthy(1));
    }
  }

  private static String show(LabFixture lab, int node, String property) {
    Exec.Result r = lab.ssh(node, "systemctl show -p " + property + " --value etcd");
    assertThat(r.exitCode()).as(r.output()).isZero();
    return r.output().strip();
  }

  @Test
  void badTopologyOptionsAreRefusedWithNothingStarted() {
    Path dir = LabFixture.freshDir();
    String[][] bad = {
      {"--topology", "ring"},
      {"--topology", "external", "--control-planes", "4"},
      {"--topology", "external", "--control-planes", "0"},
      {"--topology", "external", "--etcd-config", "yaml"},
      {"--control-planes", "2"},
      {"--etcd-config", "env-file"},
      {"--topology", "external", "--members", "6"},
    };
    for (String[] options : bad) {
      String[] args = new String[options.length + 3];
      args[0] = "up";
      args[1] = "--dir";
      args[2] = dir.toString();
      System.arraycopy(options, 0, args, 3, options.length);
      LabFixture.Output out = LabFixture.lab(args);
      assertThat(out.exitCode()).as(String.join(" ", options) + ": " + out.err()).isEqualTo(2);
      assertThat(out.err()).startsWith("lab: ");
      assertThat(dir).as("nothing written for %s", String.join(" ", options)).doesNotExist();
    }
  }
}
