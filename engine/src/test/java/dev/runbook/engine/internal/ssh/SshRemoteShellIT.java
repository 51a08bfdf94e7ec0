package dev.runbook.engine.internal.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.runbook.engine.api.CommandResult;
import dev.runbook.engine.api.FailureReason;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.OutputListener;
import dev.runbook.engine.api.RemoteFailure;
import dev.runbook.lab.LabInstance;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SshRemoteShell} against the lab's real sshd nodes. */
class SshRemoteShellIT {

  private static final Duration T = Duration.ofSeconds(30);

  static LabInstance lab;
  static SshRemoteShell shell;

  @TempDir static Path tmp;

  @BeforeAll
  static void up() {
    lab = LabInstance.up(3, "3.5");
    shell = new SshRemoteShell(inventory(UnaryOperator.identity(), Map.of()));
  }

  @AfterAll
  static void down() {
    try {
      if (shell != null) {
        shell.close();
      }
    } finally {
      if (lab != null) {
        lab.close();
      }
    }
  }

  @Test
  void runsOnEveryNodeAndStreamsStdoutAndStderrLineByLine() {
    for (int n = 1; n <= 3; n++) {
      Lines lines = new Lines();
      CommandResult r =
          shell.run(
              "cp-" + n,
              "printf 'one\\ntwo\\n'; echo oops >&2; echo \"$SSH_CONNECTION\"; printf 'no newline'",
              T,
              lines);
      assertThat(r.exitStatus()).isZero();
      assertThat(r.ok()).isTrue();
      assertThat(r.node()).isEqualTo("cp-" + n);
      assertThat(r.stdout()).startsWith("one\ntwo\n").endsWith("\nno newline");
      assertThat(r.stderr()).isEqualTo("oops\n");
      assertThat(lines.out).hasSize(4).startsWith("one", "two").endsWith("no newline");
      // The connection ends at this node's own address and sshd port.
      assertThat(lines.out.get(2).split(" ")).endsWith(lab.address(n), "2222");
      assertThat(lines.err).containsExactly("oops");
      assertThat(r.command()).startsWith("printf 'one");
      assertThat(r.hostKeyFingerprint()).startsWith("SHA256:");
    }
  }

  @Test
  void outputArrivesWhileTheCommandStillRuns() {
    List<Long> arrivals = Collections.synchronizedList(new ArrayList<>());
    long start = System.nanoTime();
    CommandResult r =
        shell.run(
            "cp-1",
            "echo first; sleep 1.5; echo second",
            T,
            new OutputListener() {
              @Override
              public void stdout(String node, String line) {
                arrivals.add(System.nanoTime() - start);
              }
            });
    assertThat(r.stdout()).isEqualTo("first\nsecond\n");
    assertThat(arrivals).hasSize(2);
    assertThat(Duration.ofNanos(arrivals.get(1) - arrivals.get(0)))
        .isGreaterThan(Duration.ofMillis(1000));
  }

  @Test
  void aNonZeroExitIsReturnedByRunAndThrownByCheck() {
    CommandResult r = shell.run("cp-2", "echo partial; exit 3", T, OutputListener.NONE);
    assertThat(r.exitStatus()).isEqualTo(3);
    assertThat(r.ok()).isFalse();
    assertThat(r.stdout()).isEqualTo("partial\n");

    RemoteFailure f =
        catchThrowableOfType(
            () -> shell.check("cp-2", "exit 4", T, OutputListener.NONE), RemoteFailure.class);
    assertThat(f.reason()).isEqualTo(FailureReason.NON_ZERO_EXIT);
    assertThat(f.node()).isEqualTo("cp-2");
    assertThat(f.result().exitStatus()).isEqualTo(4);
  }

  @Test
  void reusesOneConnectionPerNode() throws Exception {
    Set<String> connections = new HashSet<>();
    shell.run("cp-3", "true", T, OutputListener.NONE); // connected before timing
    int commands = 20;
    long start = System.nanoTime();
    for (int i = 0; i < commands; i++) {
      connections.add(
          shell.run("cp-3", "echo \"$SSH_CONNECTION\"", T, OutputListener.NONE).stdout().strip());
    }
    long perCommandMicros = (System.nanoTime() - start) / 1000 / commands;
    System.out.printf("per-command latency on a reused connection: %d us%n", perCommandMicros);
    // Same client address and port every time: one TCP connection.
    assertThat(connections).hasSize(1);

    // And the engine holds exactly one established connection to the node's sshd.
    Process ss =
        new ProcessBuilder(
                "ss", "-Htn", "state", "established", "dst", lab.address(3), "dport", "=", ":2222")
            .start();
    List<String> established =
        new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
            .lines()
            .filter(l -> !l.isBlank())
            .toList();
    assertThat(ss.waitFor()).isZero();
    assertThat(established).hasSize(1);
    String clientPort = connections.iterator().next().split(" ")[1];
    assertThat(established.get(0)).contains(":" + clientPort + " ");
  }

  @Test
  void theFingerprintIsTheOneSshKeygenPrintsForTheNodesHostKey() throws Exception {
    for (int n = 1; n <= 3; n++) {
      Path pub = lab.dir().resolve("nodes/cp-" + n + "/ssh/ssh_host_ed25519_key.pub");
      String keygen = exec("ssh-keygen", "-l", "-E", "sha256", "-f", pub.toString()).split(" ")[1];
      CommandResult r = shell.run("cp-" + n, "true", T, OutputListener.NONE);
      assertThat(r.hostKeyFingerprint()).isEqualTo(keygen);
      assertThat(shell.hostKeyFingerprint("cp-" + n)).isEqualTo(keygen);
    }
  }

  @Test
  void aChangedHostKeyStopsBeforeAnythingRuns() throws Exception {
    Path otherKey = keygen("impostor");
    Path knownHosts = tmp.resolve("known_hosts_mismatch");
    Files.writeString(
        knownHosts, "[" + lab.address(1) + "]:2222 " + publicKeyField(otherKey + ".pub") + "\n");
    String marker = "/var/lib/ssh-it-mismatch-" + UUID.randomUUID();
    try (SshRemoteShell s = new SshRemoteShell(inventory(ssh -> withKnownHosts(ssh, knownHosts)))) {
      RemoteFailure f = failure(() -> s.run("cp-1", "touch " + marker, T, OutputListener.NONE));
      assertThat(f.reason()).isEqualTo(FailureReason.HOST_KEY_MISMATCH);
      assertThat(f.getMessage())
          .contains(fingerprintOf(otherKey + ".pub"))
          .contains(fingerprintOf(hostPub(1)));
      assertThat(s.hostKeyFingerprint("cp-1")).isNull();
    }
    assertNothingRan(1, marker);
  }

  @Test
  void anUnknownHostStopsBeforeAnythingRuns() throws Exception {
    Path empty = Files.writeString(tmp.resolve("known_hosts_empty"), "");
    String marker = "/var/lib/ssh-it-unknown-" + UUID.randomUUID();
    try (SshRemoteShell s = new SshRemoteShell(inventory(ssh -> withKnownHosts(ssh, empty)))) {
      RemoteFailure f = failure(() -> s.run("cp-2", "touch " + marker, T, OutputListener.NONE));
      assertThat(f.reason()).isEqualTo(FailureReason.HOST_KEY_UNKNOWN);
      assertThat(f.getMessage())
          .contains(fingerprintOf(hostPub(2)))
          .contains("ssh-keyscan")
          .contains(" -- '" + lab.address(2) + "' ")
          .contains("hostKeyFingerprint");
    }
    assertNothingRan(2, marker);
  }

  @Test
  void aRevokedHostKeyIsRefusedThoughAPlainLineForItComesFirst() throws Exception {
    // The lab's own known_hosts (a plain line per node), then cp-1's key marked @revoked: OpenSSH
    // refuses cp-1, and so must we; cp-2, whose key is not revoked, still works.
    Path knownHosts = tmp.resolve("known_hosts_revoked");
    Files.writeString(
        knownHosts,
        Files.readString(lab.knownHosts())
            + "@revoked ["
            + lab.address(1)
            + "]:2222 "
            + publicKeyField(hostPub(1).toString())
            + "\n");
    String marker = "/var/lib/ssh-it-revoked-" + UUID.randomUUID();
    try (SshRemoteShell s = new SshRemoteShell(inventory(ssh -> withKnownHosts(ssh, knownHosts)))) {
      RemoteFailure f = failure(() -> s.run("cp-1", "touch " + marker, T, OutputListener.NONE));
      assertThat(f.reason()).isEqualTo(FailureReason.HOST_KEY_REVOKED);
      assertThat(f.getMessage())
          .contains("SSH-010")
          .contains("@revoked")
          .contains(fingerprintOf(hostPub(1)));
      assertThat(s.hostKeyFingerprint("cp-1")).isNull();
      assertThat(s.run("cp-2", "echo ok", T, OutputListener.NONE).stdout()).isEqualTo("ok\n");
    }
    assertNothingRan(1, marker);
  }

  @Test
  void hashedKnownHostsWork() throws Exception {
    Path hashed = Files.copy(lab.knownHosts(), tmp.resolve("known_hosts_hashed"));
    exec("ssh-keygen", "-H", "-f", hashed.toString());
    assertThat(Files.readString(hashed)).doesNotContain("127.0.0.");
    try (SshRemoteShell s = new SshRemoteShell(inventory(ssh -> withKnownHosts(ssh, hashed)))) {
      assertThat(s.run("cp-3", "echo ok", T, OutputListener.NONE).stdout()).isEqualTo("ok\n");
    }
  }

  @Test
  void aPinnedFingerprintIsCheckedInsteadOfKnownHosts() throws Exception {
    Path empty = Files.writeString(tmp.resolve("known_hosts_empty_pin"), "");
    String right = fingerprintOf(hostPub(1));
    String marker = "/var/lib/ssh-it-pinned-" + UUID.randomUUID();
    try (SshRemoteShell s =
        new SshRemoteShell(inventory(ssh -> withKnownHosts(ssh, empty), Map.of("cp-1", right)))) {
      CommandResult r = s.run("cp-1", "touch " + marker, T, OutputListener.NONE);
      assertThat(r.hostKeyFingerprint()).isEqualTo(right);
    }
    // The positive control for assertNothingRan: a command that ran left its marker.
    assertThat(lab.ssh(1, "test -e " + marker).exitCode()).isZero();

    String wrong = fingerprintOf(keygen("pin-wrong") + ".pub");
    String marker2 = "/var/lib/ssh-it-pinned-wrong-" + UUID.randomUUID();
    // known_hosts is right here: a wrong pin must not fall back to it.
    try (SshRemoteShell s = new SshRemoteShell(inventory(ssh -> ssh, Map.of("cp-1", wrong)))) {
      RemoteFailure f = failure(() -> s.run("cp-1", "touch " + marker2, T, OutputListener.NONE));
      assertThat(f.reason()).isEqualTo(FailureReason.HOST_KEY_MISMATCH);
      assertThat(f.getMessage()).contains(wrong).contains(right);
    }
    assertNothingRan(1, marker2);
  }

  @Test
  void aKeyTheNodeDoesNotKnowIsAuthFailed() throws Exception {
    Path stranger = keygen("stranger");
    try (SshRemoteShell s =
        new SshRemoteShell(inventory(ssh -> withIdentity(ssh, stranger), Map.of()))) {
      RemoteFailure f = failure(() -> s.run("cp-1", "true", T, OutputListener.NONE));
      assertThat(f.reason()).isEqualTo(FailureReason.AUTH_FAILED);
      assertThat(f.getMessage()).contains(stranger.toString());
    }
    Path missing = tmp.resolve("no-such-key");
    try (SshRemoteShell s =
        new SshRemoteShell(inventory(ssh -> withIdentity(ssh, missing), Map.of()))) {
      RemoteFailure f = failure(() -> s.run("cp-1", "true", T, OutputListener.NONE));
      assertThat(f.reason()).isEqualTo(FailureReason.AUTH_FAILED);
      assertThat(f.getMessage()).contains(missing.toString());
    }
  }

  @Test
  void aHostWithoutSshdIsUnreachableQuickly() {
    Inventory inv = inventory(UnaryOperator.identity(), Map.of());
    List<Inventory.Member> members = new ArrayList<>(inv.members());
    members.add(member("ghost", "127.0.0.99", null));
    Inventory withGhost =
        new Inventory(
            inv.source(),
            inv.cluster(),
            inv.ssh(),
            inv.etcd(),
            members,
            inv.validate(),
            inv.roles(),
            inv.secretPatterns());
    try (SshRemoteShell s = new SshRemoteShell(withGhost)) {
      long start = System.nanoTime();
      RemoteFailure f = failure(() -> s.run("ghost", "true", T, OutputListener.NONE));
      assertThat(f.reason()).isEqualTo(FailureReason.HOST_UNREACHABLE);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }
  }

  @Test
  void anUnknownNodeIsAnIllegalArgument() {
    assertThatThrownBy(() -> shell.run("cp-9", "true", T, OutputListener.NONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cp-9");
  }

  @Test
  void aTimeoutEndsTheCommandOnTheNode() throws Exception {
    Lines lines = new Lines();
    long start = System.nanoTime();
    RemoteFailure f =
        failure(
            () ->
                shell.run(
                    "cp-2",
                    "echo started; sleep 30.123; echo never",
                    Duration.ofSeconds(2),
                    lines));
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(f.reason()).isEqualTo(FailureReason.TIMEOUT);
    assertThat(f.result().exitStatus()).isEqualTo(124);
    assertThat(f.result().stdout()).isEqualTo("started\n");
    assertThat(lines.out).containsExactly("started");
    assertThat(took).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(5));
    // Nodes share the host's PID namespace; [.] keeps pgrep's own shell from matching.
    assertThat(lab.ssh(2, "pgrep -af 'sleep 30[.]123' || echo none").output().strip())
        .isEqualTo("none");
    // The connection is still good after a timeout.
    assertThat(shell.run("cp-2", "echo after", T, OutputListener.NONE).stdout())
        .isEqualTo("after\n");
  }

  @Test
  void outputHeldOpenByABackgroundProcessIsATimeoutNotAHang() {
    long start = System.nanoTime();
    try {
      RemoteFailure f =
          failure(() -> shell.run("cp-2", "setsid sleep 30.456 & echo hi", T, OutputListener.NONE));
      assertThat(f.reason()).isEqualTo(FailureReason.TIMEOUT);
      assertThat(f.result().exitStatus()).isZero();
      assertThat(f.result().stdout()).isEqualTo("hi\n");
      assertThat(f.getMessage()).contains("background");
      // Not the whole 30 s timeout: the exit status came, the output stayed open.
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isLessThan(SshRemoteShell.OUTPUT_GRACE.plusSeconds(3));
    } finally {
      lab.ssh(2, "pkill -f 'sleep 30[.]456'");
    }
  }

  @Test
  void aBrokenConnectionIsConnectionLostAndTheNextCommandReconnects() throws Exception {
    String before = shell.run("cp-3", "echo \"$SSH_CONNECTION\"", T, OutputListener.NONE).stdout();
    CompletableFuture<Long> commandPid = new CompletableFuture<>();
    CompletableFuture<RemoteFailure> failed =
        CompletableFuture.supplyAsync(
            () ->
                failure(
                    () ->
                        shell.run(
                            "cp-3",
                            "echo $$; sleep 20",
                            T,
                            new OutputListener() {
                              @Override
                              public void stdout(String node, String line) {
                                commandPid.complete(Long.parseLong(line.strip()));
                              }
                            })));
    // Nodes share the host's PID namespace: kill the sshd processes serving this session (the
    // session's own sshd and its privileged monitor), not the node's listening sshd.
    List<ProcessHandle> sessionSshd = sshdAncestors(commandPid.get(10, TimeUnit.SECONDS));
    assertThat(sessionSshd).hasSizeGreaterThanOrEqualTo(2);
    sessionSshd.subList(0, sessionSshd.size() - 1).forEach(ProcessHandle::destroyForcibly);

    RemoteFailure f = failed.get(15, TimeUnit.SECONDS);
    assertThat(f.reason()).isEqualTo(FailureReason.CONNECTION_LOST);
    String after = shell.run("cp-3", "echo \"$SSH_CONNECTION\"", T, OutputListener.NONE).stdout();
    assertThat(after).isNotEqualTo(before); // a new connection, from another client port
  }

  /** The sshd processes above {@code pid}, nearest first; the last is the listening one. */
  static List<ProcessHandle> sshdAncestors(long pid) {
    List<ProcessHandle> sshd = new ArrayList<>();
    Optional<ProcessHandle> p = ProcessHandle.of(pid).flatMap(ProcessHandle::parent);
    while (p.isPresent()) {
      if (p.get().info().command().orElse("").endsWith("/sshd")) {
        sshd.add(p.get());
      } else if (!sshd.isEmpty()) {
        break;
      }
      p = p.get().parent();
    }
    return sshd;
  }

  @Test
  void sftpWriteReadAndUploadRoundTripWithModes() throws Exception {
    String dir = "/var/lib/ssh-it-sftp";
    shell.check("cp-1", "mkdir -p " + dir, T, OutputListener.NONE);
    String path = dir + "/config.yaml";
    byte[] first = "first: 1\n".getBytes(StandardCharsets.UTF_8);
    shell.write("cp-1", path, first, 0640);
    assertThat(shell.read("cp-1", path)).isEqualTo(first);
    assertThat(perms(lab.nodePath(1, path))).isEqualTo("rw-r-----");

    byte[] second = "second: 2\n".getBytes(StandardCharsets.UTF_8);
    shell.write("cp-1", path, second, 0600);
    assertThat(shell.read("cp-1", path)).isEqualTo(second);
    assertThat(Files.readAllBytes(lab.nodePath(1, path))).isEqualTo(second);
    assertThat(perms(lab.nodePath(1, path))).isEqualTo("rw-------");
    assertThat(lab.nodePath(1, path + ".part")).doesNotExist();

    // Only that node has the file: nodes see their own /var/lib.
    assertThat(lab.nodePath(2, path)).doesNotExist();

    Path local = tmp.resolve("snapshot.db");
    byte[] big = new byte[5 * 1024 * 1024 + 123];
    new Random(42).nextBytes(big);
    Files.write(local, big);
    String remote = dir + "/snapshot.db";
    long start = System.nanoTime();
    shell.upload("cp-1", local, remote);
    System.out.printf(
        "upload of %d bytes: %d ms%n", big.length, (System.nanoTime() - start) / 1_000_000);
    assertThat(perms(lab.nodePath(1, remote))).isEqualTo("rw-------");
    assertThat(lab.nodePath(1, remote + ".part")).doesNotExist();
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(big));
    assertThat(shell.check("cp-1", "sha256sum " + remote, T, OutputListener.NONE).stdout())
        .startsWith(sha + " ");

    RemoteFailure missing = failure(() -> shell.read("cp-1", dir + "/no-such-file"));
    assertThat(missing.reason()).isEqualTo(FailureReason.NON_ZERO_EXIT);
    RemoteFailure noDir = failure(() -> shell.write("cp-1", "/no/such/dir/f", first, 0600));
    assertThat(noDir.reason()).isEqualTo(FailureReason.NON_ZERO_EXIT);
  }

  // ---------------------------------------------------------------------------------------------

  /** Records lines in arrival order. */
  static final class Lines implements OutputListener {
    final List<String> out = Collections.synchronizedList(new ArrayList<>());
    final List<String> err = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void stdout(String node, String line) {
      out.add(line);
    }

    @Override
    public void stderr(String node, String line) {
      err.add(line);
    }
  }

  static Inventory inventory(UnaryOperator<Inventory.Ssh> ssh) {
    return inventory(ssh, Map.of());
  }

  /** The lab's inventory, built directly; {@code pins} maps member names to pinned keys. */
  static Inventory inventory(UnaryOperator<Inventory.Ssh> ssh, Map<String, String> pins) {
    Inventory.Ssh base =
        new Inventory.Ssh(
            "root", 2222, lab.identityFile(), lab.knownHosts(), false, Duration.ofSeconds(5));
    List<Inventory.Member> members = new ArrayList<>();
    for (int n = 1; n <= lab.members(); n++) {
      members.add(member("cp-" + n, lab.address(n), pins.get("cp-" + n)));
    }
    return new Inventory(
        lab.inventory(),
        "lab",
        ssh.apply(base),
        new Inventory.Etcd(
            "stacked",
            "/etc/kubernetes/manifests",
            "/var/lib/etcd",
            new Inventory.Pki(
                "/etc/kubernetes/pki/etcd/ca.crt",
                "/etc/kubernetes/pki/etcd/server.crt",
                "/etc/kubernetes/pki/etcd/server.key"),
            null),
        members,
        new Inventory.Validate(null),
        new HashMap<>(),
        List.of());
  }

  static Inventory.Member member(String name, String address, String pin) {
    return new Inventory.Member(
        name,
        address,
        URI.create("https://" + address + ":2379"),
        URI.create("https://" + address + ":2380"),
        pin);
  }

  static Inventory.Ssh withKnownHosts(Inventory.Ssh s, Path knownHosts) {
    return new Inventory.Ssh(
        s.user(), s.port(), s.identityFile(), knownHosts, s.sudo(), s.connectTimeout());
  }

  static Inventory.Ssh withIdentity(Inventory.Ssh s, Path identity) {
    return new Inventory.Ssh(
        s.user(), s.port(), identity, s.knownHosts(), s.sudo(), s.connectTimeout());
  }

  static RemoteFailure failure(Runnable r) {
    RemoteFailure f = catchThrowableOfType(r::run, RemoteFailure.class);
    assertThat(f).as("a RemoteFailure").isNotNull();
    return f;
  }

  static void assertNothingRan(int node, String marker) {
    assertThat(lab.nodePath(node, marker)).doesNotExist();
    assertThat(lab.ssh(node, "test -e " + marker).exitCode()).isEqualTo(1);
  }

  static Path hostPub(int node) {
    return lab.dir().resolve("nodes/cp-" + node + "/ssh/ssh_host_ed25519_key.pub");
  }

  static String fingerprintOf(Object pubFile) throws Exception {
    return exec("ssh-keygen", "-l", "-E", "sha256", "-f", pubFile.toString()).split(" ")[1];
  }

  static String publicKeyField(String pubFile) throws Exception {
    String[] f = Files.readString(Path.of(pubFile)).strip().split("\\s+");
    return f[0] + " " + f[1];
  }

  static Path keygen(String name) throws Exception {
    Path key = tmp.resolve(name);
    exec("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key.toString());
    return key;
  }

  static String perms(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  static String exec(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("%s: %s", List.of(cmd), out).isZero();
    return out;
  }
}
