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
        already ? before.get() : client.upload(file, loc, sha256, ObjectStoreClient.PART_SIZE);
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
