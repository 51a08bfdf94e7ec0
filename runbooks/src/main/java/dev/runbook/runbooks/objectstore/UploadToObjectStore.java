package dev.runbook.runbooks.objectstore;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.nio.file.Path;

/**
 * Copies the verified snapshot off site: to {@code objectStore=s3://BUCKET/PREFIX} under its own
 * file name, with its SHA-256 in the object's metadata, in parts above {@link
 * ObjectStoreClient#PART_SIZE} (Content-MD5 on each); then HEADs the object and reads it back
 * whole, and fails unless size and SHA-256 are the recorded ones. An object already under that key
 * is never overwritten: with the same digest it is the copy a former try made, else an error.
 */
@Doc(
    "Uploads the verified snapshot to the inventory's S3-compatible object store (objectStore=s3://BUCKET/PREFIX), then HEADs it and reads it back to check its size and SHA-256; none skips it.")
final class UploadToObjectStore
    extends DeclaredStep<UploadToObjectStore.Input, UploadToObjectStore.Output> {

  static final String NONE = "none";

  record Input(
      @Doc(
              value = "s3://BUCKET/PREFIX, or none (the default) for no off-site copy.",
              defaultValue = NONE)
          String objectStore,
      @Doc(value = "The verified snapshot on the engine host.", required = true) String file,
      @Doc(value = "Its file name, which the object's key ends in.", required = true)
          String fileName,
      @Doc(value = "Its SHA-256, as verified on the engine host.", required = true) String sha256,
      @Doc(
              value =
                  "Object lock on the copy: none (the default), governance:DAYS or compliance:DAYS; the bucket must have object lock enabled.",
              defaultValue = NONE)
          String objectLock) {
    Input {
      objectStore = objectStore == null || objectStore.isBlank() ? NONE : objectStore;
      objectLock = objectLock == null || objectLock.isBlank() ? NONE : objectLock;
      if (file == null || fileName == null || sha256 == null) {
        throw new IllegalArgumentException("file, fileName and sha256 are required");
      }
    }
  }

  /**
   * @param url where the copy is, or none
   * @param storedSha256 the SHA-256 the object's metadata records
   * @param readBackSha256 the SHA-256 of the bytes read back from the store
   */
  record Output(
      String url,
      String endpoint,
      String bucket,
      String key,
      long size,
      String sha256,
      String storedSha256,
      String readBackSha256,
      String etag,
      boolean multipart,
      boolean alreadyStored,
      long durationMillis) {}

  UploadToObjectStore() {
    // A re-run finds the object a former try stored (same digest) and only checks it again.
    super("etcdUploadToObjectStore", Input.class, Effect.MUTATING, Rerun.SAFE);
  }

  @Override
  public Output run(Input input, StepContext context) {
    if (input.objectStore().equals(NONE)) {
      return new Output(
          NONE, null, null, null, 0, input.sha256(), null, null, null, false, false, 0);
    }
    StoreOf.Target target = StoreOf.upload(context.inventory(), input.objectStore());
    Inventory.ObjectStore store = target.store();
    S3Location loc =
        new S3Location(target.prefix().bucket(), target.prefix().under(input.fileName()));
    Path file = Path.of(input.file());
    long start = System.nanoTime();
    ObjectStoreClient.Lock lock = lock(input.objectLock());
    try (ObjectStoreClient client = ObjectStoreClient.open(store, System.getenv())) {
      OffSiteCopy.requireLockable(client, loc.bucket(), lock);
      long size = java.nio.file.Files.size(file);
      OffSiteCopy.Result copy =
          OffSiteCopy.copy(
              client, file, size, input.sha256(), loc, "snapshot", lock, context::progress);
      return new Output(
          loc.toString(),
          store.endpoint().toString(),
          loc.bucket(),
          loc.key(),
          size,
          input.sha256(),
          copy.storedSha256(),
          copy.readBackSha256(),
          copy.etag(),
          copy.multipart(),
          copy.alreadyStored(),
          (System.nanoTime() - start) / 1_000_000);
    } catch (ObjectStoreException e) {
      throw e.toRunbookError();
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      throw new RunbookError(
          ErrorCode.STEP_FAILED, "cannot read the snapshot " + file + ": " + e.getMessage());
    }
  }

  /** The lock {@code objectLock} asks for, from now; a bad value is the step's failure. */
  static ObjectStoreClient.Lock lock(String objectLock) {
    try {
      return OffSiteCopy.lock(objectLock, java.time.Instant.now());
    } catch (IllegalArgumentException e) {
      throw new RunbookError(ErrorCode.STEP_FAILED, e.getMessage());
    }
  }

  /** What the plan says of {@code objectLock}: nothing for none. */
  static String lockNote(String objectLock) {
    if (objectLock.isBlank() || objectLock.equals(NONE)) {
      return "";
    }
    OffSiteCopy.lock(objectLock, java.time.Instant.EPOCH); // refuses a bad value at plan time
    String[] p = objectLock.split(":");
    return "; each new object with a "
        + p[0].toUpperCase(java.util.Locale.ROOT)
        + " object lock for "
        + p[1]
        + " days from its upload (refused before any upload if the bucket has no object lock)";
  }

  static S3Location parse(String text) {
    return S3Location.parse(text, "objectStore", "PREFIX (or none)");
  }

  @Override
  public void plan(PlanContext plan) {
    String given = plan.input("objectStore");
    if (given.isBlank() || given.equals(NONE)) {
      plan.note("objectStore is none: no off-site copy");
      return;
    }
    S3Location prefix = parse(given);
    Inventory.ObjectStore store = StoreOf.inventory(plan.inventory(), prefix);
    plan.note(
        "uploads "
            + plan.input("file")
            + " to "
            + new S3Location(prefix.bucket(), prefix.under(plan.input("fileName")))
            + " at "
            + store.endpoint()
            + " (SHA-256 in the object's metadata; parts of 16 MiB above that, each with its"
            + " Content-MD5; never over an existing object), then HEADs it and reads it back:"
            + " size and SHA-256 must be "
            + plan.input("sha256")
            + lockNote(plan.input("objectLock")));
  }
}
