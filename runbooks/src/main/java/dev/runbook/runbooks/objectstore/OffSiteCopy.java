package dev.runbook.runbooks.objectstore;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One file copied to the store and proven there, shared by every step that copies off site: an
 * object already under the key is kept when it holds the same SHA-256 (a former try's copy) and
 * refused otherwise, never overwritten; a new one goes up with its SHA-256 in the metadata; then
 * the recorded digest and the bytes read back must both be the file's. The local file is never
 * touched, so every failure leaves it where it was.
 */
final class OffSiteCopy {

  /**
   * @param storedSha256 the SHA-256 the object's metadata records
   * @param readBackSha256 the SHA-256 of the bytes read back from the store
   * @param alreadyStored the object was there before, from a former try
   */
  record Result(
      S3Location location,
      long size,
      String storedSha256,
      String readBackSha256,
      String etag,
      boolean multipart,
      boolean alreadyStored) {}

  private OffSiteCopy() {}

  /** The upload steps' {@code objectLock} values: none, or MODE:DAYS. */
  static final String LOCK_PATTERN = "none|(governance|compliance):[1-9][0-9]{0,4}";

  /**
   * The lock {@code objectLock} asks for, counted from {@code now}, or null for none.
   *
   * @throws IllegalArgumentException when it is not {@code none}, {@code governance:DAYS} or {@code
   *     compliance:DAYS}
   */
  static ObjectStoreClient.Lock lock(String objectLock, java.time.Instant now) {
    String text = objectLock == null || objectLock.isBlank() ? "none" : objectLock;
    if (!text.matches(LOCK_PATTERN)) {
      throw new IllegalArgumentException(
          "objectLock must be none, governance:DAYS or compliance:DAYS, not '" + text + "'");
    }
    if (text.equals("none")) {
      return null;
    }
    String[] p = text.split(":");
    return new ObjectStoreClient.Lock(
        p[0].toUpperCase(java.util.Locale.ROOT),
        now.plus(java.time.Duration.ofDays(Long.parseLong(p[1])))
            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
  }

  /**
   * Refuses, before anything is sent, a lock the bucket cannot keep: asked for one, a store or
   * bucket without object lock would store the object unlocked and let the run say it is.
   */
  static void requireLockable(
      ObjectStoreClient client, String bucket, ObjectStoreClient.Lock lock) {
    if (lock != null && !client.lockEnabled(bucket)) {
      throw new ObjectStoreException(
          ObjectStoreException.Kind.FAILED,
          "objectLock asks for a "
              + lock.mode()
              + " lock, but bucket "
              + bucket
              + " has no object lock enabled (or the store does not support it): nothing was"
              + " uploaded; use a bucket made with object lock (it needs versioning), or"
              + " objectLock=none");
    }
  }

  /** The file's SHA-256 (hex), read in 1 MiB blocks. */
  static String sha256(Path file) throws java.io.IOException {
    java.security.MessageDigest d = ObjectStoreClient.sha256();
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 20];
      for (int n; (n = in.read(buf)) > 0; ) {
        d.update(buf, 0, n);
      }
    }
    return java.util.HexFormat.of().formatHex(d.digest());
  }

  /**
   * @param what the file's kind for messages ("snapshot", "archive")
   * @param size the file's size, as read by the caller before
   * @throws ObjectStoreException with the kind the store's answer or the check decides
   */
  static Result copy(
      ObjectStoreClient client,
      Path file,
      long size,
      String sha256,
      S3Location loc,
      String what,
      ObjectStoreClient.Lock lock,
      Consumer<String> progress) {
    Optional<ObjectStoreClient.Stored> before = client.head(loc);
    boolean already = before.isPresent();
    if (already && !sha256.equalsIgnoreCase(before.get().sha256())) {
      throw new ObjectStoreException(
          ObjectStoreException.Kind.EXISTS,
          loc
              + " already holds an object with SHA-256 "
              + before.get().sha256()
              + ", not this "
              + what
              + "'s "
              + sha256
              + ": it is never overwritten; choose another prefix");
    }
    if (!already) {
      progress.accept("uploading " + file + " to " + loc);
    }
    ObjectStoreClient.Stored stored =
        already
            ? before.get()
            : client.upload(file, loc, sha256, ObjectStoreClient.PART_SIZE, lock);
    if (lock != null
        && !already
        && (!lock.mode().equals(stored.lockMode())
            || stored.lockedUntil() == null
            || stored.lockedUntil().isBefore(lock.until()))) {
      throw new ObjectStoreException(
          ObjectStoreException.Kind.FAILED,
          "the store took "
              + loc
              + " but does not show the "
              + lock.mode()
              + " lock until "
              + lock.until()
              + " asked for (it shows "
              + stored.lockMode()
              + " until "
              + stored.lockedUntil()
              + "): it is not protected as the run was told to make it");
    }
    String kept = "; the local " + what + " " + file + " is kept";
    if (stored.size() != size || !sha256.equalsIgnoreCase(stored.sha256())) {
      throw new ObjectStoreException(
          ObjectStoreException.Kind.DIGEST_MISMATCH,
          loc
              + " holds "
              + stored.size()
              + " bytes with recorded SHA-256 "
              + stored.sha256()
              + ", not the "
              + what
              + "'s "
              + size
              + " bytes and "
              + sha256
              + kept);
    }
    progress.accept("reading " + loc + " back to check its SHA-256");
    ObjectStoreClient.Downloaded back = client.download(loc, null);
    if (back.size() != size || !sha256.equalsIgnoreCase(back.sha256())) {
      throw new ObjectStoreException(
          ObjectStoreException.Kind.DIGEST_MISMATCH,
          "the bytes read back from "
              + loc
              + " hash to "
              + back.sha256()
              + " ("
              + back.size()
              + " bytes), not the "
              + what
              + "'s "
              + sha256
              + kept);
    }
    return new Result(
        loc,
        size,
        stored.sha256(),
        back.sha256(),
        stored.etag(),
        size > ObjectStoreClient.PART_SIZE,
        already);
  }
}
