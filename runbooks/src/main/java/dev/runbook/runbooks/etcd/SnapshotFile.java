package dev.runbook.runbooks.etcd;

import dev.runbook.runbooks.etcd.SnapshotCheckException.Check;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * Checks an etcd snapshot file ({@code etcdctl snapshot save} output) on the engine host, without
 * etcd tools and without loading the file: snapshots run to hundreds of megabytes and the engine
 * may run with a 128 MB heap, so everything is streamed through small buffers.
 *
 * <p>A snapshot is a bbolt database followed by a 32-byte SHA-256 of that database. {@link #verify}
 * checks the file is that; {@link #status} reads the database and reports what {@code etcdctl
 * snapshot status} (etcd 3.4) and {@code etcdutl snapshot status} (etcd 3.5) report, plus the
 * number of live keys. No node needs a tool for it, which matters from etcd 3.6 on: 3.6 removed
 * {@code etcdctl snapshot status}, and its {@code etcdutl snapshot status} counts "totalKey" as the
 * live keys ({@link Status#liveKeys()} here), no longer every key/value.
 */
public final class SnapshotFile {

  /** Length of the SHA-256 trailer etcd appends to the database. */
  static final int TRAILER = 32;

  /**
   * etcd decides whether a snapshot has a trailer by its size modulo 512 (snapshot restore does
   * {@code size % 512 == sha256.Size}), so the same rule separates good files from cut ones here.
   */
  static final int BLOCK = 512;

  private static final int READ_BUFFER = 1 << 20;
  private static final String RETAKE = "Take a new snapshot with the etcd-snapshot runbook.";
  private static final HexFormat HEX = HexFormat.of();

  /**
   * A file that passed every check of {@link #verify}.
   *
   * @param file the snapshot file
   * @param size its size in bytes, trailer included
   * @param sha256 hex SHA-256 of the whole file, trailer included: what {@code sha256sum} prints,
   *     so operators can compare copies
   * @param trailerSha256 hex of the trailer, the SHA-256 of the database part
   * @param pageSize the bbolt page size
   */
  public record Verified(Path file, long size, String sha256, String trailerSha256, int pageSize) {}

  /**
   * What is in a snapshot, computed as etcd's {@code snapshot status} does.
   *
   * @param hash CRC-32C over every bucket name, key and value, an unsigned 32-bit value; the JSON
   *     output ({@code -w json}) prints it as this decimal number
   * @param revision the newest revision in the snapshot
   * @param totalKeys every key/value in every bucket (etcd 3.4 and 3.5's "totalKey"; not the user
   *     key count; etcd 3.6's "totalKey" is {@code liveKeys})
   * @param totalSize the database size etcd reports: bbolt's high-water page count times page size
   * @param liveKeys user keys whose newest revision is not a deletion: what {@code etcdctl get ""
   *     --prefix --count-only} reports for the snapshot's revision
   * @param clusterVersion the cluster version etcd recorded in the snapshot (bucket "cluster", key
   *     "clusterVersion", e.g. {@code 3.5.0}); empty when it is not there
   */
  public record Status(
      long hash,
      long revision,
      long totalKeys,
      long totalSize,
      long liveKeys,
      String clusterVersion) {

    /** {@code major.minor} of {@link #clusterVersion}, or empty. */
    public String majorMinor() {
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("^(\\d+\\.\\d+)").matcher(clusterVersion);
      return m.find() ? m.group(1) : "";
    }

    /** The hash as etcdctl's table output prints it: lowercase hex, not zero-padded. */
    public String hashHex() {
      return Long.toHexString(hash);
    }
  }

  private SnapshotFile() {}

  /**
   * Checks, in this order, that {@code file} exists as a regular file, is not empty, can be read,
   * has a size 32 bytes past a multiple of 512, ends with the SHA-256 of the rest, and starts with
   * valid bbolt meta pages. Reads the whole file once.
   *
   * @throws SnapshotCheckException for the first check that fails
   */
  public static Verified verify(Path file) {
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw fail(
          Check.MISSING,
          file,
          "does not exist",
          "an existing snapshot file",
          "Check the path; if the snapshot was never taken or was removed, take a new one with the"
              + " etcd-snapshot runbook.");
    } catch (IOException e) {
      throw fail(
          Check.UNREADABLE,
          file,
          "cannot be examined (" + e + ")",
          "a readable file",
          "Check the permissions of the file and its directories.",
          e);
    }
    if (!attributes.isRegularFile()) {
      throw fail(
          Check.MISSING,
          file,
          attributes.isDirectory() ? "is a directory" : "is not a regular file",
          "a regular snapshot file",
          "Point at the snapshot file itself, not at its directory or a device.");
    }
    if (attributes.size() == 0) {
      throw fail(
          Check.EMPTY,
          file,
          "is empty (0 bytes)",
          "a bbolt database plus a 32-byte SHA-256 trailer",
          "The snapshot was not written (disk full? save interrupted?). " + RETAKE);
    }
    try (FileChannel channel = open(file)) {
      long size = channel.size();
      checkSize(file, size);
      long dbSize = size - TRAILER;
      byte[][] digests = digest(file, channel, dbSize);
      byte[] computed = digests[0];
      byte[] trailer = digests[1];
      byte[] whole = digests[2];
      if (!MessageDigest.isEqual(computed, trailer)) {
        throw fail(
            Check.TRAILER_MISMATCH,
            file,
            "ends with SHA-256 "
                + HEX.formatHex(trailer)
                + " but its first "
                + dbSize
                + " bytes hash to "
                + HEX.formatHex(computed),
            "the last 32 bytes to be the SHA-256 of everything before them",
            "The file was altered or cut after it was written (a cut at a 512-byte boundary"
                + " keeps the size plausible). "
                + RETAKE);
      }
      BoltReader reader = bolt(file, channel, dbSize, BoltReader.IN_MEMORY_PAGE_LIMIT);
      return new Verified(
          file, size, HEX.formatHex(whole), HEX.formatHex(trailer), reader.pageSize());
    } catch (IOException e) {
      throw unreadable(file, e);
    }
  }

  /** {@link #verify}, then {@link #status(Verified)}. */
  public static Status status(Path file) {
    return status(verify(file));
  }

  /**
   * Reads the database of a file {@link #verify} accepted, assuming it has not changed since (only
   * its size is checked again). Memory grows with the number of live user keys (their names are
   * kept to tell overwrites from new keys), never with values or the file size.
   *
   * @throws SnapshotCheckException NOT_BBOLT if the page structure is damaged, SIZE if the file
   *     changed size since it was verified, UNREADABLE if it cannot be read
   */
  public static Status status(Verified verified) {
    return status(verified, BoltReader.IN_MEMORY_PAGE_LIMIT);
  }

  /** Lets tests push every overflowing page through the on-disk path. */
  static Status status(Verified verified, int inMemoryPageLimit) {
    Path file = verified.file();
    try (FileChannel channel = open(file)) {
      long size = channel.size();
      if (size != verified.size()) {
        throw fail(
            Check.SIZE,
            file,
            "is " + size + " bytes now",
            verified.size() + " bytes, its size when it was verified",
            "Something is still writing or replacing it; verify it again once it is settled.");
      }
      BoltReader reader = bolt(file, channel, size - TRAILER, inMemoryPageLimit);
      StatusWalk walk = new StatusWalk();
      try {
        reader.forEachBucket(walk);
      } catch (BoltFormatException e) {
        throw notBbolt(file, e);
      }
      return new Status(
          walk.crc.getValue(),
          walk.revision,
          walk.totalKeys,
          reader.txSize(),
          walk.live.size(),
          walk.clusterVersion);
    } catch (IOException e) {
      throw unreadable(file, e);
    }
  }

  /**
   * The computation of etcd's {@code snapshot status}: for each top-level bucket, its name, then
   * each key and value (a nested bucket contributes its key only, as bbolt's ForEach passes it a
   * nil value) go into a CRC-32C; every entry counts; in bucket "key" the revision is the main
   * revision of the last (newest) entry.
   */
  static final class StatusWalk implements BoltReader.BucketVisitor {
    private static final byte[] KEY_BUCKET = "key".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLUSTER_BUCKET = "cluster".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLUSTER_VERSION =
        "clusterVersion".getBytes(StandardCharsets.US_ASCII);

    /** etcd's revision key: main (8, big-endian), '_', sub (8); a tombstone adds a 't'. */
    private static final int REVISION_KEY = 17;

    final CRC32C crc = new CRC32C();
    long totalKeys;
    long revision;
    String clusterVersion = "";

    /**
     * Live user keys as Latin-1 strings: lossless for any bytes, one byte per character in a
     * compact string.
     */
    final Set<String> live = new HashSet<>();

    @Override
    public BoltReader.EntryVisitor bucket(byte[] name) {
      crc.update(name);
      boolean keyBucket = Arrays.equals(name, KEY_BUCKET);
      boolean clusterBucket = Arrays.equals(name, CLUSTER_BUCKET);
      return (key, region, valueOffset, valueSize, nested) -> {
        crc.update(key);
        if (!nested) {
          region.feed(valueOffset, valueSize, crc);
        }
        totalKeys++;
        if (keyBucket && !nested) {
          revisionEntry(key, region, valueOffset, valueSize);
        }
        // A version string is a few bytes; anything longer is not one.
        if (clusterBucket && !nested && Arrays.equals(key, CLUSTER_VERSION) && valueSize <= 64) {
          clusterVersion =
              new String(region.bytes(valueOffset, (int) valueSize), StandardCharsets.US_ASCII);
        }
      };
    }

    private void revisionEntry(byte[] key, Region region, long valueOffset, long valueSize)
        throws IOException {
      if (key.length != REVISION_KEY && key.length != REVISION_KEY + 1) {
        throw new BoltFormatException(
            "bucket \"key\" holds key \""
                + BoltReader.printable(key)
                + "\" of "
                + key.length
                + " bytes, expected an etcd revision (17 or 18 bytes)");
      }
      revision = ByteBuffer.wrap(key, 0, 8).getLong();
      if (valueSize == 0 && key.length == REVISION_KEY) {
        // What `etcdutl snapshot restore --bump-revision` writes (and so every etcd-restore): the
        // bumped revision with an empty value, which names no user key. It stays in the cluster's
        // next snapshots until a compaction passes it.
        return;
      }
      String userKey =
          new String(UserKey.of(region, valueOffset, valueSize), StandardCharsets.ISO_8859_1);
      boolean tombstone = key.length == REVISION_KEY + 1 && key[REVISION_KEY] == 't';
      // Entries come in revision order, so the last one seen for a user key is its newest.
      if (tombstone) {
        live.remove(userKey);
      } else {
        live.add(userKey);
      }
    }
  }

  private static FileChannel open(Path file) throws IOException {
    return FileChannel.open(file, StandardOpenOption.READ);
  }

  private static void checkSize(Path file, long size) {
    if (size >= TRAILER && (size - TRAILER) % BLOCK == 0) {
      return;
    }
    String why =
        size % BLOCK == 0
            ? "It is a whole number of 512-byte blocks with no room for a trailer: a bbolt db"
                + " copied from a data dir (member/snap/db) rather than saved with etcdctl"
                + " snapshot save, or a snapshot with its trailer cut off. "
            : "It is truncated (copy or save interrupted, disk full) or is not a snapshot. ";
    throw fail(
        Check.SIZE,
        file,
        "is " + size + " bytes (" + (size % BLOCK) + " past a multiple of 512)",
        "32 bytes past a multiple of 512 (a bbolt database plus its SHA-256 trailer)",
        why + RETAKE);
  }

  /** [SHA-256 of the database part, the trailer, SHA-256 of the whole file], in one pass. */
  private static byte[][] digest(Path file, FileChannel channel, long dbSize) throws IOException {
    MessageDigest content = sha256();
    ByteBuffer buffer = ByteBuffer.allocate(READ_BUFFER);
    long at = 0;
    while (at < dbSize) {
      buffer.clear().limit((int) Math.min(buffer.capacity(), dbSize - at));
      Region.readFully(channel, buffer, at);
      content.update(buffer.flip());
      at += buffer.limit();
    }
    ByteBuffer trailer = ByteBuffer.allocate(TRAILER);
    Region.readFully(channel, trailer, dbSize);
    MessageDigest whole;
    try {
      // Cloning the running digest gives the whole-file hash without hashing the file twice.
      whole = (MessageDigest) content.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("SHA-256 digest cannot be cloned", e);
    }
    whole.update(trailer.array());
    return new byte[][] {content.digest(), trailer.array(), whole.digest()};
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  private static BoltReader bolt(Path file, FileChannel channel, long dbSize, int pageLimit)
      throws IOException {
    try {
      return BoltReader.open(channel, dbSize, pageLimit);
    } catch (BoltFormatException e) {
      throw notBbolt(file, e);
    }
  }

  private static SnapshotCheckException notBbolt(Path file, BoltFormatException e) {
    return fail(
        Check.NOT_BBOLT,
        file,
        "has a correct SHA-256 trailer but its database is not sound bbolt: " + e.getMessage(),
        "a bbolt database (meta magic 0xED0CDAED, version 2, valid checksums and pages)",
        "The file was not written by etcdctl snapshot save, or etcd's own database was"
            + " already damaged. "
            + RETAKE,
        e);
  }

  private static SnapshotCheckException unreadable(Path file, IOException e) {
    return fail(
        Check.UNREADABLE,
        file,
        "cannot be read (" + e + ")",
        "a readable file",
        "Check the file's permissions and the disk under it, then verify again.",
        e);
  }

  private static SnapshotCheckException fail(
      Check check, Path file, String found, String expected, String todo) {
    return fail(check, file, found, expected, todo, null);
  }

  private static SnapshotCheckException fail(
      Check check, Path file, String found, String expected, String todo, Throwable cause) {
    return new SnapshotCheckException(
        check,
        file,
        String.format(
            "etcd snapshot check %s failed for %s: the file %s; expected %s. %s",
            check, file, found, expected, todo),
        cause);
  }
}
