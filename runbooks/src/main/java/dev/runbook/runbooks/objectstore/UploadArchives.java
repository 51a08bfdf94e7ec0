package dev.runbook.runbooks.objectstore;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Copies control-plane-backup's archives off site: each node's archive with the {@code NAME.sha256}
 * and {@code NAME.hmac} beside it, so a copy fetched back opens the way the local one does. Each
 * file goes through {@link OffSiteCopy} (never over another object, read back and checked); the
 * archive itself must first still match its own {@code NAME.sha256}, so a file damaged on the
 * engine host after it was checked is not sent as sound.
 */
@Doc(
    "Uploads each node's control-plane archive, with its .sha256 and .hmac, to the inventory's S3-compatible object store (objectStore=s3://BUCKET/PREFIX) and reads each back to check its SHA-256; none skips it.")
final class UploadArchives extends DeclaredStep<UploadArchives.Input, UploadArchives.Output> {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The files beside an archive that travel with it, in the order they are sent. */
  static final List<String> SIDECARS = List.of(".sha256", ".hmac");

  record Input(
      @Doc(
              value = "s3://BUCKET/PREFIX, or none (the default) for no off-site copy.",
              defaultValue = UploadToObjectStore.NONE)
          String objectStore,
      @Doc(
              value =
                  "The archives to copy: per node, the path on the engine host (a JSON object, from the archive step).",
              required = true)
          String archives,
      @Doc(
              value =
                  "Object lock on each copy: none (the default), governance:DAYS or compliance:DAYS; the bucket must have object lock enabled.",
              defaultValue = UploadToObjectStore.NONE)
          String objectLock) {
    Input {
      objectLock =
          objectLock == null || objectLock.isBlank() ? UploadToObjectStore.NONE : objectLock;
      objectStore =
          objectStore == null || objectStore.isBlank() ? UploadToObjectStore.NONE : objectStore;
      if (archives == null || archives.isBlank()) {
        throw new IllegalArgumentException("archives is required");
      }
    }
  }

  /**
   * @param objects per node, the archive's object ({@code s3://BUCKET/KEY})
   * @param sha256 per object sent (archives and the files beside them), its SHA-256 as read back
   * @param alreadyStored the objects a former try had stored with the same digest
   */
  record Output(
      Map<String, String> objects,
      Map<String, String> sha256,
      List<String> alreadyStored,
      long bytes,
      long durationMillis) {}

  UploadArchives() {
    // A re-run finds what a former try stored (same digest) and only checks it again.
    super("controlPlaneUploadToObjectStore", Input.class, Effect.MUTATING, Rerun.SAFE);
  }

  @Override
  public Output run(Input input, StepContext context) {
    Map<String, String> objects = new LinkedHashMap<>();
    Map<String, String> digests = new LinkedHashMap<>();
    List<String> already = new ArrayList<>();
    if (input.objectStore().equals(UploadToObjectStore.NONE)) {
      return new Output(objects, digests, already, 0, 0);
    }
    List<Outgoing> files = outgoing(archives(input.archives()));
    StoreOf.Target target = StoreOf.upload(context.inventory(), input.objectStore());
    S3Location prefix = target.prefix();
    long start = System.nanoTime();
    long bytes = 0;
    ObjectStoreClient.Lock lock = UploadToObjectStore.lock(input.objectLock());
    try (ObjectStoreClient client = ObjectStoreClient.open(target.store(), System.getenv())) {
      OffSiteCopy.requireLockable(client, prefix.bucket(), lock);
      for (Outgoing f : files) {
        S3Location loc =
            new S3Location(prefix.bucket(), prefix.under(f.file().getFileName().toString()));
        OffSiteCopy.Result copy =
            OffSiteCopy.copy(
                client,
                f.file(),
                f.size(),
                f.sha256(),
                loc,
                "archive file",
                lock,
                context::progress);
        digests.put(loc.toString(), copy.readBackSha256());
        if (copy.alreadyStored()) {
          already.add(loc.toString());
        }
        if (f.archiveOf() != null) {
          objects.put(f.archiveOf(), loc.toString());
        }
        bytes += f.size();
      }
    } catch (ObjectStoreException e) {
      throw e.toRunbookError();
    }
    return new Output(objects, digests, already, bytes, (System.nanoTime() - start) / 1_000_000);
  }

  /**
   * A file to send: {@code archiveOf} names the node when it is the archive itself, null for a file
   * beside it.
   */
  record Outgoing(Path file, long size, String sha256, String archiveOf) {}

  /**
   * Every file to send, in order (each archive, then its .sha256 and .hmac), with its size and
   * SHA-256 read now. Checks every archive against its .sha256 before any is sent, so an archive
   * changed since its check stops the step with nothing uploaded.
   */
  static List<Outgoing> outgoing(Map<String, String> archives) {
    List<Outgoing> files = new ArrayList<>();
    try {
      for (Map.Entry<String, String> a : archives.entrySet()) {
        Path archive = Path.of(a.getValue());
        String recorded = firstWord(sidecar(archive, ".sha256"));
        String sha = OffSiteCopy.sha256(archive);
        if (!sha.equalsIgnoreCase(recorded)) {
          throw new RunbookError(
              ErrorCode.VALIDATION_FAILED,
              a.getKey()
                  + ": the archive "
                  + archive
                  + " hashes to "
                  + sha
                  + ", not the "
                  + recorded
                  + " its .sha256 records: it changed after it was checked; nothing was"
                  + " uploaded; run control-plane-backup again");
        }
        files.add(new Outgoing(archive, Files.size(archive), sha, a.getKey()));
        for (String suffix : SIDECARS) {
          Path side = sidecar(archive, suffix);
          files.add(new Outgoing(side, Files.size(side), OffSiteCopy.sha256(side), null));
        }
      }
    } catch (IOException e) {
      throw new RunbookError(
          ErrorCode.STEP_FAILED,
          "cannot read an archive to upload: " + e + "; nothing was uploaded");
    }
    return files;
  }

  private static Map<String, String> archives(String json) {
    try {
      return JSON.readValue(json, new TypeReference<LinkedHashMap<String, String>>() {});
    } catch (IOException e) {
      throw new RunbookError(ErrorCode.STEP_FAILED, "archives is not a JSON object of paths");
    }
  }

  private static Path sidecar(Path archive, String suffix) {
    return archive.resolveSibling(archive.getFileName() + suffix);
  }

  private static String firstWord(Path file) throws IOException {
    String text = Files.readString(file).strip();
    int space = text.indexOf(' ');
    return space < 0 ? text : text.substring(0, space);
  }

  @Override
  public void plan(PlanContext plan) {
    String given = plan.input("objectStore");
    if (given.isBlank() || given.equals(UploadToObjectStore.NONE)) {
      plan.note("objectStore is none: no off-site copy");
      return;
    }
    S3Location prefix = UploadToObjectStore.parse(given);
    Inventory.ObjectStore store = StoreOf.inventory(plan.inventory(), prefix);
    plan.note(
        "uploads each archive of "
            + plan.input("archives")
            + " with its .sha256 and .hmac under "
            + prefix
            + " at "
            + store.endpoint()
            + " (SHA-256 in each object's metadata; never over an existing object), then reads"
            + " each back: its SHA-256 must be the file's, and the archive's the one its .sha256"
            + " records"
            + UploadToObjectStore.lockNote(plan.input("objectLock")));
  }
}
