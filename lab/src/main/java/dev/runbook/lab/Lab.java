package dev.runbook.lab;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** {@code lab up}, {@code lab down} and {@code lab status}: the lab's lifecycle. */
final class Lab {

  static final int MAX_MEMBERS = 5;
  static final String MARKER_KEY = "/registry/configmaps/etcd-lab/restore-marker";
  private static final long READY_TIMEOUT_MS = 60_000;

  private final Path dir;
  private final PrintWriter out;
  private boolean objectStore;

  Lab(Path dir, PrintWriter out) {
    this.dir = dir.toAbsolutePath().normalize();
    this.out = out;
  }

  Path dir() {
    return dir;
  }

  /** Whether {@code up} also starts the lab's object store ({@link ObjectStoreServer}). */
  Lab withObjectStore(boolean on) {
    this.objectStore = on;
    return this;
  }

  // ---------------------------------------------------------------- up

  /**
   * Brings up {@code members} nodes in loopback block {@code block}, or in the lowest free block
   * when it is null (see {@link LabBlocks}).
   */
  void up(int members, String etcdMinor, int sshPort, Integer block, Path cacheDir) {
    up(members, etcdMinor, sshPort, block, cacheDir, null);
  }

  /** etcd's WAL alone takes 64 MiB per data dir: less cannot hold a member. */
  static final int MIN_DISK_MB = 128;

  /**
   * As above; with {@code diskMb}, each node's /var/lib is a filesystem of that size of its own (a
   * tmpfs), which a test can fill.
   */
  void up(
      int members, String etcdMinor, int sshPort, Integer block, Path cacheDir, Integer diskMb) {
    up(members, etcdMinor, sshPort, block, cacheDir, diskMb, null);
  }

  /**
   * As above; with {@code external}, etcd runs as a systemd unit on nodes of its own and the API
   * servers on control-plane nodes apart ({@link ExternalTopology}); null is the stacked lab.
   */
  void up(
      int members,
      String etcdMinor,
      int sshPort,
      Integer block,
      Path cacheDir,
      Integer diskMb,
      ExternalTopology external) {
    if (members < 1 || members > MAX_MEMBERS) {
      throw LabException.badInput(
          "--members must be between 1 and " + MAX_MEMBERS + ", not " + members);
    }
    if (!EtcdDistribution.SUPPORTED.contains(etcdMinor)) {
      throw LabException.badInput(
          "unknown etcd version '"
              + etcdMinor
              + "': use --etcd "
              + String.join(" or --etcd ", EtcdDistribution.SUPPORTED));
    }
    if (sshPort < 1 || sshPort > 65535) {
      throw LabException.badInput("--ssh-port must be a TCP port, not " + sshPort);
    }
    if (diskMb != null && diskMb < MIN_DISK_MB) {
      throw LabException.badInput(
          "--disk-mb must be at least " + MIN_DISK_MB + " (etcd's WAL takes 64), not " + diskMb);
    }
    if (block != null && (block < LabBlocks.FIRST || block > LabBlocks.LAST)) {
      throw LabException.badInput(
          "--block must be between "
              + LabBlocks.FIRST
              + " and "
              + LabBlocks.LAST
              + ", not "
              + block);
    }
    requireRoot();
    if (LabState.exists(dir)) {
      LabState state = LabState.read(dir);
      if (isUp(state)) {
        if (topology(external, members).equals(recordedTopology(state))
            && EtcdDistribution.provides(etcdMinor, state.etcdVersion())) {
          out.printf(
              "A lab is already up in %s (%d members, etcd %s); nothing to do.%n",
              dir, members, state.etcdVersion());
          return;
        }
        throw LabException.badInput(
            "a lab is already up in %s (%d members, etcd %s): run `lab down --dir %s` first"
                .formatted(dir, state.nodes().size(), state.etcdVersion(), dir));
      }
      throw LabException.badInput(
          "%s holds a lab that is not running (left by a crash?): run `lab down --dir %s` to clean it up"
              .formatted(dir, dir));
    }
    if (Files.exists(dir) && !isEmptyDir(dir)) {
      throw LabException.badInput(
          dir + " exists and is not a lab dir: choose another --dir or remove it");
    }
    requireTools();
    EtcdDistribution etcd = EtcdDistribution.resolve(etcdMinor, cacheDir, out);
    long started = System.nanoTime();
    int held =
        LabBlocks.machine()
            .claim(
                dir,
                block,
                n -> {
                  List<String> taken = takenPorts(allNodes(n, members, external), sshPort);
                  return objectStore
                      ? Stream.concat(taken.stream(), ObjectStoreServer.taken(n).stream()).toList()
                      : taken;
                },
                n -> {
                  try {
                    Files.createDirectories(dir);
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                  // Written before any process starts, so `lab down` can always clean up after us.
                  new LabState(etcd.version(), etcd.binDir().toString(), sshPort, n, List.of())
                      .write(dir);
                });
    // The nodes that run etcd, and (external only) the control planes apart.
    List<Node> nodes =
        external == null ? nodes(held, members) : ExternalTopology.etcdNodes(dir, held, members);
    List<Node> controlPlanes =
        external == null ? List.of() : external.controlPlaneNodes(dir, held, members);
    boolean ok = false;
    try {
      Path clientKey = sshClientKey();
      Pki pki = Pki.createCa(dir.resolve("pki"));
      Pki kubernetesCa = Pki.createCa(dir.resolve("pki/kubernetes"), "/CN=kubernetes");
      Path commanderCrt = dir.resolve("pki/commander.crt");
      pki.clientCert(
          commanderCrt,
          dir.resolve("pki/commander.key"),
          "/O=system:masters/CN=etcd-runbook-commander");
      List<Node> all = new ArrayList<>(nodes);
      all.addAll(controlPlanes);
      for (Node node : all) {
        if (diskMb != null) {
          ownDisk(node.hostPath("/var/lib"), diskMb);
        }
        if (external == null) {
          prepareNode(node, nodes, etcd, pki, clientKey, sshPort);
        } else if (nodes.contains(node)) {
          external.prepareEtcdNode(node, nodes, etcd, pki);
        } else {
          external.prepareControlPlaneNode(node, nodes, etcd, pki, dir.resolve("pki"));
        }
        prepareSsh(node, clientKey, sshPort);
        if (!nodes.contains(node) || external == null) {
          Kubeconfigs.write(node, kubernetesCa, dir.resolve("pki/kubernetes"));
        }
      }
      if (external != null) {
        Files.writeString(dir.resolve(ExternalTopology.FILE), external.describe(members) + "\n");
      }
      List<LabState.NodeState> states = new ArrayList<>();
      for (Node node : all) {
        states.add(boot(node));
        new LabState(etcd.version(), etcd.binDir().toString(), sshPort, held, states).write(dir);
      }
      ObjectStoreServer.State store = null;
      if (objectStore) {
        store = ObjectStoreServer.start(dir, held);
        LabState.read(dir).withObjectStore(store).write(dir);
      }
      // The host commands below must not read the root-only files of the lab as someone else.
      writeKnownHosts(all, sshPort);
      writePeople();
      if (external == null) {
        writeInventory(nodes, sshPort);
      } else {
        Files.writeString(
            dir.resolve("inventory.yaml"), external.inventory(dir, sshPort, nodes, controlPlanes));
      }
      if (store != null) {
        ObjectStoreServer.appendToInventory(dir.resolve("inventory.yaml"), store);
        ObjectStoreServer.awaitReady(dir, store);
        out.printf("  object store %s, bucket %s%n", store.endpoint(), store.bucket());
      }
      writeEnv(nodes, etcd);
      awaitReady(
          nodes,
          n ->
              accepts(n.address(), sshPort)
                  && etcdHealthy(n, etcd)
                  && clusterVersionSettled(n, etcd));
      // External only: each control plane's API server has reached etcd.
      awaitReady(
          controlPlanes,
          n ->
              accepts(n.address(), sshPort)
                  && ExternalTopology.apiServersNotUp(this, etcd, List.of(n)).isEmpty());
      ok = true;
      out.printf(
          "Lab up in %s: %d member%s, etcd %s, ready in %.1f s.%n",
          dir,
          members,
          members == 1 ? "" : "s",
          etcd.version(),
          (System.nanoTime() - started) / 1e9);
      for (Node node : nodes) {
        out.printf(
            "  %-6s %-11s ssh root@%s -p %d   etcd %s%n",
            node.name(), node.address(), node.address(), sshPort, node.clientUrl());
      }
      for (Node node : controlPlanes) {
        out.printf(
            "  %-6s %-11s ssh root@%s -p %d   kube-apiserver (etcd external)%n",
            node.name(), node.address(), node.address(), sshPort);
      }
      out.printf(
          "Inventory: %s%nEnvironment: . %s   (then: etcdctl endpoint health)%n",
          dir.resolve("inventory.yaml"), dir.resolve("lab.env"));
    } catch (IOException e) {
      throw new LabException(LabException.FAILED, "lab up failed: " + e.getMessage(), e);
    } finally {
      if (!ok) {
        // Nothing half-started is left behind.
        out.println("lab up failed; stopping what it started and removing " + dir);
        out.flush();
        try {
          down();
        } catch (RuntimeException cleanup) {
          out.println("cleanup after the failed lab up also failed: " + cleanup.getMessage());
        }
      }
    }
  }

  private void prepareNode(
      Node node, List<Node> cluster, EtcdDistribution etcd, Pki pki, Path clientKey, int sshPort)
      throws IOException {
    nodeDirs(
        node,
        "/etc/kubernetes/manifests",
        "/etc/kubernetes/pki/etcd",
        "/var/lib/etcd",
        "/var/lib/kubelet",
        "/usr/local/bin");

    Path pkiDir = node.hostPath("/etc/kubernetes/pki");
    pki.etcdMemberCerts(pkiDir.resolve("etcd"), node.name(), node.address());
    pki.clientCert(
        pkiDir.resolve("apiserver-etcd-client.crt"),
        pkiDir.resolve("apiserver-etcd-client.key"),
        "/O=system:masters/CN=kube-apiserver-etcd-client");

    Path manifests = node.hostPath("/etc/kubernetes/manifests");
    Files.writeString(
        manifests.resolve("etcd.yaml"), Manifests.etcd(node, cluster, etcd.version()));
    Files.writeString(manifests.resolve("kube-apiserver.yaml"), Manifests.kubeApiserver(node));

    Path bin = node.hostPath("/usr/local/bin");
    copyResource("crictl", bin.resolve("crictl"));
    copyResource("kube-apiserver", bin.resolve("kube-apiserver"));
    ExternalTopology.linkEtcdTools(bin, etcd, false);
  }

  /** Creates the node's {@code dirs}; its etcd data dir, when one of them, for etcd only. */
  static void nodeDirs(Node node, String... dirs) throws IOException {
    for (String d : dirs) {
      Files.createDirectories(node.hostPath(d));
    }
    if (List.of(dirs).contains("/var/lib/etcd")) {
      // etcd refuses a data dir others can read.
      Files.setPosixFilePermissions(
          node.hostPath("/var/lib/etcd"), PosixFilePermissions.fromString("rwx------"));
    }
  }

  /** What every node has, whatever it runs: its sshd, its boot script, its logs. */
  private void prepareSsh(Node node, Path clientKey, int sshPort) throws IOException {
    Files.createDirectories(node.sshDir());
    Files.createDirectories(node.logs());
    Files.writeString(node.dir().resolve("name"), node.name());
    Path hostKey = node.sshDir().resolve("ssh_host_ed25519_key");
    ed25519Key(hostKey, "root@" + node.name());
    Files.copy(Path.of(clientKey + ".pub"), node.sshDir().resolve("authorized_keys"));
    Files.writeString(
        node.sshDir().resolve("sshd_config"),
        """
        # sshd of lab node %1$s: its own address and host key, root by key only.
        ListenAddress %2$s:%3$d
        HostKey %4$s
        PidFile %5$s
        AuthorizedKeysFile %6$s
        PermitRootLogin prohibit-password
        PubkeyAuthentication yes
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        UsePAM no
        StrictModes no
        MaxSessions 64
        MaxStartups 64:30:128
        PrintMotd no
        Subsystem sftp internal-sftp
        """
            .formatted(
                node.name(),
                node.address(),
                sshPort,
                hostKey,
                node.dir().resolve("sshd.pid"),
                node.sshDir().resolve("authorized_keys")));
    copyResource("node.sh", node.dir().resolve("node.sh"));
    copyResource("bashrc", node.dir().resolve("bashrc"));
  }

  /** Starts the node's boot process in a private mount namespace of its own, detached from us. */
  private LabState.NodeState boot(Node node) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb =
        new ProcessBuilder(
            "setsid",
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            node.dir().resolve("node.sh").toString(),
            node.dir().toString(),
            java,
            System.getProperty("java.class.path"));
    pb.redirectErrorStream(true);
    pb.redirectOutput(
        ProcessBuilder.Redirect.appendTo(node.logs().resolve("kubelet.log").toFile()));
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    String ours = Processes.mountNamespace(ProcessHandle.current().pid());
    long deadline = System.currentTimeMillis() + 5000;
    String ns;
    while ((ns = Processes.mountNamespace(p.pid())) == null || ns.equals(ours)) {
      if (!p.isAlive() || System.currentTimeMillis() > deadline) {
        throw LabException.failed(
            "node "
                + node.name()
                + " did not start:\n"
                + tail(node.logs().resolve("kubelet.log"), 20));
      }
      Processes.sleep(10);
    }
    return new LabState.NodeState(
        node.name(), node.address(), p.pid(), ns, Processes.fileKey(node.hostPath("/var/lib")));
  }

  /**
   * Until {@code ready} holds for each of {@code nodes}; fails when a node dies or time runs out.
   */
  private void awaitReady(List<Node> nodes, java.util.function.Predicate<Node> ready) {
    long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
    List<Node> waiting = new ArrayList<>(nodes);
    while (!waiting.isEmpty()) {
      LabState state = LabState.read(dir);
      for (LabState.NodeState n : state.nodes()) {
        if (ProcessHandle.of(n.pid()).isEmpty()) {
          throw LabException.failed(
              "node "
                  + n.name()
                  + " died while starting:\n"
                  + tail(dir.resolve("nodes").resolve(n.name()).resolve("logs/kubelet.log"), 20));
        }
      }
      waiting.removeIf(ready);
      if (waiting.isEmpty()) {
        return;
      }
      if (System.currentTimeMillis() > deadline) {
        StringBuilder why =
            new StringBuilder(
                "the lab was not ready after "
                    + READY_TIMEOUT_MS / 1000
                    + " s; waiting for "
                    + waiting.stream().map(Node::name).toList());
        for (Node n : waiting) {
          why.append("\n--- ")
              .append(n.name())
              .append(" kubelet.log\n")
              .append(tail(n.logs().resolve("kubelet.log"), 15));
          why.append("\n--- ")
              .append(n.name())
              .append(" sshd.log\n")
              .append(tail(n.logs().resolve("sshd.log"), 5));
          Path journal = n.hostPath("/var/lib/lab-systemd/etcd.service/journal");
          if (Files.exists(journal)) {
            why.append("\n--- ")
                .append(n.name())
                .append(" journalctl -u etcd\n")
                .append(tail(journal, 15));
          }
        }
        throw LabException.failed(why.toString());
      }
      Processes.sleep(200);
    }
  }

  /** The topology a lab up asks for, as {@link #recordedTopology} reads it back. */
  private static String topology(ExternalTopology external, int members) {
    return external == null ? "stacked members=" + members : external.describe(members);
  }

  private String recordedTopology(LabState state) {
    try {
      Path file = dir.resolve(ExternalTopology.FILE);
      return Files.exists(file)
          ? Files.readString(file).strip()
          : topology(null, state.nodes().size());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private List<Node> allNodes(int block, int members, ExternalTopology external) {
    if (external == null) {
      return nodes(block, members);
    }
    List<Node> all = new ArrayList<>(ExternalTopology.etcdNodes(dir, block, members));
    all.addAll(external.controlPlaneNodes(dir, block, members));
    return all;
  }

  boolean etcdHealthy(Node node, EtcdDistribution etcd) {
    return etcdctl(etcd.etcdctl(), node.clientUrl(), "endpoint", "health").ok();
  }

  /**
   * A new cluster records cluster version 3.0.0 until its leader sees every member's version, a few
   * seconds after the members are healthy; then it records the members' major.minor. A snapshot
   * taken in that window carries 3.0.0, which the restore preflight rightly refuses for a 3.5
   * cluster. A kubeadm cluster in trouble has long left that window, so the lab is ready only when
   * it has too (CI caught a test's snapshot taken inside it). Read from the member's metrics
   * listener (plain HTTP on the node's address, as kubeadm's on 127.0.0.1).
   */
  boolean clusterVersionSettled(Node node, EtcdDistribution etcd) {
    String want = etcd.version().replaceFirst("^(\\d+\\.\\d+).*", "$1");
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(node.address(), Node.METRICS_PORT), 1000);
      s.setSoTimeout(2000);
      s.getOutputStream()
          .write(
              ("GET /metrics HTTP/1.0\r\nHost: " + node.address() + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String metrics = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return metrics
          .lines()
          .anyMatch(l -> l.startsWith("etcd_cluster_version{cluster_version=\"" + want + "\"}"));
    } catch (IOException e) {
      return false;
    }
  }

  Exec.Result etcdctl(Path etcdctl, String endpoints, String... args) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                etcdctl.toString(),
                "--endpoints=" + endpoints,
                "--cacert=" + dir.resolve("pki/ca.crt"),
                "--cert=" + dir.resolve("pki/commander.crt"),
                "--key=" + dir.resolve("pki/commander.key"),
                "--dial-timeout=2s",
                "--command-timeout=5s"));
    cmd.addAll(List.of(args));
    return Exec.run(cmd, null, Map.of("ETCDCTL_API", "3"), 15);
  }

  // ---------------------------------------------------------------- down

  void down() {
    if (!LabState.exists(dir)) {
      out.println("No lab in " + dir + "; nothing to do.");
      return;
    }
    requireRoot();
    LabState state = LabState.read(dir);
    for (LabState.NodeState n : state.nodes()) {
      Processes.stopNode(n, 15_000);
      out.printf("  %s stopped%n", n.name());
    }
    ObjectStoreServer.stop(state.objectStore(), 10_000);
    try {
      unmountDisks();
      EtcdDistribution.deleteTree(dir);
    } catch (IOException e) {
      throw new LabException(
          LabException.FAILED,
          "the lab's processes are stopped, but removing " + dir + " failed: " + e.getMessage(),
          e);
    }
    // Its dir is gone, so the claim is void already; this only tidies the registry.
    LabBlocks.machine().release(state.block(), dir);
    out.println("Lab down; " + dir + " removed.");
  }

  /** Mounts a tmpfs of {@code mb} MiB at {@code varLib}, before the node binds it. */
  private static void ownDisk(Path varLib, int mb) throws IOException {
    Files.createDirectories(varLib);
    Exec.Result r =
        Exec.run(
            List.of(
                "mount",
                "-t",
                "tmpfs",
                "-o",
                "size=" + mb + "m,mode=0755",
                "lab-disk",
                varLib.toString()));
    if (r.exitCode() != 0) {
      throw LabException.failed(
          "cannot mount a disk of " + mb + " MiB at " + varLib + ": " + r.output());
    }
  }

  /**
   * Unmounts what `up --disk-mb` mounted under the lab dir (the deepest first), so that removing
   * the dir never reaches into a mount, and no tmpfs outlives its lab.
   */
  private void unmountDisks() throws IOException {
    String prefix = dir.toAbsolutePath().normalize() + "/";
    List<String> points = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
      String[] f = line.split(" ");
      if (f.length > 1 && f[1].startsWith(prefix)) {
        points.add(f[1]);
      }
    }
    points.sort(java.util.Comparator.comparingInt(String::length).reversed());
    for (String point : points) {
      Exec.Result r = Exec.run(List.of("umount", point));
      if (r.exitCode() != 0) {
        throw new IOException("cannot unmount " + point + ": " + r.output());
      }
    }
  }

  // ---------------------------------------------------------------- status

  /**
   * Shows the lab in this dir in detail, then every other lab on the machine in a line each.
   * Returns true when every node of this dir's lab is up and its etcd healthy.
   */
  boolean status() {
    boolean good;
    if (LabState.exists(dir)) {
      good = statusOfThisLab();
    } else {
      out.println("No lab in " + dir + ".");
      good = false;
    }
    List<LabBlocks.Claim> others =
        LabBlocks.machine().claims().stream().filter(c -> !c.dir().equals(dir)).toList();
    if (!others.isEmpty()) {
      out.println("Other labs on this machine (lab status --dir DIR for one):");
      for (LabBlocks.Claim c : others) {
        LabState other = LabState.read(c.dir());
        out.printf(
            "  %-24s %-32s %d member%s, etcd %s, %s%n",
            addressRange(other),
            c.dir(),
            other.nodes().size(),
            other.nodes().size() == 1 ? "" : "s",
            other.etcdVersion(),
            isUp(other) ? "up" : "NOT RUNNING (lab down --dir " + c.dir() + ")");
      }
    }
    return good;
  }

  private static String addressRange(LabState state) {
    List<String> addresses = state.nodes().stream().map(LabState.NodeState::address).toList();
    return addresses.isEmpty()
        ? "127." + state.block() + ".0.x"
        : addresses.size() == 1
            ? addresses.get(0)
            : addresses.get(0)
                + "-"
                + addresses.get(addresses.size() - 1).replaceFirst(".*\\.", "");
  }

  private boolean statusOfThisLab() {
    LabState state = LabState.read(dir);
    Path etcdctl = Path.of(state.etcdBin(), "etcdctl");
    int size = ExternalTopology.runsEtcd(state).size();
    int apart = state.nodes().size() - size;
    out.printf(
        "Lab in %s: %d member%s%s, etcd %s, %s%n",
        dir,
        size,
        size == 1 ? "" : "s",
        apart == 0
            ? ""
            : " (external etcd) and " + apart + " control plane" + (apart == 1 ? "" : "s"),
        state.etcdVersion(),
        addressRange(state));
    boolean allGood = true;
    for (LabState.NodeState n : state.nodes()) {
      Node node = new Node(n.name(), n.address(), dir.resolve("nodes").resolve(n.name()));
      boolean alive = Processes.isRunning(n);
      boolean sshd = accepts(n.address(), state.sshPort());
      boolean runsEtcd = ExternalTopology.runsEtcd(state).contains(n);
      boolean unit = runsEtcd && !ExternalTopology.runsEtcd(state).equals(state.nodes());
      boolean healthy = !runsEtcd || etcdctl(etcdctl, node.clientUrl(), "endpoint", "health").ok();
      List<String[]> containers = containers(node);
      String running =
          containers.stream()
              .filter(c -> c[3].equals("Running"))
              .map(c -> c[4])
              .sorted()
              .collect(Collectors.joining(", "));
      out.printf(
          "%s %s: node %s, sshd %s, etcd %s%n",
          n.name(),
          n.address(),
          alive ? "up" : "DOWN",
          sshd ? "up" : "DOWN",
          !runsEtcd ? "external" : healthy ? "healthy" : "NOT HEALTHY");
      if (unit) {
        out.printf("  etcd.service data dir in use: %s%n", ExternalTopology.dataDirInUse(node));
      } else {
        out.printf("  containers running: %s%n", running.isEmpty() ? "none" : running);
      }
      if (runsEtcd && !unit) {
        out.printf("  etcd data dir in use: %s%n", etcdDataDir(containers));
      }
      allGood &= alive && sshd && healthy;
    }
    return allGood;
  }

  /** The simulator's container list: id image created state name attempt podId pod pid log. */
  private static List<String[]> containers(Node node) {
    Path index = node.hostPath("/var/lib/kubelet/sim/containers.tsv");
    try {
      return Files.exists(index)
          ? Files.readAllLines(index).stream()
              .map(l -> l.split("\t", -1))
              .filter(f -> f.length >= 10)
              .toList()
          : List.of();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** The data dir (a node path) the running etcd really uses, read from its command line. */
  private static String etcdDataDir(List<String[]> containers) {
    for (String[] c : containers) {
      if (c[4].equals("etcd") && c[3].equals("Running") && !c[8].isEmpty()) {
        try {
          byte[] cmdline = Files.readAllBytes(Path.of("/proc", c[8], "cmdline"));
          for (String arg : new String(cmdline, StandardCharsets.UTF_8).split("\0")) {
            if (arg.startsWith("--data-dir=")) {
              return arg.substring("--data-dir=".length());
            }
          }
        } catch (IOException e) {
          return "unknown (etcd exited)";
        }
      }
    }
    return "none (etcd not running)";
  }

  // ---------------------------------------------------------------- files for the commander

  private Path sshClientKey() {
    return ed25519Key(dir.resolve("id_ed25519"), "runbook-lab");
  }

  private static Path ed25519Key(Path file, String comment) {
    Exec.check(
        "generating the SSH key " + file.getFileName(),
        List.of(
            "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file.toString()));
    return file;
  }

  /** The people of the lab's drills and tests, each with an ed25519 key to sign with. */
  static final List<String> PEOPLE = List.of("alice", "bob", "carol");

  /**
   * people/alice, people/bob and people/carol (ed25519, as any engineer's key), and the
   * allowed_signers file that names them, which the inventory's approval section points at: every
   * action on the lab is signed, as on a real cluster.
   */
  private void writePeople() throws IOException {
    Path people = Files.createDirectories(dir.resolve("people"));
    StringBuilder signers =
        new StringBuilder(
            "# Written by `lab up`: the lab's people, who sign runbook statements.\n");
    for (String who : PEOPLE) {
      Path key = ed25519Key(people.resolve(who), who + "@lab");
      String[] pub = Files.readString(Path.of(key + ".pub")).strip().split("\\s+");
      signers
          .append(who)
          .append(" namespaces=\"runbook\" ")
          .append(pub[0])
          .append(' ')
          .append(pub[1])
          .append('\n');
    }
    Files.writeString(dir.resolve("allowed_signers"), signers.toString());
  }

  private void writeKnownHosts(List<Node> nodes, int sshPort) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (Node node : nodes) {
      String[] pub =
          Files.readString(node.sshDir().resolve("ssh_host_ed25519_key.pub")).strip().split("\\s+");
      String host = sshPort == 22 ? node.address() : "[" + node.address() + "]:" + sshPort;
      sb.append(host).append(' ').append(pub[0]).append(' ').append(pub[1]).append('\n');
    }
    Files.writeString(dir.resolve("known_hosts"), sb.toString());
  }

  private void writeInventory(List<Node> nodes, int sshPort) throws IOException {
    StringBuilder members = new StringBuilder();
    for (Node n : nodes) {
      members.append(
          "  - {name: %s, host: %s, clientUrl: %s, peerUrl: %s}\n"
              .formatted(n.name(), n.address(), n.clientUrl(), n.peerUrl()));
    }
    Files.writeString(
        dir.resolve("inventory.yaml"),
        """
        # Written by `lab up` for the lab in %1$s.
        cluster: lab
        ssh: {user: root, port: %2$d, identityFile: %1$s/id_ed25519, knownHosts: %1$s/known_hosts, sudo: false}
        etcd:
          topology: stacked
          manifestDir: /etc/kubernetes/manifests
          dataDir: /var/lib/etcd
          # Certificates on the nodes, as etcd.yaml names them.
          pki: {cacert: /etc/kubernetes/pki/etcd/ca.crt, cert: /etc/kubernetes/pki/etcd/server.crt, key: /etc/kubernetes/pki/etcd/server.key}
          # How the engine host reaches etcd: directly, with the commander's client certificate.
          access: {mode: direct, cacert: %1$s/pki/ca.crt, cert: %1$s/pki/commander.crt, key: %1$s/pki/commander.key}
        members:
        %3$svalidate:
          marker: {key: %4$s, contains: before-snapshot}
        # Who may act: the lab's people (people/alice, bob, carol sign with their keys).
        approval: {allowedSigners: %1$s/allowed_signers}
        """
            .formatted(dir, sshPort, members, MARKER_KEY));
  }

  private void writeEnv(List<Node> nodes, EtcdDistribution etcd) throws IOException {
    String endpoints = nodes.stream().map(Node::clientUrl).collect(Collectors.joining(","));
    StringBuilder sb = new StringBuilder("# Source this file: . " + dir.resolve("lab.env") + "\n");
    sb.append("export ETCDCTL_API=3\n");
    sb.append("export ETCDCTL_ENDPOINTS=").append(endpoints).append('\n');
    sb.append("export ETCDCTL_CACERT=").append(dir.resolve("pki/ca.crt")).append('\n');
    sb.append("export ETCDCTL_CERT=").append(dir.resolve("pki/commander.crt")).append('\n');
    sb.append("export ETCDCTL_KEY=").append(dir.resolve("pki/commander.key")).append('\n');
    sb.append("export RUNBOOK_INVENTORY=").append(dir.resolve("inventory.yaml")).append('\n');
    if (!etcd.binDir().equals(Path.of("/usr/bin"))) {
      // The lab's etcd tools (etcdctl, etcdutl) of the lab's version come first.
      sb.append("export PATH=").append(etcd.binDir()).append(":$PATH\n");
    }
    Files.writeString(dir.resolve("lab.env"), sb.toString());
  }

  // ---------------------------------------------------------------- checks and helpers

  static void requireRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:") && !line.split("\\s+")[2].equals("0")) {
          throw LabException.badInput(
              "the lab needs root (mount namespaces, sshd, port binding): run it with sudo");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void requireTools() {
    Map<String, String> tools = new LinkedHashMap<>();
    tools.put("/usr/sbin/sshd", "openssh-server");
    tools.put("/usr/bin/ssh-keygen", "openssh-client");
    tools.put("/usr/bin/openssl", "openssl");
    tools.put("/usr/bin/unshare", "util-linux");
    tools.put("/usr/bin/setsid", "util-linux");
    tools.put("/usr/bin/pkill", "procps");
    List<String> missing = new ArrayList<>();
    tools.forEach(
        (path, pkg) -> {
          if (!Files.isExecutable(Path.of(path))) {
            missing.add(path + " (package " + pkg + ")");
          }
        });
    if (!missing.isEmpty()) {
      String packages =
          tools.entrySet().stream()
              .filter(e -> !Files.isExecutable(Path.of(e.getKey())))
              .map(Map.Entry::getValue)
              .distinct()
              .collect(Collectors.joining(" "));
      throw LabException.badInput(
          "missing " + String.join(", ", missing) + ": run `apt-get install " + packages + "`");
    }
  }

  private List<Node> nodes(int block, int members) {
    return IntStream.range(0, members).mapToObj(i -> Node.of(dir, block, i)).toList();
  }

  /** The addresses and ports of {@code nodes} that something already listens on. */
  private static List<String> takenPorts(List<Node> nodes, int sshPort) {
    List<String> taken = new ArrayList<>();
    for (Node n : nodes) {
      for (int port : List.of(sshPort, Node.CLIENT_PORT, Node.PEER_PORT, Node.METRICS_PORT)) {
        try (ServerSocket s = new ServerSocket()) {
          s.bind(new InetSocketAddress(InetAddress.getByName(n.address()), port));
        } catch (IOException e) {
          taken.add(n.address() + ":" + port);
        }
      }
    }
    return taken;
  }

  static boolean accepts(String address, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(address, port), 300);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static boolean isUp(LabState state) {
    return !state.nodes().isEmpty() && state.nodes().stream().allMatch(Processes::isRunning);
  }

  private static boolean isEmptyDir(Path d) {
    try (Stream<Path> s = Files.list(d)) {
      return s.findAny().isEmpty();
    } catch (IOException e) {
      return false;
    }
  }

  static void copyResource(String name, Path target) throws IOException {
    try (InputStream in = Lab.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("resource " + name + " missing from the lab jar");
      }
      Files.copy(in, target);
    }
    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no " + file.getFileName() + ")";
    }
  }
}
