package dev.runbook.runbooks.objectstore;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Brings a snapshot named {@code s3://BUCKET/KEY} to the engine host before anything uses it: the
 * object's recorded SHA-256 (its metadata) is read first, the bytes go to {@code NAME.RUN.part},
 * are fsynced and hashed, and only when the digest is the recorded one does the file get its name
 * (a hard link, which never replaces a file, then the .part goes). A local path is passed on as it
 * is. A file of that name already there is used only when its digest is the recorded one.
 */
@Doc(
    "For snapshot=s3://BUCKET/KEY: downloads the object to the engine host (.part, fsync, named without replacing any file) and checks its SHA-256 against the one the store records before anything else runs; a local path is passed on.")
final class FetchSnapshot extends DeclaredStep<FetchSnapshot.Input, FetchSnapshot.Output> {

  record Input(
      @Doc(value = "The snapshot: a file on the engine host, or s3://BUCKET/KEY.", required = true)
          String snapshot,
      @Doc(
              value =
                  "Directory on the engine host a downloaded snapshot goes to (created, mode 0700).",
              required = true)
          String dir,
      @Doc("Optional: the SHA-256 the stored object must record (etcd-snapshot's evidence).")
          String expectSha256,
      @Doc(
              value =
                  "Whether an s3:// snapshot needs expectSha256: a runbook that changes the cluster"
                      + " binds the snapshot's content in its approved plan, and the plan cannot"
                      + " read an object's content.",
              defaultValue = "false")
          boolean requireExpectSha256) {
    Input {
      if (snapshot == null || snapshot.isBlank() || dir == null || dir.isBlank()) {
        throw new IllegalArgumentException("snapshot and dir are required");
      }
    }
  }

  /**
   * @param file the snapshot on the engine host
   * @param source where it came from: the URL, or {@code engine host}
   * @param storedSha256 the digest the store records (null for a local file)
   */
  record Output(
      String file,
      String source,
      String storedSha256,
      String sha256,
      long size,
      boolean reused,
      long durationMillis) {}

  FetchSnapshot() {
    super("etcdFetchSnapshot", Input.class, Effect.READ_ONLY);
  }

  @Override
  public Output run(Input input, StepContext context) {
    if (!S3Location.isS3(input.snapshot())) {
      return new Output(input.snapshot(), "engine host", null, null, -1, false, 0);
    }
    S3Location loc;
    Inventory.ObjectStore store;
    try {
      requireDigest(input.snapshot(), input.expectSha256(), input.requireExpectSha256());
      loc = parse(input.snapshot());
      store = StoreOf.inventory(context.inventory(), loc);
    } catch (IllegalArgumentException e) {
      throw new RunbookError(ErrorCode.STEP_FAILED, e.getMessage());
    }
    // The path the later steps name too (S3Location.onEngineHost), in the plan and the run.
    Path target = Path.of(S3Location.onEngineHost(input.snapshot(), input.dir()));
    Path dir = target.getParent();
    Path part = dir.resolve(loc.fileName() + "." + context.runId() + ".part");
    long start = System.nanoTime();
    try (ObjectStoreClient client = ObjectStoreClient.open(store, System.getenv())) {
      ObjectStoreClient.Stored stored =
          client
              .head(loc)
              .orElseThrow(
                  () ->
                      new ObjectStoreException(
                          ObjectStoreException.Kind.NO_SUCH_OBJECT,
                          "the object store at "
                              + store.endpoint()
                              + " holds no "
                              + loc
                              + ": name an object etcd-snapshot stored"));
      String want = stored.sha256();
      if (want == null || !want.matches("[0-9a-f]{64}")) {
        throw new ObjectStoreException(
            ObjectStoreException.Kind.DIGEST_MISMATCH,
            loc
                + " records no SHA-256 (x-amz-meta-"
                + ObjectStoreClient.SHA256_META
                + "), so its content cannot be checked: it was not stored by etcd-snapshot");
      }
      String expected = input.expectSha256();
      if (expected != null && !expected.isBlank() && !expected.equalsIgnoreCase(want)) {
        throw new ObjectStoreException(
            ObjectStoreException.Kind.DIGEST_MISMATCH,
            loc
                + " records SHA-256 "
                + want
                + ", not the expected "
                + expected
                + ": it is not the snapshot you named; nothing was downloaded");
      }
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      if (Files.exists(target)) {
        String have = OffSiteCopy.sha256(target);
        if (!have.equals(want)) {
          throw new RunbookError(
              ErrorCode.STEP_FAILED,
              target
                  + " already exists with SHA-256 "
                  + have
                  + ", not the "
                  + want
                  + " that "
                  + loc
                  + " records; it is never overwritten: move it aside, or choose another"
                  + " snapshotDir");
        }
        return new Output(
            target.toString(), loc.toString(), want, have, Files.size(target), true, 0);
      }
      context.progress("downloading " + loc + " from " + store.endpoint() + " to " + part);
      ObjectStoreClient.Downloaded got;
      try (FileChannel ch =
              FileChannel.open(
                  part,
                  java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                  PosixFilePermissions.asFileAttribute(
                      PosixFilePermissions.fromString("rw-------")));
          OutputStream out = Channels.newOutputStream(ch)) {
        got = client.download(loc, out);
        out.flush();
        ch.force(true);
      } catch (IOException | RuntimeException e) {
        Files.deleteIfExists(part); // our own partial copy; the object stays in the store
        throw e;
      }
      if (!got.sha256().equals(want) || got.size() != stored.size()) {
        Files.deleteIfExists(part); // the damaged bytes are still in the store, for inspection
        throw new ObjectStoreException(
            ObjectStoreException.Kind.DIGEST_MISMATCH,
            "the bytes of "
                + loc
                + " hash to "
                + got.sha256()
                + " ("
                + got.size()
                + " bytes), not the SHA-256 "
                + want
                + " ("
                + stored.size()
                + " bytes) the store records: the object is damaged; nothing was used, and"
                + " the object is left in the store");
      }
      try {
        Files.createLink(target, part); // never replaces: fails if the name was taken meanwhile
      } catch (FileAlreadyExistsException e) {
        Files.deleteIfExists(part);
        throw new RunbookError(
            ErrorCode.STEP_FAILED, target + " appeared while downloading; it is never overwritten");
      }
      Files.delete(part);
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true);
      }
      return new Output(
          target.toString(),
          loc.toString(),
          want,
          got.sha256(),
          got.size(),
          false,
          (System.nanoTime() - start) / 1_000_000);
    } catch (ObjectStoreException e) {
      throw e.toRunbookError();
    } catch (IOException e) {
      throw new RunbookError(
          ErrorCode.STEP_FAILED, "cannot write the snapshot into " + dir + ": " + e);
    }
  }

  /**
   * For a runbook that changes the cluster: the plan binds a local snapshot's digest by reading the
   * file, and an object's only through expectSha256, so an s3:// snapshot without it is refused.
   */
  static void requireDigest(String snapshot, String expectSha256, boolean required) {
    if (required && S3Location.isS3(snapshot) && (expectSha256 == null || expectSha256.isBlank())) {
      throw new IllegalArgumentException(
          "snapshot "
              + snapshot
              + " is in the object store, so the approved plan can bind its content only through"
              + " expectSha256: give -p expectSha256=HEX, the digest etcd-snapshot recorded (its"
              + " evidence and report name it)");
    }
  }

  static S3Location parse(String text) {
    S3Location loc = S3Location.parse(text, "snapshot", "KEY");
    if (loc.key().isEmpty() || loc.key().endsWith("/")) {
      throw new IllegalArgumentException(
          "snapshot must name one object, s3://BUCKET/KEY, not the prefix '" + text + "'");
    }
    return loc;
  }

  @Override
  public void plan(PlanContext plan) {
    String given = plan.input("snapshot");
    if (given.startsWith("⟨")) {
      // Chosen by an earlier step (etcd-backup-check's find): which it is, the run says.
      plan.note(
          "when "
              + given
              + " is s3://BUCKET/KEY: downloads it into "
              + plan.input("dir")
              + " on the engine host (.part, fsync, named without replacing any file); its SHA-256"
              + " must be the one the store records (x-amz-meta-"
              + ObjectStoreClient.SHA256_META
              + ")"
              + (plan.input("expectSha256").isBlank() ? "" : " and " + plan.input("expectSha256"))
              + " before anything else runs; a file on the engine host is passed on");
      return;
    }
    if (!S3Location.isS3(given)) {
      plan.note("the snapshot " + given + " is on the engine host: nothing to fetch");
      return;
    }
    requireDigest(
        given, plan.input("expectSha256"), Boolean.parseBoolean(plan.input("requireExpectSha256")));
    S3Location loc = parse(given);
    Inventory.ObjectStore store = StoreOf.inventory(plan.inventory(), loc);
    plan.note(
        "downloads "
            + loc
            + " from "
            + store.endpoint()
            + " to "
            + S3Location.onEngineHost(given, plan.input("dir"))
            + " on the engine host (.part, fsync, named without replacing any file); its SHA-256"
            + " must be the one the store records (x-amz-meta-"
            + ObjectStoreClient.SHA256_META
            + ") before anything else runs"
            + (plan.input("expectSha256").isBlank() || plan.input("expectSha256").startsWith("⟨")
                ? ""
                : ", and be " + plan.input("expectSha256")));
  }
}
