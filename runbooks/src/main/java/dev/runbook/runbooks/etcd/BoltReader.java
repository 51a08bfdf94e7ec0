package dev.runbook.runbooks.etcd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Reads a bbolt database offline, page by page, without mapping or loading the file: only the pages
 * on the current root-to-leaf path are in memory at once.
 *
 * <p>Layout (bbolt 1.3, what etcd 3.4 and 3.5 write; little-endian): a page starts with a 16-byte
 * header {u64 id, u16 flags, u16 count, u32 overflow}; pages 0 and 1 hold a meta struct at offset
 * 16; branch elements are {u32 pos, u32 ksize, u64 pgid}, leaf elements {u32 flags, u32 pos, u32
 * ksize, u32 vsize}, with the key at element address + pos and the value right after the key.
 */
final class BoltReader {

  static final int MAGIC = 0xED0CDAED;
  static final int VERSION = 2;
  static final int PAGE_HEADER = 16;
  static final int ELEMENT = 16;
  static final int META_SIZE = 64;

  /** The meta checksum covers the struct up to, not including, the checksum field. */
  static final int META_CHECKSUM_OFFSET = 56;

  static final int BRANCH = 0x01;
  static final int LEAF = 0x02;
  static final int META = 0x04;
  static final int BUCKET_ELEMENT = 0x01;

  /** bbolt's own limit; a larger ksize can only come from damage. */
  static final int MAX_KEY_SIZE = 32768;

  /**
   * Pages up to this span are read whole (one read instead of one per element); larger ones, only a
   * leaf overflowing to hold a huge value, stay on disk so a 128 MB heap is never at risk.
   */
  static final int IN_MEMORY_PAGE_LIMIT = 4 * 1024 * 1024;

  /** Far deeper than any real tree; stops a damaged file from recursing without end. */
  static final int MAX_DEPTH = 64;

  /** The default page size bbolt falls back to when page 0 is damaged, as bbolt itself does. */
  static final int DEFAULT_PAGE_SIZE = 4096;

  record Meta(
      int page,
      int magic,
      int version,
      int pageSize,
      long root,
      long freelist,
      long pgid,
      long txid,
      long checksum,
      long computedChecksum) {

    /** Why this meta is unusable, or null if it is valid. */
    String problem() {
      if (magic != MAGIC) {
        return String.format("meta page %d: magic 0x%08X, expected 0x%08X", page, magic, MAGIC);
      }
      if (version != VERSION) {
        return String.format("meta page %d: version %d, expected %d", page, version, VERSION);
      }
      if (checksum != computedChecksum) {
        return String.format(
            "meta page %d: checksum 0x%016X, expected 0x%016X (FNV-1a-64 of the meta)",
            page, checksum, computedChecksum);
      }
      return null;
    }
  }

  /** Receives a bucket's entries in key order. */
  interface EntryVisitor {
    /**
     * One key/value. For a nested bucket {@code bucket} is true and the value is the bucket header,
     * which bbolt's ForEach hides (it passes a nil value).
     */
    void entry(byte[] key, Region region, long valueOffset, long valueSize, boolean bucket)
        throws IOException;
  }

  /** Receives the top-level buckets in key order. */
  interface BucketVisitor {
    EntryVisitor bucket(byte[] name) throws IOException;
  }

  private final FileChannel channel;
  private final Meta meta;
  private final int pageSize;
  private final int inMemoryPageLimit;
  private final BitSet seen = new BitSet();

  private BoltReader(FileChannel channel, Meta meta, int inMemoryPageLimit) {
    this.channel = channel;
    this.meta = meta;
    this.pageSize = meta.pageSize();
    this.inMemoryPageLimit = inMemoryPageLimit;
  }

  /**
   * Reads and checks the meta pages of the database occupying the first {@code dbSize} bytes of
   * {@code channel}, the way bbolt opens a file: page 0 gives the page size (or 4096 if page 0 is
   * damaged), then the valid meta with the higher txid wins.
   */
  static BoltReader open(FileChannel channel, long dbSize) throws IOException {
    return open(channel, dbSize, IN_MEMORY_PAGE_LIMIT);
  }

  /** {@link #open(FileChannel, long)}, reading pages larger than the limit from disk on demand. */
  static BoltReader open(FileChannel channel, long dbSize, int inMemoryPageLimit)
      throws IOException {
    if (dbSize < PAGE_HEADER + META_SIZE) {
      throw new BoltFormatException(
          "the database part is "
              + dbSize
              + " bytes, too small to hold a bbolt meta page ("
              + (PAGE_HEADER + META_SIZE)
              + " bytes)");
    }
    Meta meta0 = readMeta(channel, dbSize, 0, 0);
    int pageSize =
        meta0.problem() == null && plausiblePageSize(meta0.pageSize())
            ? meta0.pageSize()
            : DEFAULT_PAGE_SIZE;
    Meta meta1 = readMeta(channel, dbSize, 1, pageSize);

    List<String> problems = new ArrayList<>();
    Meta chosen = null;
    Meta first = meta1 != null && meta1.txid() > meta0.txid() ? meta1 : meta0;
    Meta second = first == meta0 ? meta1 : meta0;
    for (Meta m : new Meta[] {first, second}) {
      if (m == null) {
        problems.add("meta page 1: beyond the end of the database (page size " + pageSize + ")");
      } else if (m.problem() != null) {
        problems.add(m.problem());
      } else if (chosen == null) {
        chosen = m;
      }
    }
    if (chosen == null) {
      throw new BoltFormatException("no valid meta page: " + String.join("; ", problems));
    }
    if (chosen.pageSize() != pageSize || !plausiblePageSize(pageSize)) {
      throw new BoltFormatException(
          String.format(
              "meta page %d: page size %d, expected a power of two from 512 to 1 MiB found at"
                  + " page %d's offset (%d)",
              chosen.page(), chosen.pageSize(), chosen.page(), pageSize));
    }
    if (chosen.pgid() < 3 || chosen.pgid() > dbSize / pageSize) {
      throw new BoltFormatException(
          String.format(
              "meta page %d: high-water mark %d pages of %d bytes, but the database part holds %d"
                  + " bytes (%d pages)",
              chosen.page(), chosen.pgid(), pageSize, dbSize, dbSize / pageSize));
    }
    if (chosen.root() < 2 || chosen.root() >= chosen.pgid()) {
      throw new BoltFormatException(
          String.format(
              "meta page %d: root bucket page %d outside pages 2..%d",
              chosen.page(), chosen.root(), chosen.pgid() - 1));
    }
    return new BoltReader(channel, chosen, inMemoryPageLimit);
  }

  private static boolean plausiblePageSize(int size) {
    return size >= 512 && size <= (1 << 20) && Integer.bitCount(size) == 1;
  }

  private static Meta readMeta(FileChannel channel, long dbSize, int page, long pageSize)
      throws IOException {
    long at = page * pageSize + PAGE_HEADER;
    if (at + META_SIZE > dbSize) {
      return null;
    }
    ByteBuffer b = ByteBuffer.allocate(META_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    Region.readFully(channel, b, at);
    b.flip();
    return new Meta(
        page,
        b.getInt(0),
        b.getInt(4),
        b.getInt(8),
        b.getLong(16),
        b.getLong(32),
        b.getLong(40),
        b.getLong(48),
        b.getLong(56),
        fnv1a64(b.array(), 0, META_CHECKSUM_OFFSET));
  }

  static long fnv1a64(byte[] data, int from, int to) {
    long hash = 0xcbf29ce484222325L;
    for (int i = from; i < to; i++) {
      hash ^= data[i] & 0xff;
      hash *= 0x100000001b3L;
    }
    return hash;
  }

  int pageSize() {
    return pageSize;
  }

  /** What {@code tx.Size()} reports: the high-water page id times the page size. */
  long txSize() {
    return meta.pgid() * pageSize;
  }

  /**
   * Walks the root bucket like etcd's {@code snapshot status}: each top-level key must be a bucket
   * (etcd fails with "cannot get hash of bucket" otherwise), and each bucket's entries are visited
   * in key order.
   */
  void forEachBucket(BucketVisitor visitor) throws IOException {
    walk(
        page(meta.root()),
        0,
        (name, region, valueOffset, valueSize, bucket) -> {
          if (!bucket) {
            throw new BoltFormatException(
                "top-level key \""
                    + printable(name)
                    + "\" is not a bucket (etcd keeps only buckets there)");
          }
          EntryVisitor entries = visitor.bucket(name);
          walk(openBucket(name, region, valueOffset, valueSize), 1, entries);
        });
  }

  /** A bucket's root: a page of its own, or (root id 0) an inline page inside the value. */
  private Region openBucket(byte[] name, Region region, long valueOffset, long valueSize)
      throws IOException {
    if (valueSize < 16) {
      throw new BoltFormatException(
          "bucket \"" + printable(name) + "\" has a " + valueSize + "-byte header, expected 16");
    }
    long root = region.u64(valueOffset);
    if (root != 0) {
      return page(root);
    }
    // bbolt only inlines a bucket smaller than a quarter page; anything bigger is damage, and
    // bounding it keeps the copy small.
    if (valueSize - 16 < PAGE_HEADER || valueSize > pageSize) {
      throw new BoltFormatException(
          "inline bucket \""
              + printable(name)
              + "\" is "
              + valueSize
              + " bytes, expected 32 to "
              + pageSize);
    }
    byte[] inline = region.bytes(valueOffset + 16, (int) (valueSize - 16));
    return Region.of("inline bucket \"" + printable(name) + "\"", ByteBuffer.wrap(inline));
  }

  /** Loads a page (with its overflow), refusing ids outside the file and pages reached twice. */
  private Region page(long id) throws IOException {
    if (id < 2 || id >= meta.pgid()) {
      throw new BoltFormatException(
          "page id " + id + " is outside the data pages 2.." + (meta.pgid() - 1));
    }
    long start = id * pageSize;
    ByteBuffer first = ByteBuffer.allocate(pageSize).order(ByteOrder.LITTLE_ENDIAN);
    Region.readFully(channel, first, start);
    long headerId = first.getLong(0);
    if (headerId != id) {
      throw new BoltFormatException("page " + id + " says it is page " + headerId);
    }
    long overflow = first.getInt(12) & 0xffffffffL;
    if (id + overflow >= meta.pgid()) {
      throw new BoltFormatException(
          "page "
              + id
              + " overflows by "
              + overflow
              + " pages, past the high-water mark "
              + meta.pgid());
    }
    // A page referenced twice would make the walk count entries twice or loop.
    int from = Math.toIntExact(id);
    int to = Math.toIntExact(id + overflow + 1);
    int clash = seen.nextSetBit(from);
    if (clash >= 0 && clash < to) {
      throw new BoltFormatException("page " + clash + " is reachable twice (a cycle or overlap)");
    }
    seen.set(from, to);
    long span = (overflow + 1) * pageSize;
    String name = "page " + id;
    if (overflow == 0) {
      return Region.of(name, first.clear());
    }
    if (span <= inMemoryPageLimit) {
      ByteBuffer whole = ByteBuffer.allocate((int) span);
      whole.put(first.clear());
      Region.readFully(channel, whole, start + pageSize);
      return Region.of(name, whole.flip());
    }
    return Region.onDisk(name, channel, start, span);
  }

  private void walk(Region page, int depth, EntryVisitor visitor) throws IOException {
    if (depth > MAX_DEPTH) {
      throw new BoltFormatException("the tree is more than " + MAX_DEPTH + " levels deep");
    }
    int flags = page.u16(8);
    int count = page.u16(10);
    page.check(PAGE_HEADER, (long) count * ELEMENT, count + " elements");
    if (flags == BRANCH) {
      for (int i = 0; i < count; i++) {
        long element = PAGE_HEADER + (long) i * ELEMENT;
        walk(page(page.u64(element + 8)), depth + 1, visitor);
      }
    } else if (flags == LEAF) {
      for (int i = 0; i < count; i++) {
        long element = PAGE_HEADER + (long) i * ELEMENT;
        long elementFlags = page.u32(element);
        long keyOffset = element + page.u32(element + 4);
        long keySize = page.u32(element + 8);
        long valueSize = page.u32(element + 12);
        if (keySize > MAX_KEY_SIZE) {
          throw new BoltFormatException(
              page.name() + " element " + i + ": key of " + keySize + " bytes");
        }
        page.check(keyOffset, keySize + valueSize, "element " + i + "'s key and value");
        byte[] key = page.bytes(keyOffset, (int) keySize);
        visitor.entry(
            key, page, keyOffset + keySize, valueSize, (elementFlags & BUCKET_ELEMENT) != 0);
      }
    } else {
      throw new BoltFormatException(
          String.format(
              "%s has flags 0x%02X, expected a branch (0x%02X) or leaf (0x%02X) page",
              page.name(), flags, BRANCH, LEAF));
    }
  }

  static String printable(byte[] name) {
    StringBuilder out = new StringBuilder();
    for (byte b : name) {
      int c = b & 0xff;
      if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
        out.append((char) c);
      } else {
        out.append(String.format("\\x%02x", c));
      }
      if (out.length() > 80) {
        return out.append("...").toString();
      }
    }
    return out.toString();
  }
}
