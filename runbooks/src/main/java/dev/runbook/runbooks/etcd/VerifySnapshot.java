package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.nio.file.Path;

/**
 * Checks a snapshot file on the engine host before anything uses it: it exists, is not empty, its
 * size is 32 bytes past a multiple of 512, its SHA-256 trailer matches, its bbolt meta pages are
 * sound; then reads revision and key counts from its pages. Which check failed is in the error.
 */
@Doc(
    "Checks a snapshot file on the engine host before anything uses it (size, SHA-256 trailer, bbolt meta pages) and reads its revision and key counts.")
final class VerifySnapshot extends DeclaredStep<VerifySnapshot.Input, VerifySnapshot.Output> {

  /**
   * @param expectSha256 optional: the digest the snapshot must have (as etcd-snapshot recorded it)
   */
  record Input(
      @Doc(value = "The snapshot file on the engine host.", required = true) String file,
      @Doc("Optional: the SHA-256 digest the snapshot must have.") String expectSha256,
      @Doc("Where an s3:// snapshot was fetched to on the engine host (the fetch step's dir).")
          String snapshotDir) {
    Input {
      if (file == null || file.isBlank()) {
        throw new IllegalArgumentException("file is required");
      }
    }
  }

  record Output(
      String file,
      long size,
      String sha256,
      String trailerSha256,
      long revision,
      long totalKeys,
      long liveKeys,
      String hash,
      String clusterVersion,
      String statusReadBy) {}

  VerifySnapshot() {
    super("etcdVerifySnapshot", Input.class, Effect.READ_ONLY);
  }

  @Override
  public Output run(Input input, StepContext context) {
    Path file;
    try {
      file =
          Path.of(
                  dev.runbook.runbooks.objectstore.S3Location.onEngineHost(
                      input.file(), input.snapshotDir()))
              .toAbsolutePath();
    } catch (IllegalArgumentException e) {
      throw new RunbookError(ErrorCode.STEP_FAILED, e.getMessage());
    }
    try {
      SnapshotFile.Verified v = SnapshotFile.verify(file);
      context.confirm(ENGINE_HOST, SIZE, Long.toString(v.size()));
      context.confirm(ENGINE_HOST, SHA256, v.sha256());
      String wrong = wrongDigest(file, v, input.expectSha256());
      if (wrong != null) {
        throw new RunbookError(ErrorCode.SNAPSHOT_INVALID, wrong);
      }
      SnapshotFile.Status s = SnapshotFile.status(v);
      return new Output(
          file.toString(),
          v.size(),
          v.sha256(),
          v.trailerSha256(),
          s.revision(),
          s.totalKeys(),
          s.liveKeys(),
          s.hashHex(),
          s.clusterVersion(),
          "engine host: the file's bbolt pages read directly (no etcdutl needed)");
    } catch (SnapshotCheckException e) {
      throw new RunbookError(ErrorCode.SNAPSHOT_INVALID, failed(e));
    }
  }

  /** Why the snapshot is not the one expected, or null when no digest is expected or it is. */
  private static String wrongDigest(Path file, SnapshotFile.Verified v, String expected) {
    if (expected == null || expected.isBlank() || expected.equalsIgnoreCase(v.sha256())) {
      return null;
    }
    return "check digest failed: "
        + file
        + " has SHA-256 "
        + v.sha256()
        + ", not the expected "
        + expected
        + ": it is not the snapshot you named, or it was changed since; find the right"
        + " file, or drop the expected digest only if you know why it differs";
  }

  private static String failed(SnapshotCheckException e) {
    return "check "
        + e.check().name().toLowerCase().replace('_', '-')
        + " failed: "
        + e.getMessage();
  }

  /** Where the plan and the run read the snapshot: the engine host, not a node. */
  static final String ENGINE_HOST = "engine host";

  static final String SIZE = "snapshot size (bytes)";

  /**
   * The snapshot's size as a plan shows it in a command: read now when the file is named (the plan
   * binds it through this step anyway), else a placeholder the run fills in. Commands take it as a
   * plain word, so the plan's and the run's renderings differ only where the placeholder stands.
   */
  static String plannedSize(String file) {
    if (!file.startsWith("⟨")) {
      try {
        return Long.toString(java.nio.file.Files.size(Path.of(file).toAbsolutePath()));
      } catch (java.io.IOException e) {
        // Not readable now: this step's own plan says why; the run reads it when it gets there.
      }
    }
    return "⟨snapshot size⟩";
  }

  static final String SHA256 = "snapshot SHA-256";

  /**
   * Reads the snapshot now, so the plan binds its content, not only its path: its size and SHA-256
   * are part of the plan hash, and a missing or invalid file fails the plan. A file swapped after
   * the approval then makes another plan (refused) or, once the run has started, a reading that
   * differs from the bound one (the step fails before anything uses it).
   */
  @Override
  public void plan(PlanContext plan) {
    String given = plan.input("file");
    plan.note(
        "reads "
            + given
            + " on the engine host: size, SHA-256 trailer, bbolt pages, revision, keys, etcd version"
            + (plan.input("expectSha256").isEmpty()
                ? ""
                : "; its SHA-256 must be " + plan.input("expectSha256")));
    if (given.startsWith("⟨") || given.startsWith("s3://")) {
      return; // made (or fetched) by an earlier step of the run: read when the run gets there
    }
    SnapshotFile.Verified v;
    try {
      v = SnapshotFile.verify(Path.of(given).toAbsolutePath());
    } catch (SnapshotCheckException e) {
      throw new IllegalArgumentException(failed(e)); // the same words as the run's refusal
    }
    String expected = plan.input("expectSha256");
    String wrong =
        wrongDigest(Path.of(given).toAbsolutePath(), v, expected.startsWith("⟨") ? "" : expected);
    if (wrong != null) {
      throw new IllegalArgumentException(wrong);
    }
    plan.discovered(ENGINE_HOST, SIZE, java.util.Optional.of(Long.toString(v.size())));
    plan.discovered(ENGINE_HOST, SHA256, java.util.Optional.of(v.sha256()));
  }
}
