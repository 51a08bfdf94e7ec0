package dev.runbook.runbooks.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.Identity;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import dev.runbook.lab.LabInstance;
import dev.runbook.runbooks.objectstore.ObjectStoreIT.Console;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd-backup-check on one 1-member etcd 3.5 lab with its object store (S3Proxy), shared by every
 * test: one etcd-snapshot run writes the backup to a local dir and the store, then the check passes
 * on the fresh one (local, and from the store), fails as stale when maxAge is shorter than the age
 * the name says (a file's mtime does not count), and fails when the file is damaged or no run of
 * this home recorded its digest. Each verdict is in the run's backup-check.json, and the run's
 * state is FAILED (exit 1) for every failure. The plan matches its golden file.
 */
class EtcdBackupCheckIT {

  static final ObjectMapper JSON = new ObjectMapper();
  static final String MARKER = "/registry/configmaps/etcd-lab/restore-marker";
  static final String STORE = "s3://lab-backups/etcd/lab";
  static final String SCRATCH = "/var/lib/rehearsals";

  @TempDir static Path tmp;
  static LabInstance lab;
  static Path home;
  static Path snapshots;
  static JsonNode taken;
  static String snapshotRun;

  @BeforeAll
  static void up() throws IOException {
    lab = LabInstance.up(1, "3.5", null, true);
    lab.seed(200);
    assertThat(lab.etcdctl(1, "put", MARKER, "before-snapshot").exitCode()).isZero();
    home = tmp.resolve("home");
    snapshots = tmp.resolve("snapshots");
    RunOutcome snap =
        run(
            "etcd-snapshot",
            Map.of("snapshotDir", snapshots.toString(), "objectStore", STORE),
            new Console());
    assertThat(snap.state()).as(snap.message()).isEqualTo(RunState.DONE);
    snapshotRun = snap.runId();
    taken = EtcdRunbooksIT.outputs(home, snap.runId(), "Task_TakeSnapshot");
  }

  @AfterAll
  static void down() {
    if (lab != null) {
      lab.close();
    }
  }

  @Test
  void aFreshLocalBackupPassesWhateverItsMtime() throws Exception {
    Path file = Path.of(taken.path("file").asText());
    // The age comes from the name etcd-snapshot gave it, not from a time anyone can touch.
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(30, ChronoUnit.DAYS)));
    Console console = new Console();
    RunOutcome check = check(snapshots.toString(), "none", "PT24H", console);
    assertThat(check.state()).as(check.message() + "\n" + console.text).isEqualTo(RunState.DONE);
    assertThat(check.state().exitCode()).isZero();
    JsonNode result = result(check);
    assertThat(result.path("verdict").asText()).isEqualTo("passed");
    assertThat(result.path("backup").path("place").asText()).isEqualTo("snapshotDir");
    assertThat(result.path("backup").path("location").asText()).isEqualTo(file.toString());
    assertThat(result.path("backup").path("recordedSha256").asText())
        .isEqualTo(taken.path("sha256").asText());
    assertThat(result.path("backup").path("sha256").asText())
        .isEqualTo(taken.path("sha256").asText());
    assertThat(result.path("checks").path("digest").asBoolean()).isTrue();
    assertThat(result.path("checks").path("restored").asBoolean()).isTrue();
    assertThat(result.path("restoredCopy").toString())
        .contains("marker " + MARKER + " contains 'before-snapshot'")
        .contains("namespaces under /registry/namespaces/");
    assertThat(lab.ssh(1, "ls " + SCRATCH + " 2>/dev/null").output())
        .doesNotContain("etcd-rehearsal-");
  }

  @Test
  void aBackupOlderThanMaxAgeFailsAsStaleAfterItsRehearsal() throws Exception {
    Console console = new Console();
    RunOutcome check = check(snapshots.toString(), "none", "PT1S", console);
    assertThat(check.state()).as(check.message() + "\n" + console.text).isEqualTo(RunState.FAILED);
    assertThat(check.state().exitCode()).isEqualTo(1);
    JsonNode result = result(check);
    assertThat(result.path("verdict").asText()).isEqualTo("stale");
    assertThat(result.path("reasons").toString()).contains("older than maxAge PT1S");
    // Stale, yet restorable: the rehearsal ran and says so.
    assertThat(result.path("checks").path("restored").asBoolean()).isTrue();
    assertThat(result.path("checks").path("fresh").asBoolean()).isFalse();
  }

  @Test
  void aDamagedBackupFailsBeforeAnyNodeIsTouched() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("damaged"));
    Path copy = dir.resolve(taken.path("fileName").asText());
    Files.copy(Path.of(taken.path("file").asText()), copy);
    try (RandomAccessFile f = new RandomAccessFile(copy.toFile(), "rw")) {
      f.seek(4096 + 17);
      int b = f.read();
      f.seek(4096 + 17);
      f.write(b ^ 0xff);
    }
    Console console = new Console();
    RunOutcome check = check(dir.toString(), "none", "PT24H", console);
    assertThat(check.state()).as(check.message() + "\n" + console.text).isEqualTo(RunState.FAILED);
    assertThat(check.state().exitCode()).isEqualTo(1);
    JsonNode result = result(check);
    assertThat(result.path("verdict").asText()).isEqualTo("failed");
    assertThat(result.path("failure").path("errorCode").asText()).isEqualTo("SNAPSHOT_INVALID");
    assertThat(result.path("failure").path("message").asText()).contains("check ");
    assertThat(result.path("checks").path("restored").asBoolean()).isFalse();
    assertThat(lab.ssh(1, "ls " + SCRATCH + " 2>/dev/null").output())
        .doesNotContain("etcd-rehearsal-");
  }

  @Test
  void aFreshBackupInTheObjectStorePassesAndItsDownloadIsRemoved() throws Exception {
    Console console = new Console();
    RunOutcome check = check("none", STORE, "PT24H", console);
    assertThat(check.state()).as(check.message() + "\n" + console.text).isEqualTo(RunState.DONE);
    JsonNode result = result(check);
    assertThat(result.path("verdict").asText()).isEqualTo("passed");
    assertThat(result.path("backup").path("place").asText()).isEqualTo("objectStore");
    assertThat(result.path("backup").path("location").asText())
        .isEqualTo("s3://lab-backups/etcd/lab/" + taken.path("fileName").asText());
    assertThat(result.path("backup").path("lastModified").asText()).isNotBlank();
    assertThat(result.path("backup").path("sha256").asText())
        .isEqualTo(taken.path("sha256").asText());
    assertThat(result.path("newest").path("objectStore").asText())
        .isEqualTo(result.path("backup").path("location").asText());
    assertThat(tmp.resolve("downloads").resolve(check.runId())).doesNotExist();
  }

  @Test
  void aBackupWhoseRunIsNotInThisHomeHasNoRecordedDigestAndFails() throws Exception {
    // The same bytes under the name of a run this home never had: nothing vouches for them.
    Path dir = Files.createDirectories(tmp.resolve("unknown-run"));
    String name =
        taken.path("fileName").asText().replaceFirst("-[0-9a-f]{8}\\.db$", "-0badc0de.db");
    Files.copy(Path.of(taken.path("file").asText()), dir.resolve(name));
    RunOutcome check = check(dir.toString(), "none", "PT24H", new Console());
    assertThat(check.state()).as(check.message()).isEqualTo(RunState.FAILED);
    JsonNode result = result(check);
    assertThat(result.path("verdict").asText()).isEqualTo("failed");
    assertThat(result.path("failure").path("errorCode").asText()).isEqualTo("VALIDATION_FAILED");
    assertThat(result.path("failure").path("message").asText())
        .contains("no recorded digest")
        .contains("0badc0de");
  }

  @Test
  void aRecordedDigestWhoseEvidenceWasEditedIsNotTrusted() throws Exception {
    // A copy of the home in which someone changed the digest etcd-snapshot recorded.
    Path edited = tmp.resolve("home-edited");
    try (var files = Files.walk(home)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(f, edited.resolve(home.relativize(f).toString()));
      }
    }
    String sha = taken.path("sha256").asText();
    String other = (sha.charAt(0) == '0' ? "1" : "0") + sha.substring(1);
    Path journal = edited.resolve("runs").resolve(snapshotRun).resolve("evidence.jsonl");
    Files.writeString(journal, Files.readString(journal).replace(sha, other));
    RunOutcome check;
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(edited))) {
      Map<String, String> p = new LinkedHashMap<>();
      p.put("snapshotDir", snapshots.toString());
      p.put("downloadDir", tmp.resolve("downloads").toString());
      p.put("scratchRoot", SCRATCH);
      check =
          engine.start(
              "etcd-backup-check",
              lab.inventory(),
              p,
              "alice",
              null,
              new Identity.KeyFile(lab.people().resolve("alice"), null));
    }
    assertThat(check.state()).as(check.message()).isEqualTo(RunState.FAILED);
    JsonNode result =
        JSON.readTree(
            edited
                .resolve("runs")
                .resolve(check.runId())
                .resolve("artifacts/backup-check.json")
                .toFile());
    assertThat(result.path("verdict").asText()).isEqualTo("failed");
    assertThat(result.path("failure").path("message").asText())
        .contains("evidence of etcd-snapshot run " + snapshotRun)
        .contains("does not verify");
  }

  @Test
  void thePlanMatchesItsGoldenFile() throws Exception {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("snapshotDir", "/tmp/runbook-golden/snapshots");
    p.put("objectStore", STORE);
    p.put("downloadDir", "/tmp/runbook-golden/backup-check");
    p.put("scratchRoot", SCRATCH);
    p.put("markerKey", MARKER);
    p.put("markerContains", "before-snapshot");
    String actual =
        EtcdRestorePlanIT.normalize(
            RunbookEngine.plan(
                    EngineOptions.of(tmp.resolve("home-plan")),
                    "etcd-backup-check",
                    lab.inventory(),
                    p,
                    false)
                .markdown());
    Path file = Path.of("src/test/resources/golden/etcd-backup-check-1.md");
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(file, actual, java.nio.charset.StandardCharsets.UTF_8);
    }
    assertThat(file).as("golden file " + file + " (-Dgolden.update=true writes it)").exists();
    assertThat(actual).isEqualTo(Files.readString(file, java.nio.charset.StandardCharsets.UTF_8));
  }

  // ---------------------------------------------------------------- helpers

  private static RunOutcome check(
      String snapshotDir, String objectStore, String maxAge, Console console) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("snapshotDir", snapshotDir);
    p.put("objectStore", objectStore);
    p.put("maxAge", maxAge);
    p.put("downloadDir", tmp.resolve("downloads").toString());
    p.put("scratchRoot", SCRATCH);
    p.put("markerKey", MARKER);
    p.put("markerContains", "before-snapshot");
    return run("etcd-backup-check", p, console);
  }

  private static RunOutcome run(String runbook, Map<String, String> params, Console console) {
    try (RunbookEngine engine = RunbookEngine.open(EngineOptions.of(home).withListener(console))) {
      return engine.start(
          runbook,
          lab.inventory(),
          params,
          "alice",
          null,
          new Identity.KeyFile(lab.people().resolve("alice"), null));
    }
  }

  private static JsonNode result(RunOutcome run) throws IOException {
    Path file = home.resolve("runs").resolve(run.runId()).resolve("artifacts/backup-check.json");
    assertThat(file).exists();
    return JSON.readTree(file.toFile());
  }
}
