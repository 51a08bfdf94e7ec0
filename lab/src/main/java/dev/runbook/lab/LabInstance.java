package dev.runbook.lab;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A lab brought up in-process in a dir of its own, for the integration tests of the other modules
 * (engine, runbooks, CLI). {@link #close()} brings it down and fails if any process of it is left.
 * Each lab holds a loopback block of its own ({@link #address(int)}), so labs run side by side.
 */
public final class LabInstance implements AutoCloseable {

  /** What a command run on a node printed (stdout and stderr together) and its exit status. */
  public record Result(int exitCode, String output) {}

  private final Path dir;
  private final int members;
  private final String etcd;
  private final List<LabState.NodeState> nodes = new ArrayList<>();

  private LabInstance(Path dir, int members, String etcd) {
    this.dir = dir;
    this.members = members;
    this.etcd = etcd;
  }

  /** {@code lab up --members N --etcd V} in a fresh dir under /tmp; throws if it fails. */
  public static LabInstance up(int members, String etcd) {
    return up(members, etcd, null);
  }

  /**
   * As {@link #up(int, String)}; with {@code diskMb}, each node's /var/lib is a disk of that many
   * MiB of its own ({@code lab up --disk-mb}), which a test can fill.
   */
  public static LabInstance up(int members, String etcd, Integer diskMb) {
    return up(members, etcd, diskMb, false);
  }

  /**
   * As {@link #up(int, String, Integer)}; with {@code objectStore}, the lab's S3-compatible store
   * too ({@code lab up --object-store}), named in the inventory.
   */
  public static LabInstance up(int members, String etcd, Integer diskMb, boolean objectStore) {
    List<String> options = new ArrayList<>();
    if (diskMb != null) {
      options.addAll(List.of("--disk-mb", diskMb.toString()));
    }
    if (objectStore) {
      options.add("--object-store");
    }
    return upWith(members, etcd, options);
  }

  /**
   * {@code lab up --topology external}: etcd as a systemd unit on nodes etcd-1..N (nodes 1..N of
   * this lab), configured in {@code etcdConfig} style ({@code flags} or {@code env-file}), and
   * {@code controlPlanes} control-plane nodes cp-1..M apart (nodes N+1..N+M).
   */
  public static LabInstance upExternal(
      int members, String etcd, String etcdConfig, int controlPlanes) {
    return upWith(
        members,
        etcd,
        List.of(
            "--topology",
            "external",
            "--etcd-config",
            etcdConfig,
            "--control-planes",
            Integer.toString(controlPlanes)));
  }

  private static LabInstance upWith(int members, String etcd, List<String> options) {
    Path dir = Path.of("/tmp", "runbook-lab-it-" + UUID.randomUUID().toString().substring(0, 8));
    StringWriter out = new StringWriter();
    List<String> args =
        new ArrayList<>(
            List.of(
                "up",
                "--members",
                Integer.toString(members),
                "--etcd",
                etcd,
                "--dir",
                dir.toString()));
    args.addAll(options);
    int code =
        LabMain.run(
            new PrintWriter(out, true), new PrintWriter(out, true), args.toArray(String[]::new));
    if (code != 0) {
      throw new IllegalStateException("lab up failed (exit " + code + "):\n" + out);
    }
    LabInstance lab = new LabInstance(dir, members, etcd);
    lab.nodes.addAll(LabState.read(dir).nodes());
    return lab;
  }

  public Path dir() {
    return dir;
  }

  public int members() {
    return members;
  }

  public String etcdVersion() {
    return etcd;
  }

  public Path inventory() {
    return dir.resolve("inventory.yaml");
  }

  public Path knownHosts() {
    return dir.resolve("known_hosts");
  }

  /** The lab's people's private keys: people/alice, people/bob, people/carol (ed25519). */
  public Path people() {
    return dir.resolve("people");
  }

  /** The allowed-signers file naming the lab's people, which the lab's inventory points at. */
  public Path allowedSigners() {
    return dir.resolve("allowed_signers");
  }

  public Path identityFile() {
    return dir.resolve("id_ed25519");
  }

  /** Loopback address of node {@code node} (1-based): 127.N.0.1x in the lab's block N. */
  public String address(int node) {
    return Node.address(block(), node - 1);
  }

  /** The loopback block the lab holds: its nodes are 127.block.0.11, .12, ... */
  public int block() {
    return LabState.read(dir).block();
  }

  /** The port every node's sshd listens on. */
  public int sshPort() {
    return LabState.read(dir).sshPort();
  }

  /** A path of node {@code node} (1-based) as seen from the host. */
  public Path nodePath(int node, String path) {
    // Node n is the lab's n-th: cp-n of a stacked lab, etcd-n then cp-k of an external one.
    String name = LabState.read(dir).nodes().get(node - 1).name();
    return dir.resolve("nodes").resolve(name).resolve("root").resolve(path.substring(1));
  }

  /** Runs {@code command} on a node with OpenSSH, strict host-key checking, as root. */
  public Result ssh(int node, String command) {
    Exec.Result r =
        Exec.run(
            List.of(
                "ssh",
                "-p",
                Integer.toString(sshPort()),
                "-i",
                identityFile().toString(),
                "-o",
                "BatchMode=yes",
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "UserKnownHostsFile=" + knownHosts(),
                "-o",
                "ConnectTimeout=5",
                "root@" + address(node),
                command),
            null,
            Map.of(),
            60);
    return new Result(r.exitCode(), r.output());
  }

  /**
   * Breaks every SSH connection open to node {@code node}, as a cut cable does: the sshd processes
   * serving them are SIGKILLed, while its sshd still accepts new connections. The commands those
   * connections had started are left to run on, as on a real node. Returns how many were cut.
   */
  public int cutSsh(int node) {
    long listener = sshListener(node);
    List<ProcessHandle> serving =
        ProcessHandle.of(listener).map(p -> p.descendants().toList()).orElse(List.of()).stream()
            .filter(LabInstance::isSshd)
            .toList();
    serving.forEach(ProcessHandle::destroyForcibly);
    return serving.size();
  }

  /**
   * Takes node {@code node} off the network for SSH: its sshd and every connection it serves are
   * SIGKILLed, so a new connection is refused until {@link #startSsh(int)}. etcd and the node's
   * other processes run on.
   */
  public void stopSsh(int node) {
    long listener = sshListener(node);
    cutSsh(node);
    ProcessHandle.of(listener).ifPresent(ProcessHandle::destroyForcibly);
    long deadline = System.currentTimeMillis() + 10_000;
    while (Lab.accepts(address(node), sshPort())) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("sshd of cp-" + node + " still accepts after SIGKILL");
      }
      Processes.sleep(50);
    }
  }

  /** Starts node {@code node}'s sshd again in the node's namespace, after {@link #stopSsh}. */
  public void startSsh(int node) {
    LabState.NodeState n = nodes.get(node - 1);
    Path nodeDir = dir.resolve("nodes").resolve(n.name());
    Exec.Result r =
        Exec.run(
            List.of(
                "nsenter",
                "--target",
                Long.toString(n.pid()),
                "--mount",
                "/usr/sbin/sshd",
                "-f",
                nodeDir.resolve("ssh/sshd_config").toString(),
                "-E",
                nodeDir.resolve("logs/sshd.log").toString()),
            null,
            Map.of(),
            30);
    if (r.exitCode() != 0) {
      throw new IllegalStateException("sshd of cp-" + node + " did not start: " + r.output());
    }
    long deadline = System.currentTimeMillis() + 10_000;
    while (!Lab.accepts(address(node), sshPort())) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("sshd of cp-" + node + " does not accept after its start");
      }
      Processes.sleep(50);
    }
  }

  /**
   * The sshd of node {@code node} that listens: the one of its sshd processes with no sshd parent.
   */
  private long sshListener(int node) {
    return Processes.ofNode(nodes.get(node - 1)).stream()
        .filter(LabInstance::isSshd)
        .filter(p -> p.parent().map(q -> !isSshd(q)).orElse(true))
        .mapToLong(ProcessHandle::pid)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no sshd listens on cp-" + node));
  }

  private static boolean isSshd(ProcessHandle p) {
    return p.info()
        .command()
        .map(c -> c.endsWith("/sshd") || c.endsWith("/sshd-session"))
        .orElse(false);
  }

  /**
   * The lab's object store, as its inventory names it: endpoint, region, bucket, path style and the
   * credentials file (AWS format, mode 0600).
   */
  public record ObjectStore(
      String endpoint, String region, String bucket, boolean pathStyle, Path credentialsFile) {}

  /** The lab's object store; throws when the lab was brought up without one. */
  public ObjectStore objectStore() {
    ObjectStoreServer.State s = LabState.read(dir).objectStore();
    if (s == null) {
      throw new IllegalStateException("the lab in " + dir + " has no object store");
    }
    return new ObjectStore(
        s.endpoint(), s.region(), s.bucket(), s.pathStyle(), Path.of(s.credentialsFile()));
  }

  /** Where the store keeps object {@code key} of its bucket on the host (filesystem backend). */
  public Path objectStoreFile(String key) {
    return ObjectStoreServer.home(dir).resolve("data").resolve(objectStore().bucket()).resolve(key);
  }

  /** Stops the object store (SIGTERM), as a store that is down; its data stays. */
  public void stopObjectStore() {
    ObjectStoreServer.stop(LabState.read(dir).objectStore(), 10_000);
  }

  /** Starts the object store again after {@link #stopObjectStore()}, with the same data. */
  public void startObjectStore() {
    LabState state = LabState.read(dir);
    try {
      ObjectStoreServer.State started = ObjectStoreServer.launch(dir, state.objectStore());
      state.withObjectStore(started).write(dir);
      ObjectStoreServer.awaitReady(dir, started);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** {@code lab seed --keys N}: Kubernetes-like keys under /registry/; throws if it fails. */
  public void seed(int keys) {
    StringWriter out = new StringWriter();
    int code =
        LabMain.run(
            new PrintWriter(out, true),
            new PrintWriter(out, true),
            "seed",
            "--keys",
            Integer.toString(keys),
            "--dir",
            dir.toString());
    if (code != 0) {
      throw new IllegalStateException("lab seed failed (exit " + code + "):\n" + out);
    }
  }

  /** Runs etcdctl (the lab's version) against node {@code node} with the commander's cert. */
  public Result etcdctl(int node, String... args) {
    Exec.Result r =
        new Lab(dir, new PrintWriter(new StringWriter()))
            .etcdctl(
                Path.of(LabState.read(dir).etcdBin(), "etcdctl"),
                "https://" + address(node) + ":2379",
                args);
    return new Result(r.exitCode(), r.output());
  }

  @Override
  public void close() {
    ObjectStoreServer.State store = LabState.exists(dir) ? LabState.read(dir).objectStore() : null;
    StringWriter out = new StringWriter();
    int code =
        LabMain.run(
            new PrintWriter(out, true),
            new PrintWriter(out, true),
            "down",
            "--dir",
            dir.toString());
    if (code != 0) {
      throw new IllegalStateException("lab down failed (exit " + code + "):\n" + out);
    }
    for (LabState.NodeState n : nodes) {
      if (!Processes.ofNode(n).isEmpty()) {
        throw new IllegalStateException(
            "lab down left processes of " + n.name() + ": " + Processes.ofNode(n));
      }
    }
    if (store != null && ObjectStoreServer.isRunning(store)) {
      throw new IllegalStateException("lab down left the object store running: pid " + store.pid());
    }
  }
}
