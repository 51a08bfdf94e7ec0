package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.engine.api.Inventory;
import dev.runbook.lab.LabInstance;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runbook inventory init} against a lab of {@link #members()} members and etcd {@link
 * #etcd()}: the inventory it writes must say what the lab's own inventory says, field by field, and
 * must drive real runs. One lab per subclass; the subclasses add what needs their lab size.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class InventoryInitLab {

  LabInstance lab;
  Inventory labInventory;
  @TempDir Path tmp;
  Cli cli;

  abstract int members();

  abstract String etcd();

  @BeforeAll
  void up() {
    lab = LabInstance.up(members(), etcd());
    labInventory = Inventory.load(lab.inventory());
  }

  @AfterAll
  void down() {
    if (lab != null) {
      lab.close();
    }
  }

  @BeforeEach
  void home() {
    cli = new Cli(tmp.resolve("home"), lab.people());
  }

  /** The lab's first member: the node init reads. */
  Inventory.Member seed() {
    return labInventory.members().get(0);
  }

  /** {@code inventory init} on the seed with the lab's key and {@code knownHosts}. */
  Cli.Result init(Path knownHosts, Path out, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "inventory",
                "init",
                "--ssh",
                labInventory.ssh().user() + "@" + seed().host(),
                "--port",
                Integer.toString(labInventory.ssh().port()),
                "--identity",
                labInventory.ssh().identityFile().toString(),
                "--known-hosts",
                knownHosts.toString(),
                "--allowed-signers",
                lab.allowedSigners().toString()));
    if (out != null) {
      args.addAll(List.of("--out", out.toString()));
    }
    args.addAll(List.of(more));
    return cli.run(args.toArray(String[]::new));
  }

  /** The inventory init writes with the lab's known_hosts, checked against the lab's. */
  Path written() {
    Path out = tmp.resolve("discovered.yaml");
    Cli.Result r = init(labInventory.ssh().knownHosts(), out);
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.err()).as("every member's host key is in the lab's known_hosts").isEmpty();
    return out;
  }

  @Test
  void theWrittenInventorySaysWhatTheLabsSaysFieldByField() throws IOException {
    Path out = written();
    assertThat(out.resolveSibling("discovered.yaml.part")).doesNotExist();
    Inventory found = Inventory.load(out);
    assertThat(byName(found)).isEqualTo(byName(labInventory));
    assertThat(found.etcd().pki()).isEqualTo(labInventory.etcd().pki());
    assertThat(found.etcd().dataDir()).isEqualTo(labInventory.etcd().dataDir());
    assertThat(found.etcd().manifestDir()).isEqualTo(labInventory.etcd().manifestDir());
    assertThat(found.etcd().topology()).isEqualTo(labInventory.etcd().topology());
    assertThat(found.ssh()).isEqualTo(labInventory.ssh());
    assertThat(found.etcd().access().mode()).isEqualTo("tunnel");

    String text = Files.readString(out);
    assertThat(text)
        .contains("# --data-dir in " + seed().name() + "'s etcd.yaml")
        .contains("# member list")
        .contains("# from --ssh");
    // Without --out, the same inventory goes to stdout and nothing is written.
    Cli.Result toStdout = init(labInventory.ssh().knownHosts(), null, "--cluster", "lab-copy");
    assertThat(toStdout.code()).as(toStdout.toString()).isZero();
    Path copy = tmp.resolve("stdout.yaml");
    Files.writeString(copy, toStdout.out());
    Inventory fromStdout = Inventory.load(copy);
    assertThat(fromStdout.cluster()).isEqualTo("lab-copy");
    assertThat(byName(fromStdout)).isEqualTo(byName(labInventory));

    // A second init to the same file is refused, and the file stays as it was.
    Cli.Result again = init(labInventory.ssh().knownHosts(), out);
    assertThat(again.code()).as(again.toString()).isEqualTo(2);
    assertThat(again.err()).contains("already exists");
    assertThat(Files.readString(out)).isEqualTo(text);
  }

  @Test
  void theWrittenInventoryDrivesSshCheckASnapshotAndARestorePlan() throws IOException {
    String inv = written().toString();
    Cli.Result check = cli.run("run", "ssh-check", "-i", inv, "--as", "alice");
    assertThat(check.code()).as(check.toString()).isEqualTo(3);
    Cli.Result approved =
        cli.run("approve", check.runId(), "--as", "bob", "--comment", "inventory read");
    assertThat(approved.code()).as(approved.toString()).isZero();

    Path snapshot = snapshot(inv);
    Cli.Result plan =
        cli.run(
            "plan",
            "etcd-restore",
            "-i",
            inv,
            "-p",
            "snapshot=" + snapshot,
            "--out",
            tmp.resolve("plan.md").toString());
    assertThat(plan.code()).as(plan.toString()).isZero();
    String planText = Files.readString(tmp.resolve("plan.md"));
    for (Inventory.Member m : labInventory.members()) {
      assertThat(planText).contains(m.name());
    }
  }

  /** etcd-snapshot with {@code inv}; returns the snapshot file on the engine host. */
  Path snapshot(String inv) throws IOException {
    Path dir = tmp.resolve("snapshots-" + System.nanoTime());
    Cli.Result r =
        cli.run("run", "etcd-snapshot", "-i", inv, "--as", "alice", "-p", "snapshotDir=" + dir);
    assertThat(r.code()).as(r.toString()).isZero();
    try (var files = Files.list(dir)) {
      List<Path> dbs = files.filter(p -> p.toString().endsWith(".db")).toList();
      assertThat(dbs).hasSize(1);
      return dbs.get(0);
    }
  }

  static Map<String, List<Object>> byName(Inventory inv) {
    return inv.members().stream()
        .collect(
            Collectors.toMap(
                Inventory.Member::name,
                m -> List.of(m.host(), m.clientUrl(), m.peerUrl()),
                (a, b) -> a,
                TreeMap::new));
  }

  /** The fingerprints (SHA256:...) of the lab's known_hosts lines, by their host field. */
  Map<String, String> labFingerprints() throws IOException {
    return Files.readAllLines(labInventory.ssh().knownHosts()).stream()
        .filter(l -> !l.isBlank() && !l.startsWith("#"))
        .collect(
            Collectors.toMap(
                l -> l.split("\\s+")[0], l -> fingerprint(l.split("\\s+")[2]), (a, b) -> a));
  }

  /** The known_hosts host field OpenSSH writes for {@code host} on the lab's port. */
  String knownHostsName(String host) {
    int port = labInventory.ssh().port();
    return port == 22 ? host : "[" + host + "]:" + port;
  }

  static String fingerprint(String base64Key) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(Base64.getDecoder().decode(base64Key));
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs {@code command} with sh on this machine; returns stdout and stderr together. */
  static String sh(String command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return output;
  }
}
