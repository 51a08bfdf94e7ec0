package dev.runbook.runbooks.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.Identity;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.Reports;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.engine.api.Runs;
import dev.runbook.lab.LabInstance;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Off-site copies on a 1-member lab with its S3-compatible store (S3Proxy): etcd-snapshot uploads
 * and reads back, the rehearsal restores from {@code s3://}, a multipart upload round-trips, and a
 * store that is down, a wrong credential and a damaged object are each their own error code with
 * the local snapshot kept and nothing used. The store's secret appears nowhere the engine writes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public class ObjectStoreIT {

  static final ObjectMapper JSON = new ObjectMapper();
  static final String MARKER = "/registry/configmaps/etcd-lab/restore-marker";
  static LabInstance lab;
  static String secret;
  @TempDir static Path tmp;

  @BeforeAll
  static void up() throws IOException {
    lab = LabInstance.up(1, "3.5", null, true);
    lab.seed(200);
    assertThat(lab.etcdctl(1, "put", MARKER, "before-snapshot").exitCode()).isZero();
    LabInstance.ObjectStore store = lab.objectStore();
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(store.credentialsFile())))
        .isEqualTo("rw-------");
    secret =
        Files.readAllLines(store.credentialsFile()).stream()
            .filter(l -> l.startsWith("aws_secret_access_key"))
            .map(l -> l.replaceFirst(".*=\\s*", ""))
            .findFirst()
            .orElseThrow();
    assertThat(secret).hasSizeGreaterThan(20);
  }

  @AfterAll
  static void down() {
    lab.close();
  }

  /** What the console got (EtcdBackupCheckIT's too). */
  public static final class Console implements RunListener {
    public final StringBuilder text = new StringBuilder();

    @Override
    public synchronized void event(RunEvent event) {
      text.append(event).append('\n');
    }

    @Override
    public synchronized void output(String node, boolean stderr, String line) {
      text.append(node).append("| ").append(line).append('\n');
    }

    @Override
    public synchronized void notice(String message) {
      text.append(message).append('\n');
    }
  }

  private static RunOutcome run(
      Path home, Path inventory, String runbook, Map<String, String> params, Console console) {
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home).withListener(console))) {
      return engine.start(
          runbook,
          inventory,
          params,
          "alice",
          null,
          new Identity.KeyFile(lab.people().resolve("alice"), null));
    }
  }

  private static RunOutcome snapshot(Path home, Path inventory, Path dir, Console console) {
    return run(
        home,
        inventory,
        "etcd-snapshot",
        Map.of("snapshotDir", dir.toString(), "objectStore", "s3://lab-backups/etcd/lab"),
        console);
  }

  /** etcd-restore-rehearsal from {@code s3://lab-backups/KEY}, downloaded into {@code dir}. */
  private static RunOutcome rehearse(Path home, String key, Path dir, Console console) {
    return run(
        home,
        lab.inventory(),
        "etcd-restore-rehearsal",
        Map.of(
            "snapshot",
            "s3://lab-backups/" + key,
            "snapshotDir",
            dir.toString(),
            "scratchRoot",
            "/var/lib/rehearsals"),
        console);
  }

  @Test
  void aSnapshotGoesToTheStoreIsReadBackAndTheRehearsalRestoresItFromS3() throws Exception {
    Path home = tmp.resolve("home-ok");
    Console console = new Console();
    RunOutcome snap = snapshot(home, lab.inventory(), tmp.resolve("snapshots-ok"), console);
    assertThat(snap.state()).as(snap.message() + "\n" + console.text).isEqualTo(RunState.DONE);
    JsonNode taken = outputs(home, snap.runId(), "Task_TakeSnapshot");
    JsonNode up = outputs(home, snap.runId(), "Task_UploadToObjectStore");
    String sha = taken.path("sha256").asText();
    String key = "etcd/lab/" + taken.path("fileName").asText();
    assertThat(up.path("url").asText()).isEqualTo("s3://lab-backups/" + key);
    assertThat(up.path("key").asText()).isEqualTo(key);
    assertThat(up.path("storedSha256").asText()).isEqualTo(sha);
    assertThat(up.path("readBackSha256").asText()).isEqualTo(sha);
    assertThat(up.path("size").asLong()).isEqualTo(taken.path("size").asLong());
    // The bytes on the store's disk are the snapshot's.
    assertThat(sha256(lab.objectStoreFile(key))).isEqualTo(sha);
    assertThat(Runs.verify(home, snap.runId()).ok()).isTrue();
    String md = Reports.render(EngineOptions.of(home), snap.runId(), Reports.Format.MD).text();
    assertThat(md).contains(key).contains(sha);

    Path fetched = tmp.resolve("fetched");
    Console console2 = new Console();
    RunOutcome rehearsal = rehearse(home, key, fetched, console2);
    assertThat(rehearsal.state())
        .as(rehearsal.message() + "\n" + console2.text)
        .isEqualTo(RunState.DONE);
    JsonNode fetch = outputs(home, rehearsal.runId(), "Task_FetchSnapshot");
    Path local = fetched.resolve(taken.path("fileName").asText());
    assertThat(fetch.path("file").asText()).isEqualTo(local.toString());
    assertThat(fetch.path("storedSha256").asText()).isEqualTo(sha);
    assertThat(sha256(local)).isEqualTo(sha);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(local)))
        .isEqualTo("rw-------");
    try (Stream<Path> files = Files.list(fetched)) {
      assertThat(files).containsExactly(local); // no .part left
    }
    JsonNode verified = outputs(home, rehearsal.runId(), "Task_VerifySnapshot");
    assertThat(verified.path("file").asText()).isEqualTo(local.toString());
    JsonNode checked = outputs(home, rehearsal.runId(), "Task_CheckRestoredData");
    assertThat(checked.path("marker").asText()).isEqualTo("before-snapshot");
    assertThat(checked.path("revision").asLong()).isEqualTo(taken.path("revision").asLong());
    assertThat(Runs.verify(home, rehearsal.runId()).ok()).isTrue();

    assertNoSecret(home, snap.runId(), console);
    assertNoSecret(home, rehearsal.runId(), console2);
  }

  /**
   * etcd-restore from {@code s3://}, bound to a probed plan: the fetch checks the stored digest
   * against expectSha256, the restored cluster serves the snapshot's marker, and what went to the
   * node is what the plan showed (the fetched file's path, the same in plan and run). Last: a
   * snapshot of the cluster it restored (revision bumped, marked compacted) fails the snapshot
   * checker's bbolt content check, which the other cases' snapshots would hit.
   */
  @Test
  @Order(Integer.MAX_VALUE)
  void etcdRestoreTakesItsSnapshotFromTheStore() throws Exception {
    Path home = tmp.resolve("home-restore");
    RunOutcome snap =
        snapshot(home, lab.inventory(), tmp.resolve("snapshots-restore"), new Console());
    assertThat(snap.state()).as(snap.message()).isEqualTo(RunState.DONE);
    JsonNode up = outputs(home, snap.runId(), "Task_UploadToObjectStore");
    assertThat(lab.etcdctl(1, "put", MARKER, "after-snapshot").exitCode()).isZero();
    Path fetched = tmp.resolve("fetched-restore");
    Map<String, String> params =
        Map.of(
            "snapshot", up.path("url").asText(),
            "expectSha256", up.path("sha256").asText(),
            "snapshotDir", fetched.toString(),
            "safetySnapshotDir", lab.dir().resolve("safety").toString(),
            "stopTimeout", "PT1M",
            "healthTimeout", "PT1M");
    dev.runbook.engine.api.RunbookPlan plan =
        RunbookEngine.plan(EngineOptions.of(home), "etcd-restore", lab.inventory(), params, true);
    assertThat(plan.markdown()).contains("downloads " + up.path("url").asText());
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home))) {
      RunOutcome r =
          engine.start(
              "etcd-restore",
              lab.inventory(),
              params,
              "alice",
              plan.sha256(),
              new Identity.KeyFile(lab.people().resolve("alice"), null));
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.WAITING);
      r =
          engine.approve(
              r.runId(),
              "Gate_ApproveStop",
              "bob",
              "plan read",
              new Identity.KeyFile(lab.people().resolve("bob"), null));
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.WAITING);
      r =
          engine.approve(
              r.runId(),
              "Gate_ApproveRestart",
              "carol",
              "diffs read",
              new Identity.KeyFile(lab.people().resolve("carol"), null));
      assertThat(r.state()).as(r.message()).isEqualTo(RunState.DONE);
      JsonNode fetch = outputs(home, r.runId(), "Task_FetchSnapshot");
      assertThat(fetch.path("storedSha256").asText()).isEqualTo(up.path("sha256").asText());
      assertThat(sha256(Path.of(fetch.path("file").asText())))
          .isEqualTo(up.path("sha256").asText());
      assertThat(Runs.verify(home, r.runId()).ok()).isTrue();
    }
    LabInstance.Result marker = lab.etcdctl(1, "get", MARKER, "--print-value-only");
    assertThat(marker.output().strip()).isEqualTo("before-snapshot");
  }

  @Test
  void aLargeFileGoesUpInPartsAndComesBackWholeWithItsDigest() throws Exception {
    Path file = tmp.resolve("large.bin");
    byte[] bytes = new byte[12 * 1024 * 1024 + 12345];
    new Random(42).nextBytes(bytes);
    Files.write(file, bytes);
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    Inventory.ObjectStore store = Inventory.load(lab.inventory()).store().orElseThrow();
    S3Location loc = new S3Location("lab-backups", "multipart/large.bin");
    try (ObjectStoreClient client = ObjectStoreClient.open(store, Map.of())) {
      ObjectStoreClient.Stored stored =
          client.upload(file, loc, sha, ObjectStoreClient.MIN_PART_SIZE);
      assertThat(stored.size()).isEqualTo(bytes.length);
      assertThat(stored.sha256()).isEqualTo(sha);
      // A multipart object's ETag is the parts' digest with their count: 3 parts of 5 MiB.
      assertThat(stored.etag()).endsWith("-3\"");
      java.io.ByteArrayOutputStream back = new java.io.ByteArrayOutputStream();
      ObjectStoreClient.Downloaded d = client.download(loc, back);
      assertThat(d.sha256()).isEqualTo(sha);
      assertThat(back.toByteArray()).isEqualTo(bytes);
    }
  }

  @Test
  void aStoreThatIsDownIsUnreachableAndTheLocalSnapshotIsKept() throws Exception {
    Path home = tmp.resolve("home-down");
    Path dir = tmp.resolve("snapshots-down");
    Console console = new Console();
    lab.stopObjectStore();
    RunOutcome snap;
    try {
      snap = snapshot(home, lab.inventory(), dir, console);
    } finally {
      lab.startObjectStore();
    }
    assertThat(snap.state()).as(snap.message()).isEqualTo(RunState.FAILED);
    assertThat(errorCodes(home, snap.runId())).containsExactly("OBJECT_STORE_UNREACHABLE");
    assertThat(snap.message() + failures(home, snap.runId())).contains("cannot be reached");
    assertTheSnapshotIsKept(home, snap.runId(), dir);
  }

  /**
   * A store whose disk is full, as S3Proxy on a tiny tmpfs over the bucket's directory: it answers
   * a bare HTTP 500, the upload fails saying the store failed on its side, no object is left under
   * the key, and the local snapshot is kept. Mounting needs root, as the lab does; without it the
   * test fails rather than skip.
   */
  @Test
  void aStoreWithAFullDiskFailsTheUploadAndTheLocalSnapshotIsKept() throws Exception {
    Path bucketDir = lab.objectStoreFile("probe").getParent();
    Path home = tmp.resolve("home-full");
    Path dir = tmp.resolve("snapshots-full");
    Console console = new Console();
    mount(bucketDir, "size=8k");
    RunOutcome snap;
    JsonNode taken;
    try {
      snap = snapshot(home, lab.inventory(), dir, console);
      taken = outputs(home, snap.runId(), "Task_TakeSnapshot");
      Inventory.ObjectStore store = Inventory.load(lab.inventory()).store().orElseThrow();
      try (ObjectStoreClient client = ObjectStoreClient.open(store, Map.of())) {
        assertThat(
                client.head(
                    new S3Location("lab-backups", "etcd/lab/" + taken.path("fileName").asText())))
            .isEmpty();
      }
    } finally {
      umount(bucketDir);
    }
    assertThat(snap.state()).as(snap.message()).isEqualTo(RunState.FAILED);
    assertThat(errorCodes(home, snap.runId())).containsExactly("STEP_FAILED");
    assertThat(failures(home, snap.runId()))
        .contains("HTTP 500")
        .contains("the store failed on its side");
    assertTheSnapshotIsKept(home, snap.runId(), dir);
    assertNoSecret(home, snap.runId(), console);
  }

  /**
   * An object lock asked of a store without one (S3Proxy's filesystem backend): refused before
   * anything is uploaded, the local snapshot kept; the run does not claim a protection it lacks.
   */
  @Test
  void anObjectLockTheStoreCannotKeepIsRefusedBeforeTheUpload() throws Exception {
    Path home = tmp.resolve("home-lock");
    Path dir = tmp.resolve("snapshots-lock");
    Console console = new Console();
    RunOutcome snap =
        run(
            home,
            lab.inventory(),
            "etcd-snapshot",
            Map.of(
                "snapshotDir",
                dir.toString(),
                "objectStore",
                "s3://lab-backups/etcd/locked",
                "objectLock",
                "governance:1"),
            console);
    assertThat(snap.state()).as(snap.message()).isEqualTo(RunState.FAILED);
    assertThat(errorCodes(home, snap.runId())).containsExactly("STEP_FAILED");
    assertThat(failures(home, snap.runId()))
        .contains("has no object lock enabled")
        .contains("nothing was uploaded");
    Inventory.ObjectStore store = Inventory.load(lab.inventory()).store().orElseThrow();
    try (ObjectStoreClient client = ObjectStoreClient.open(store, Map.of())) {
      assertThat(client.children(new S3Location("lab-backups", "etcd/locked"))).isEmpty();
    }
    assertTheSnapshotIsKept(home, snap.runId(), dir);
  }

  private static void mount(Path dir, String options) throws Exception {
    Process p =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor())
        .as("mounting a small tmpfs to fill the store's disk needs root: " + out)
        .isZero();
  }

  private static void umount(Path dir) throws Exception {
    Process p = new ProcessBuilder("umount", dir.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as("umount " + dir + ": " + out).isZero();
  }

  /**
   * Retention applies in the store too: with keep=1, this cluster's older snapshots right under the
   * prefix are deleted; the one just taken, another cluster's, a deeper key and a file of another
   * name stay.
   */
  @Test
  void retentionDeletesOnlyThisClustersOlderSnapshotsUnderThePrefix() throws Exception {
    Inventory.ObjectStore store = Inventory.load(lab.inventory()).store().orElseThrow();
    Path small = Files.writeString(tmp.resolve("small.bin"), "not a snapshot");
    String sha = sha256(small);
    String cluster = Inventory.load(lab.inventory()).cluster();
    String prefix = "etcd/retention/";
    List<String> old =
        List.of(
            prefix + "etcd-snapshot-" + cluster + "-20200101T000000Z-0000aaaa.db",
            prefix + "etcd-snapshot-" + cluster + "-20210101T000000Z-0000bbbb.db");
    List<String> others =
        List.of(
            prefix + "etcd-snapshot-another-20200101T000000Z-0000cccc.db",
            prefix + "deeper/etcd-snapshot-" + cluster + "-20200101T000000Z-0000dddd.db",
            prefix + "notes.txt",
            "etcd/retention-other/etcd-snapshot-" + cluster + "-20200101T000000Z-0000eeee.db");
    try (ObjectStoreClient client = ObjectStoreClient.open(store, Map.of())) {
      for (String key : concat(old, others)) {
        client.upload(small, new S3Location("lab-backups", key), sha, ObjectStoreClient.PART_SIZE);
      }
    }
    Path home = tmp.resolve("home-retention");
    Console console = new Console();
    RunOutcome snap =
        run(
            home,
            lab.inventory(),
            "etcd-snapshot",
            Map.of(
                "snapshotDir",
                tmp.resolve("snapshots-retention").toString(),
                "objectStore",
                "s3://lab-backups/etcd/retention",
                "keep",
                "1"),
            console);
    assertThat(snap.state()).as(snap.message() + "\n" + console.text).isEqualTo(RunState.DONE);
    String current =
        prefix + outputs(home, snap.runId(), "Task_TakeSnapshot").path("fileName").asText();
    try (ObjectStoreClient client = ObjectStoreClient.open(store, Map.of())) {
      for (String key : old) {
        assertThat(client.head(new S3Location("lab-backups", key))).as(key).isEmpty();
      }
      for (String key : concat(others, List.of(current))) {
        assertThat(client.head(new S3Location("lab-backups", key))).as(key).isPresent();
      }
    }
    JsonNode deleted = outputs(home, snap.runId(), "Task_ApplyRetention").path("deleted");
    deleted = deleted.isTextual() ? JSON.readTree(deleted.asText()) : deleted;
    assertThat(deleted.path("s3://lab-backups/etcd/retention"))
        .extracting(JsonNode::asText)
        .containsExactlyInAnyOrder(
            old.get(0).substring(prefix.length()), old.get(1).substring(prefix.length()));
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  /**
   * control-plane-backup with objectStore: every node's archive goes up with its .sha256 and .hmac,
   * byte for byte, and the copy opens with the key as the local archive does.
   */
  @Test
  void controlPlaneArchivesGoOffSiteWithTheFilesBesideThem() throws Exception {
    Path home = tmp.resolve("home-archives");
    Path key = tmp.resolve("archive.key");
    Files.writeString(
        key, HexFormat.of().formatHex(new java.security.SecureRandom().generateSeed(32)));
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    Console console = new Console();
    RunOutcome r =
        run(
            home,
            lab.inventory(),
            "control-plane-backup",
            Map.of(
                "backupDir",
                tmp.resolve("archives").toString(),
                "keyFile",
                key.toString(),
                "objectStore",
                "s3://lab-backups/control-plane/lab"),
            console);
    assertThat(r.state()).as(r.message() + "\n" + console.text).isEqualTo(RunState.DONE);
    // Map outputs are recorded as JSON text.
    JsonNode archives =
        JSON.readTree(
            outputs(home, r.runId(), "Task_ArchiveControlPlaneFiles").path("archives").asText());
    JsonNode up = outputs(home, r.runId(), "Task_UploadArchivesToObjectStore");
    JsonNode objects = JSON.readTree(up.path("objects").asText());
    JsonNode digests = JSON.readTree(up.path("sha256").asText());
    assertThat(archives.size()).isEqualTo(1);
    Path fetched = Files.createDirectories(tmp.resolve("archives-from-store"));
    for (var a : (Iterable<Map.Entry<String, JsonNode>>) archives::fields) {
      Path local = Path.of(a.getValue().asText());
      String name = local.getFileName().toString();
      assertThat(objects.path(a.getKey()).asText())
          .isEqualTo("s3://lab-backups/control-plane/lab/" + name);
      for (String file : List.of(name, name + ".sha256", name + ".hmac")) {
        Path stored = lab.objectStoreFile("control-plane/lab/" + file);
        assertThat(Files.readAllBytes(stored))
            .isEqualTo(Files.readAllBytes(local.resolveSibling(file)));
        assertThat(digests.path("s3://lab-backups/control-plane/lab/" + file).asText())
            .isEqualTo(sha256(stored));
        Files.copy(stored, fetched.resolve(file));
      }
      assertThat(
              dev.runbook.runbooks.controlplane.ControlPlaneArchive.open(fetched.resolve(name), key)
                  .manifest())
          .isNotNull();
    }
    assertThat(Runs.verify(home, r.runId()).ok()).isTrue();
    assertNoSecret(home, r.runId(), console);
  }

  @Test
  void aWrongCredentialIsDeniedAndTheLocalSnapshotIsKept() throws Exception {
    Path creds = tmp.resolve("wrong.credentials");
    // The lab's secret is hex: change its first digit to another one.
    String wrong = (secret.charAt(0) == '0' ? "1" : "0") + secret.substring(1);
    String text = Files.readString(lab.objectStore().credentialsFile()).replace(secret, wrong);
    assertThat(text).contains(wrong).doesNotContain(secret);
    Files.writeString(creds, text);
    Files.setPosixFilePermissions(creds, PosixFilePermissions.fromString("rw-------"));
    Path inventory = tmp.resolve("wrong-credential.yaml");
    Files.writeString(
        inventory,
        Files.readString(lab.inventory())
            .replace(lab.objectStore().credentialsFile().toString(), creds.toString()));
    Path home = tmp.resolve("home-denied");
    Path dir = tmp.resolve("snapshots-denied");
    Console console = new Console();
    RunOutcome snap = snapshot(home, inventory, dir, console);
    assertThat(snap.state()).as(snap.message()).isEqualTo(RunState.FAILED);
    assertThat(errorCodes(home, snap.runId())).containsExactly("OBJECT_STORE_DENIED");
    assertTheSnapshotIsKept(home, snap.runId(), dir);
    assertNoSecret(home, snap.runId(), console);
  }

  @Test
  void aDamagedObjectIsRefusedBeforeAnythingUsesIt() throws Exception {
    Path home = tmp.resolve("home-damaged");
    Console console = new Console();
    RunOutcome snap = snapshot(home, lab.inventory(), tmp.resolve("snapshots-damaged"), console);
    assertThat(snap.state()).as(snap.message() + "\n" + console.text).isEqualTo(RunState.DONE);
    String key = outputs(home, snap.runId(), "Task_UploadToObjectStore").path("key").asText();
    Path object = lab.objectStoreFile(key);
    try (RandomAccessFile f = new RandomAccessFile(object.toFile(), "rw")) {
      f.seek(4096 + 17);
      int b = f.read();
      f.seek(4096 + 17);
      f.write(b ^ 0xff);
    }
    String damaged = sha256(object);

    Path fetched = tmp.resolve("fetched-damaged");
    RunOutcome rehearsal = rehearse(home, key, fetched, new Console());
    assertThat(rehearsal.state()).as(rehearsal.message()).isEqualTo(RunState.FAILED);
    assertThat(errorCodes(home, rehearsal.runId())).containsExactly("SNAPSHOT_CHECKSUM_MISMATCH");
    assertThat(failures(home, rehearsal.runId())).contains("the object is damaged");
    // Nothing ran after the fetch, nothing is left on the engine host, the object is untouched.
    assertThat(finished(home, rehearsal.runId())).doesNotContain("Task_VerifySnapshot");
    assertThat(lab.ssh(1, "ls /var/lib/rehearsals 2>/dev/null").output())
        .doesNotContain("etcd-rehearsal-");
    if (Files.exists(fetched)) {
      try (Stream<Path> files = Files.list(fetched)) {
        assertThat(files).isEmpty();
      }
    }
    assertThat(sha256(object)).isEqualTo(damaged);
  }

  @Test
  void theRunbooksRefuseAnS3UrlTheInventoryCannotReach() throws Exception {
    Path inventory = tmp.resolve("no-store.yaml");
    String text = Files.readString(lab.inventory());
    Files.writeString(inventory, text.substring(0, text.indexOf("# The lab's S3-compatible")));
    Path home = tmp.resolve("home-refused");
    for (Map.Entry<Path, String> c :
        Map.of(
                inventory,
                "has no objectStore section",
                lab.inventory(),
                "names bucket 'other-bucket'")
            .entrySet()) {
      assertThatThrownBy(
              () ->
                  RunbookEngine.plan(
                      EngineOptions.of(home),
                      "etcd-snapshot",
                      c.getKey(),
                      Map.of("objectStore", "s3://other-bucket/x"),
                      false))
          .hasMessageContaining(c.getValue());
    }
    // etcd-restore changes the cluster: its plan binds an object's content only through
    // expectSha256, so an s3:// snapshot without it is refused before anything runs.
    assertThatThrownBy(
            () ->
                RunbookEngine.plan(
                    EngineOptions.of(home),
                    "etcd-restore",
                    lab.inventory(),
                    Map.of(
                        "snapshot",
                        "s3://lab-backups/any.db",
                        "safetySnapshotDir",
                        tmp.resolve("safety").toString()),
                    false))
        .isInstanceOf(dev.runbook.engine.api.BadInputException.class)
        .hasMessageContaining("can bind its content only through expectSha256");
  }

  // ---------------------------------------------------------------- helpers

  private static void assertTheSnapshotIsKept(Path home, String run, Path dir) throws Exception {
    JsonNode taken = outputs(home, run, "Task_TakeSnapshot");
    Path file = Path.of(taken.path("file").asText());
    assertThat(file.getParent()).isEqualTo(dir);
    assertThat(sha256(file)).isEqualTo(taken.path("sha256").asText());
  }

  private static void assertNoSecret(Path home, String run, Console console) throws IOException {
    List<String> places = new ArrayList<>(Runs.records(home, run));
    places.add(console.text.toString());
    places.add(Reports.render(EngineOptions.of(home), run, Reports.Format.MD).text());
    places.add(Reports.render(EngineOptions.of(home), run, Reports.Format.HTML).text());
    try (Stream<Path> files = Files.walk(home.resolve("runs").resolve(run))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        places.add(Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1));
      }
    }
    assertThat(places).noneMatch(p -> p.contains(secret));
  }

  static JsonNode outputs(Path home, String run, String activity) throws IOException {
    return dev.runbook.runbooks.etcd.EtcdRunbooksIT.outputs(home, run, activity);
  }

  /** The BPMN error codes the run's failed steps threw, in order. */
  private static List<String> errorCodes(Path home, String run) throws IOException {
    List<String> codes = new ArrayList<>();
    for (String line : Runs.records(home, run)) {
      JsonNode r = JSON.readTree(line);
      if (r.hasNonNull("errorCode")) {
        codes.add(r.path("errorCode").asText());
      }
    }
    return codes;
  }

  private static String failures(Path home, String run) throws IOException {
    StringBuilder s = new StringBuilder();
    for (String line : Runs.records(home, run)) {
      JsonNode r = JSON.readTree(line);
      if (r.hasNonNull("errorCode")) {
        s.append(r).append('\n');
      }
    }
    return s.toString();
  }

  private static List<String> finished(Path home, String run) throws IOException {
    List<String> done = new ArrayList<>();
    for (String line : Runs.records(home, run)) {
      JsonNode r = JSON.readTree(line);
      if (r.path("type").asText().equals("step.finished")) {
        done.add(r.path("activityId").asText());
      }
    }
    return done;
  }

  static String sha256(Path f) throws Exception {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    try (var in = Files.newInputStream(f)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        d.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(d.digest());
  }
}
