package dev.runbook.runbooks.etcd;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import dev.runbook.runbooks.objectstore.S3Location;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * etcd-backup-check's last step, on every path: writes {@value #FILE} (the verdict, the backup
 * checked, what each check found) as an artifact of the run, removes the copy this run downloaded
 * from the object store (the object stays there), and fails with VALIDATION_FAILED when the verdict
 * is stale, so the run ends failed (exit 1). On the failure path ({@code failure} given) it records
 * the failure and returns: the run already ends failed.
 */
@Doc(
    "Writes backup-check.json (verdict passed, stale or failed; the backup checked; what each check found), removes this run's download, and fails when a backup is stale.")
final class BackupCheckResult
    extends DeclaredStep<BackupCheckResult.Input, BackupCheckResult.Output> {

  static final String FILE = "backup-check.json";

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  record Input(
      @Doc("The backup checked (path or s3://BUCKET/KEY), when one was found.") String snapshot,
      @Doc("Its file name.") String fileName,
      @Doc("Where it was found: snapshotDir or objectStore.") String place,
      @Doc("The time in its name, when it was taken.") String takenAt,
      @Doc("Its age in seconds when the check began.") Long ageSeconds,
      @Doc("The object store's LastModified for it.") String lastModified,
      @Doc("The maxAge it was held to.") String maxAge,
      @Doc("The SHA-256 its etcd-snapshot run recorded.") String recordedSha256,
      @Doc("The SHA-256 of its bytes, as the verify step read it.") String sha256,
      @Doc("The revision the snapshot holds.") Long revision,
      @Doc("The live keys the snapshot holds.") Long keys,
      @Doc("What the restored copy's check confirmed (its summary).") String checked,
      @Doc("Why a place is not fresh (from the find step); empty when every place is.")
          String stale,
      @Doc("The newest backup in snapshotDir (none; empty: not looked at).") String newestLocal,
      @Doc("The newest backup in the object store (none; empty: not looked at).")
          String newestStored,
      @Doc("Where an object was downloaded to (removed here).") String fetchDir,
      @Doc("The error code of the step that failed, on the failure path.") String failedCode,
      @Doc("The message of the step that failed, on the failure path.") String failure) {}

  record Output(String verdict, List<String> reasons, String file) {}

  BackupCheckResult() {
    super("etcdBackupCheckResult", Input.class, Effect.READ_ONLY);
  }

  /**
   * The verdict: failed when a step failed, stale when a place's newest is too old, else passed.
   */
  static String verdict(String failure, String stale) {
    if (failure != null && !failure.isBlank()) {
      return "failed";
    }
    return stale != null && !stale.isBlank() ? "stale" : "passed";
  }

  @Override
  public Output run(Input input, StepContext context) {
    String verdict = verdict(input.failure(), input.stale());
    List<String> reasons =
        switch (verdict) {
          case "failed" -> List.of(input.failure());
          case "stale" -> List.of(input.stale().split("; "));
          default -> List.of();
        };
    ObjectNode doc = JSON.createObjectNode();
    doc.put("runbook", "etcd-backup-check");
    doc.put("runId", context.runId());
    doc.put("cluster", context.inventory().cluster());
    doc.put("checkedAt", Instant.now().toString());
    doc.put("verdict", verdict);
    doc.putPOJO("reasons", reasons);
    doc.put("maxAge", input.maxAge());
    ObjectNode backup = doc.putObject("backup");
    backup.put("location", input.snapshot());
    backup.put("fileName", input.fileName());
    backup.put("place", input.place());
    backup.put("takenAt", input.takenAt());
    if (input.ageSeconds() != null) {
      backup.put("ageSeconds", input.ageSeconds());
    }
    backup.put("lastModified", input.lastModified());
    backup.put("recordedSha256", input.recordedSha256());
    backup.put("sha256", input.sha256());
    if (input.revision() != null) {
      backup.put("revision", input.revision());
    }
    if (input.keys() != null) {
      backup.put("keys", input.keys());
    }
    ObjectNode newest = doc.putObject("newest");
    if (input.newestLocal() != null && !input.newestLocal().isEmpty()) {
      newest.put("snapshotDir", input.newestLocal());
    }
    if (input.newestStored() != null && !input.newestStored().isEmpty()) {
      newest.put("objectStore", input.newestStored());
    }
    ObjectNode checks = doc.putObject("checks");
    checks.put("found", input.snapshot() != null);
    checks.put("fresh", input.stale() != null && input.stale().isBlank());
    // The verify step compares the digest with the recorded one, the check step the restored copy:
    // each got its output only when it passed.
    checks.put(
        "digest",
        input.sha256() != null && input.sha256().equalsIgnoreCase(input.recordedSha256()));
    checks.put("restored", input.checked() != null);
    doc.putPOJO(
        "restoredCopy",
        input.checked() == null || input.checked().isBlank()
            ? List.of()
            : List.of(input.checked().split("; ")));
    if (input.failure() != null) {
      ObjectNode f = doc.putObject("failure");
      f.put("errorCode", input.failedCode());
      f.put("message", input.failure());
    }
    try {
      context.artifact(FILE, JSON.writeValueAsBytes(doc));
    } catch (IOException e) {
      throw new RunbookError(ErrorCode.STEP_FAILED, "cannot write " + FILE + ": " + e);
    }
    removeDownload(input);
    if (verdict.equals("stale")) {
      throw new RunbookError(
          ErrorCode.VALIDATION_FAILED, "the backups are stale: " + input.stale());
    }
    return new Output(verdict, reasons, "artifacts/" + FILE);
  }

  /**
   * The copy of an object this run downloaded (into a dir of its own): the object stays in the
   * store, and a daily check must not fill the engine host with copies.
   */
  private static void removeDownload(Input input) {
    if (input.fetchDir() == null || !S3Location.isS3(input.snapshot())) {
      return;
    }
    Path dir = Path.of(input.fetchDir());
    try {
      Files.deleteIfExists(Path.of(S3Location.onEngineHost(input.snapshot(), dir.toString())));
      if (Files.isDirectory(dir)) {
        try (var left = Files.list(dir)) {
          if (left.findAny().isEmpty()) {
            Files.delete(dir);
          }
        }
      }
    } catch (IOException e) {
      throw new RunbookError(
          ErrorCode.STEP_FAILED, "cannot remove this run's download in " + dir + ": " + e);
    }
  }

  @Override
  public void plan(PlanContext plan) {
    plan.note(
        "writes "
            + FILE
            + " with the verdict (passed, stale or failed) as an artifact of the run, removes the"
            + " copy this run downloaded from the object store, and fails when a backup is stale");
  }
}
