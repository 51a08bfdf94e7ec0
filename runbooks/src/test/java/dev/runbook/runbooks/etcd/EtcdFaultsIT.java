package dev.runbook.runbooks.etcd;

import static dev.runbook.runbooks.etcd.EtcdRunbooksIT.outputs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.Runs;
import dev.runbook.lab.LabInstance;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input and faults for etcd-snapshot and etcd-restore-rehearsal, on a 3-member lab. */
class EtcdFaultsIT {

  static LabInstance lab;
  @TempDir Path tmp;

  @BeforeAll
  static void up() {
    lab = LabInstance.up(3, "3.5");
    lab.seed(100);
  }

  @AfterAll
  static void down() {
    lab.close();
  }

  private RunOutcome run(String runbook, Path inventory, Map<String, String> params) {
    Map<String, String> p = new LinkedHashMap<>(params);
    if (runbook.equals("etcd-snapshot")) {
      p.putIfAbsent("snapshotDir", tmp.resolve("snapshots").toString());
    } else {
      p.putIfAbsent("scratchRoot", EtcdRunbooksIT.SCRATCH);
    }
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(tmp.resolve("home")))) {
      return engine.start(runbook, inventory, p, "alice", null, EtcdRunbooksIT.as(lab, "alice"));
    }
  }

  private Path inventoryWithAccess(String access) throws Exception {
    String text = Files.readString(lab.inventory());
    Path p = tmp.resolve("inventory-" + Integer.toHexString(access.hashCode()) + ".yaml");
    Files.writeString(p, text.replaceAll("(?m)^  access: \\{.*}$", "  access: " + access));
    return p;
  }

  /** A CA, and a client certificate it signs, that the lab's etcd has never seen. */
  private Path strangerPki() throws Exception {
    Path d = Files.createDirectories(tmp.resolve("stranger"));
    sh(
        d,
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
            + " -subj /CN=stranger-ca -keyout ca.key -out ca.crt"
            + " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
            + " -subj /CN=stranger -keyout client.key -out client.csr"
            + " && openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial"
            + " -days 1 -out client.crt");
    return d;
  }

  private static void sh(Path dir, String command) throws Exception {
    Process p =
        new ProcessBuilder("sh", "-c", command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }

  @Test
  void aCaThatDoesNotSignTheServerFailsWithTheTlsReason() throws Exception {
    Path s = strangerPki();
    String pki = lab.dir().resolve("pki").toString();
    Path inv =
        inventoryWithAccess(
            "{mode: direct, cacert: "
                + s.resolve("ca.crt")
                + ", cert: "
                + pki
                + "/commander.crt, key: "
                + pki
                + "/commander.key}");
    RunOutcome o = run("etcd-snapshot", inv, Map.of());
    assertThat(o.state()).isEqualTo(RunState.FAILED);
    assertThat(o.message()).contains("TLS with etcd at https://" + lab.address(1) + ":2379 failed");
    assertThat(o.message()).containsIgnoringCase("certification path");
    assertThat(tmp.resolve("snapshots")).doesNotExist();
  }

  @Test
  void aClientCertificateTheClusterDoesNotTrustFailsWithTheTlsReason() throws Exception {
    Path s = strangerPki();
    Path inv =
        inventoryWithAccess(
            "{mode: direct, cacert: "
                + lab.dir().resolve("pki/ca.crt")
                + ", cert: "
                + s.resolve("client.crt")
                + ", key: "
                + s.resolve("client.key")
                + "}");
    RunOutcome o = run("etcd-snapshot", inv, Map.of());
    assertThat(o.state()).isEqualTo(RunState.FAILED);
    assertThat(o.message())
        .contains("etcd at https://" + lab.address(1) + ":2379")
        .containsPattern("certificate|bad_certificate|unknown_ca");
  }

  @Test
  void throughAnSshTunnelWithTheNodesOwnCertificates() throws Exception {
    RunOutcome o = run("etcd-snapshot", inventoryWithAccess("{mode: tunnel}"), Map.of());
    assertThat(o.state()).as(o.message()).isEqualTo(RunState.DONE);
    JsonNode picked = outputs(tmp.resolve("home"), o.runId(), "Task_PickVotingMember");
    assertThat(picked.path("access").asText()).contains("SSH tunnel");
    assertThat(picked.path("skipped").asText()).isEqualTo("{}");
  }

  @Test
  void aMemberThatIsDownIsSkippedAndTheEvidenceSaysWhy() throws Exception {
    String manifests = "/etc/kubernetes/manifests";
    assertThat(
            lab.ssh(1, "mv " + manifests + "/etcd.yaml /etc/kubernetes/etcd.yaml.off").exitCode())
        .isZero();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (lab.etcdctl(1, "endpoint", "health").exitCode() == 0) {
        assertThat(System.nanoTime()).as("etcd on cp-1 still answers").isLessThan(deadline);
        Thread.sleep(500);
      }
      RunOutcome o = run("etcd-snapshot", lab.inventory(), Map.of());
      assertThat(o.state()).as(o.message()).isEqualTo(RunState.DONE);
      JsonNode picked = outputs(tmp.resolve("home"), o.runId(), "Task_PickVotingMember");
      assertThat(picked.path("source").asText()).isNotEqualTo("cp-1");
      assertThat(picked.path("skipped").asText())
          .contains("cp-1")
          .contains(lab.address(1) + ":2379");
    } finally {
      lab.ssh(1, "mv /etc/kubernetes/etcd.yaml.off " + manifests + "/etcd.yaml");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (lab.etcdctl(1, "endpoint", "health").exitCode() != 0 && System.nanoTime() < deadline) {
        Thread.sleep(500);
      }
    }
  }

  @Test
  void aFullBackupDirFailsCleanlyAndLeavesThePreviousBackupsAlone() throws Exception {
    String dir = "/var/lib/full-backups";
    String previous = "etcd-snapshot-lab-20200101T000000Z-00000000.db";
    assertThat(
            lab.ssh(
                    2,
                    "mkdir -p "
                        + dir
                        + " && mount -t tmpfs -o size=64k tmpfs "
                        + dir
                        + " && echo old > "
                        + dir
                        + "/"
                        + previous)
                .exitCode())
        .isZero();
    try {
      RunOutcome o =
          run("etcd-snapshot", lab.inventory(), Map.of("backupNodes", "cp-2", "backupDir", dir));
      assertThat(o.state()).isEqualTo(RunState.FAILED);
      assertThat(o.message()).contains("KiB free").contains(dir);
      assertThat(lab.ssh(2, "ls -A " + dir + "; cat " + dir + "/" + previous).output())
          .isEqualTo(previous + "\nold\n");
    } finally {
      lab.ssh(2, "umount " + dir);
    }
  }

  @Test
  void aBackupDirThatCannotBeMadeFailsWithTheNodesReason() throws Exception {
    RunOutcome o =
        run(
            "etcd-snapshot",
            lab.inventory(),
            Map.of("backupNodes", "cp-2", "backupDir", "/etc/hostname/backups"));
    assertThat(o.state()).isEqualTo(RunState.FAILED);
    assertThat(o.message()).contains("Not a directory");
  }

  @Test
  void damagedSnapshotsAreRefusedBeforeAnyNodeIsTouched() throws Exception {
    RunOutcome taken = run("etcd-snapshot", lab.inventory(), Map.of());
    assertThat(taken.state()).as(taken.message()).isEqualTo(RunState.DONE);
    Path good =
        Path.of(
            outputs(tmp.resolve("home"), taken.runId(), "Task_TakeSnapshot").path("file").asText());
    long size = Files.size(good);

    Path flipped = Files.copy(good, tmp.resolve("flipped.db"));
    try (RandomAccessFile f = new RandomAccessFile(flipped.toFile(), "rw")) {
      f.seek(size / 2);
      int b = f.read();
      f.seek(size / 2);
      f.write(b ^ 0xff);
    }
    Path truncated = Files.copy(good, tmp.resolve("truncated.db"));
    try (RandomAccessFile f = new RandomAccessFile(truncated.toFile(), "rw")) {
      f.setLength(size - 1000);
    }
    Path noTrailer = Files.copy(good, tmp.resolve("no-trailer.db"));
    try (RandomAccessFile f = new RandomAccessFile(noTrailer.toFile(), "rw")) {
      f.setLength(size - 32);
    }
    Path empty = Files.createFile(tmp.resolve("empty.db"));
    Path missing = tmp.resolve("missing.db");

    Map<Path, String> expected = new LinkedHashMap<>();
    expected.put(flipped, "trailer-mismatch");
    expected.put(truncated, "size");
    expected.put(noTrailer, "size");
    expected.put(empty, "empty");
    expected.put(missing, "missing");
    // The plan reads the snapshot on the engine host, so a damaged one is bad input: refused
    // before a run exists (no run id, no lock, no connection), naming the file's failed check.
    int runsBefore = Runs.list(tmp.resolve("home")).size();
    for (var e : expected.entrySet()) {
      assertThatThrownBy(
              () ->
                  run(
                      "etcd-restore-rehearsal",
                      lab.inventory(),
                      Map.of("snapshot", e.getKey().toString())))
          .as(e.getKey().toString())
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("Task_VerifySnapshot")
          .hasMessageContaining("check " + e.getValue() + " failed");
    }
    assertThat(Runs.list(tmp.resolve("home"))).hasSize(runsBefore);
    assertThat(lab.ssh(1, "ls -A " + EtcdRunbooksIT.SCRATCH + " 2>/dev/null").output())
        .doesNotContain("etcd-rehearsal-");
  }
}
