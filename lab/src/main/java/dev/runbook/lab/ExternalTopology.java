package dev.runbook.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * {@code lab up --topology external}: etcd on nodes of its own, run as a systemd unit through the
 * lab's {@code systemctl} stand-in ({@link SystemdUnits}), and control-plane nodes apart that run
 * the kube-apiserver stand-in as a static pod reaching etcd with the external etcd client
 * certificates, laid out as kubeadm's external etcd guide does.
 *
 * <p>Nodes: {@code etcd-1..N} hold the first addresses of the block (so node n of the lab is member
 * n, as in a stacked lab), {@code cp-1..M} the next ones.
 */
record ExternalTopology(int controlPlanes, SystemdUnits.Style style) {

  static final int MAX_CONTROL_PLANES = 3;

  /** Where the lab records the topology of an external lab (absent: stacked). */
  static final String FILE = "topology";

  ExternalTopology {
    if (controlPlanes < 1 || controlPlanes > MAX_CONTROL_PLANES) {
      throw LabException.badInput(
          "--control-planes must be between 1 and "
              + MAX_CONTROL_PLANES
              + ", not "
              + controlPlanes);
    }
  }

  /** What {@code lab up} was asked for, as the topology file records it. */
  String describe(int members) {
    return "external members=%d control-planes=%d style=%s"
        .formatted(members, controlPlanes, style.option());
  }

  static List<Node> etcdNodes(Path labDir, int block, int members) {
    return IntStream.range(0, members)
        .mapToObj(i -> node(labDir, "etcd-" + (i + 1), block, i))
        .toList();
  }

  List<Node> controlPlaneNodes(Path labDir, int block, int members) {
    return IntStream.range(0, controlPlanes)
        .mapToObj(i -> node(labDir, "cp-" + (i + 1), block, members + i))
        .toList();
  }

  private static Node node(Path labDir, String name, int block, int index) {
    return new Node(name, Node.address(block, index), labDir.resolve("nodes").resolve(name));
  }

  /** The lab's nodes that run etcd: all of a stacked lab's, the etcd-N of an external one. */
  static List<LabState.NodeState> runsEtcd(LabState state) {
    boolean external = state.nodes().stream().anyMatch(n -> n.name().startsWith("etcd-"));
    return external
        ? state.nodes().stream().filter(n -> n.name().startsWith("etcd-")).toList()
        : state.nodes();
  }

  /** An etcd node: PKI, the etcd unit (and its environment file), systemctl, the etcd tools. */
  void prepareEtcdNode(Node node, List<Node> members, EtcdDistribution etcd, Pki pki)
      throws IOException {
    Lab.nodeDirs(
        node,
        "/etc/kubernetes/pki/etcd",
        "/etc/systemd/system/multi-user.target.wants",
        "/etc/etcd",
        "/var/lib/etcd",
        "/usr/local/bin");
    Path pkiDir = node.hostPath("/etc/kubernetes/pki");
    pki.etcdMemberCerts(pkiDir.resolve("etcd"), node.name(), node.address());

    SystemdUnits.EtcdUnit unit = SystemdUnits.etcd(style, node, members);
    Files.writeString(node.hostPath(SystemdUnits.ETCD_UNIT), unit.unit());
    if (unit.environmentFile() != null) {
      Files.writeString(node.hostPath(SystemdUnits.ETCD_ENV_FILE), unit.environmentFile());
    }
    // `systemctl enable etcd`: the node's boot starts what multi-user.target wants.
    Files.createSymbolicLink(
        node.hostPath("/etc/systemd/system/multi-user.target.wants/etcd.service"),
        Path.of(SystemdUnits.ETCD_UNIT));
    Path bin = node.hostPath("/usr/local/bin");
    Lab.copyResource("systemctl", bin.resolve("systemctl"));
    Files.createSymbolicLink(bin.resolve("journalctl"), Path.of("systemctl"));
    // The unit runs /usr/local/bin/etcd, as a binary-release install has it.
    linkEtcdTools(bin, etcd, true);
  }

  /**
   * A control-plane node: the kube-apiserver stand-in as a static pod, with only the certificates
   * kubeadm's external etcd guide copies to a control plane (the etcd CA and the API server's etcd
   * client pair).
   */
  void prepareControlPlaneNode(
      Node node, List<Node> members, EtcdDistribution etcd, Pki pki, Path commanderPki)
      throws IOException {
    for (String d :
        List.of(
            "/etc/kubernetes/manifests",
            "/etc/kubernetes/pki/etcd",
            "/var/lib/kubelet",
            "/usr/local/bin")) {
      Files.createDirectories(node.hostPath(d));
    }
    Path pkiDir = node.hostPath("/etc/kubernetes/pki");
    Files.copy(pki.caCert(), pkiDir.resolve("etcd/ca.crt"));
    pki.clientCert(
        pkiDir.resolve("apiserver-etcd-client.crt"),
        pkiDir.resolve("apiserver-etcd-client.key"),
        "/O=system:masters/CN=kube-apiserver-etcd-client");
    String endpoints = members.stream().map(Node::clientUrl).collect(Collectors.joining(","));
    Files.writeString(
        node.hostPath("/etc/kubernetes/manifests/kube-apiserver.yaml"),
        Manifests.kubeApiserver(node, endpoints));
    Path bin = node.hostPath("/usr/local/bin");
    Lab.copyResource("crictl", bin.resolve("crictl"));
    Lab.copyResource("kube-apiserver", bin.resolve("kube-apiserver"));
    linkEtcdTools(bin, etcd, false);
  }

  /**
   * Links the lab's etcd tools into the node's /usr/local/bin: always etcd when {@code etcdToo}
   * (the unit runs /usr/local/bin/etcd), and the others when they are not the system's.
   */
  static void linkEtcdTools(Path bin, EtcdDistribution etcd, boolean etcdToo) throws IOException {
    boolean system = etcd.binDir().equals(Path.of("/usr/bin"));
    for (String tool : List.of("etcd", "etcdctl", "etcdutl")) {
      boolean wanted = !system || (etcdToo && tool.equals("etcd"));
      Path target = etcd.binDir().resolve(tool);
      if (wanted && Files.isExecutable(target)) {
        Files.createSymbolicLink(bin.resolve(tool), target);
      }
    }
  }

  /** The inventory of an external lab: the etcd members, and the control planes apart. */
  String inventory(Path dir, int sshPort, List<Node> members, List<Node> controlPlanes) {
    StringBuilder m = new StringBuilder();
    for (Node n : members) {
      m.append(
          "  - {name: %s, host: %s, clientUrl: %s, peerUrl: %s}\n"
              .formatted(n.name(), n.address(), n.clientUrl(), n.peerUrl()));
    }
    StringBuilder cp = new StringBuilder();
    for (Node n : controlPlanes) {
      cp.append("  - {name: %s, host: %s}\n".formatted(n.name(), n.address()));
    }
    return """
        # Written by `lab up --topology external` for the lab in %1$s.
        cluster: lab
        ssh: {user: root, port: %2$d, identityFile: %1$s/id_ed25519, knownHosts: %1$s/known_hosts, sudo: false}
        etcd:
          topology: external
          # etcd runs as the systemd unit etcd.service on each member (%3$s).
          unit: etcd.service
          # Certificates on the members, as the unit names them.
          pki: {cacert: /etc/kubernetes/pki/etcd/ca.crt, cert: /etc/kubernetes/pki/etcd/server.crt, key: /etc/kubernetes/pki/etcd/server.key}
          # How the engine host reaches etcd: directly, with the commander's client certificate.
          access: {mode: direct, cacert: %1$s/pki/ca.crt, cert: %1$s/pki/commander.crt, key: %1$s/pki/commander.key}
        members:
        %4$s# The nodes whose kube-apiserver uses this etcd (static pods in /etc/kubernetes/manifests).
        controlPlane:
        %5$svalidate:
          marker: {key: %6$s, contains: before-snapshot}
        # Who may act: the lab's people (people/alice, bob, carol sign with their keys).
        approval: {allowedSigners: %1$s/allowed_signers}
        """
        .formatted(dir, sshPort, style.description(), m, cp, Lab.MARKER_KEY);
  }

  /**
   * Waits until every control plane's API server stand-in has registered its lease in etcd, which
   * it does once it reached etcd through --etcd-servers with its client certificate.
   */
  static List<Node> apiServersNotUp(Lab lab, EtcdDistribution etcd, List<Node> controlPlanes) {
    List<Node> waiting = new ArrayList<>();
    for (Node cp : controlPlanes) {
      Exec.Result r =
          lab.etcdctl(
              etcd.etcdctl(),
              etcdEndpoints(lab),
              "get",
              "--print-value-only",
              "/registry/masterleases/" + cp.address());
      if (!r.ok() || !r.output().contains(cp.address())) {
        waiting.add(cp);
      }
    }
    return waiting;
  }

  private static String etcdEndpoints(Lab lab) {
    return runsEtcd(LabState.read(lab.dir())).stream()
        .map(n -> "https://" + n.address() + ":" + Node.CLIENT_PORT)
        .collect(Collectors.joining(","));
  }

  /** The data dir the running etcd of an etcd node really uses: its flag, or its environment. */
  static String dataDirInUse(Node node) {
    Path main = node.hostPath("/var/lib/lab-systemd/etcd.service/main");
    try {
      if (!Files.exists(main)) {
        return "none (etcd.service not running)";
      }
      String pid = Files.readString(main).strip();
      String cmdline = Files.readString(Path.of("/proc", pid, "cmdline"), StandardCharsets.UTF_8);
      String[] args = cmdline.split("\0");
      for (int i = 0; i < args.length; i++) {
        if (args[i].startsWith("--data-dir=")) {
          return args[i].substring("--data-dir=".length());
        }
        if (args[i].equals("--data-dir") && i + 1 < args.length) {
          return args[i + 1];
        }
      }
      for (String e :
          Files.readString(Path.of("/proc", pid, "environ"), StandardCharsets.UTF_8).split("\0")) {
        if (e.startsWith("ETCD_DATA_DIR=")) {
          return e.substring("ETCD_DATA_DIR=".length()) + " (ETCD_DATA_DIR)";
        }
      }
      return "etcd's default (no --data-dir, no ETCD_DATA_DIR)";
    } catch (IOException e) {
      return "unknown (etcd exited)";
    }
  }
}
