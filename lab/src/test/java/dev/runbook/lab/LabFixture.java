package dev.runbook.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * A real lab for an integration test: {@code lab up} in-process in a dir of its own, with the
 * commands a person would use against it (ssh with strict host-key checking, etcdctl with the
 * commander's certificates). {@link #close()} brings it down and checks that no process of it is
 * left.
 */
final class LabFixture implements AutoCloseable {

  record Output(int exitCode, String out, String err) {}

  final Path dir;
  final int members;
  final String etcd;
  private final List<LabState.NodeState> nodes = new ArrayList<>();

  private LabFixture(Path dir, int members, String etcd) {
    this.dir = dir;
    this.members = members;
    this.etcd = etcd;
  }

  static Path freshDir() {
    return Path.of("/tmp", "runbook-lab-it-" + UUID.randomUUID().toString().substring(0, 8));
  }

  static Output lab(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = LabMain.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Output(code, out.toString(), err.toString());
  }

  /** {@code lab up --members N --etcd V}, then {@code more} options (--topology external ...). */
  static LabFixture up(int members, String etcd, String... more) {
    Path dir = freshDir();
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
    args.addAll(List.of(more));
    Output up = lab(args.toArray(String[]::new));
    assertThat(up.exitCode()).as("lab up: %s%s", up.out(), up.err()).isZero();
    LabFixture lab = new LabFixture(dir, members, etcd);
    lab.nodes.addAll(LabState.read(dir).nodes());
    return lab;
  }

  String address(int node) {
    return Node.address(block(), node - 1);
  }

  int block() {
    return LabState.read(dir).block();
  }

  /** A path of node {@code node} (1-based) as seen from the host. */
  Path nodePath(int node, String path) {
    // Node n is the lab's n-th: cp-n of a stacked lab, etcd-n then cp-k of an external one.
    String name = LabState.read(dir).nodes().get(node - 1).name();
    return dir.resolve("nodes").resolve(name).resolve("root").resolve(path.substring(1));
  }

  Exec.Result ssh(int node, String command) {
    return ssh(node, command, dir.resolve("known_hosts"));
  }

  Exec.Result ssh(int node, String command, Path knownHosts) {
    return Exec.run(
        List.of(
            "ssh",
            "-p",
            Integer.toString(LabState.read(dir).sshPort()),
            "-i",
            dir.resolve("id_ed25519").toString(),
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "UserKnownHostsFile=" + knownHosts,
            "-o",
            "ConnectTimeout=5",
            "root@" + address(node),
            command),
        null,
        Map.of(),
        60);
  }

  Exec.Result etcdctl(int node, String... args) {
    return new Lab(dir, new PrintWriter(new StringWriter()))
        .etcdctl(
            Path.of(LabState.read(dir).etcdBin(), "etcdctl"),
            "https://" + address(node) + ":2379",
            args);
  }

  boolean healthy(int node) {
    return etcdctl(node, "endpoint", "health").ok();
  }

  String get(int node, String key) {
    Exec.Result r = etcdctl(node, "get", key, "--print-value-only");
    assertThat(r.exitCode()).as("etcdctl get %s: %s", key, r.output()).isZero();
    return r.output().strip();
  }

  void put(int node, String key, String value) {
    Exec.Result r = etcdctl(node, "put", key, value);
    assertThat(r.exitCode()).as("etcdctl put: %s", r.output()).isZero();
  }

  String kubeletLog(int node) throws IOException {
    return Files.readString(dir.resolve("nodes/cp-" + node + "/logs/kubelet.log"));
  }

  static void await(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "timed out after " + timeout.toSeconds() + " s waiting for: " + what);
      }
      Processes.sleep(100);
    }
  }

  @Override
  public void close() {
    Output down = lab("down", "--dir", dir.toString());
    assertThat(down.exitCode()).as("lab down: %s%s", down.out(), down.err()).isZero();
    for (LabState.NodeState n : nodes) {
      assertThat(Processes.ofNode(n))
          .as("processes left of %s in %s", n.name(), n.mountNamespace())
          .extracting(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
          .isEmpty();
    }
    assertThat(dir).doesNotExist();
  }
}
