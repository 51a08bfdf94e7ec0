package dev.runbook.runbooks.etcd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.zip.Checksum;

/**
 * A bounded run of bytes of the database (a page, or an inline bucket's page inside a value), read
 * by offset. Every read is checked against the run's length so that offsets taken from a damaged
 * file end in a {@link BoltFormatException} instead of reading a neighbour or indexing out of
 * bounds. Multi-byte integers are little-endian, as bbolt writes them on every platform etcd runs.
 */
abstract class Region {

  private final String name;
  private final long length;

  Region(String name, long length) {
    this.name = name;
    this.length = length;
  }

  /** Bytes held in memory: a whole page, or an inline bucket. */
  static Region of(String name, ByteBuffer buffer) {
    return new InMemory(name, buffer.order(ByteOrder.LITTLE_ENDIAN));
  }

  /**
   * Bytes left on disk and read on demand: for pages too large to hold in memory (a leaf page that
   * overflows to carry a huge value).
   */
  static Region onDisk(String name, FileChannel channel, long start, long length) {
    return new OnDisk(name, channel, start, length);
  }

  final String name() {
    return name;
  }

  final long length() {
    return length;
  }

  final void check(long offset, long count, String what) {
    if (offset < 0 || count < 0 || offset > length || count > length - offset) {
      throw new BoltFormatException(
          String.format(
              "%s of %d bytes at offset %d runs past the end of %s (%d bytes)",
              what, count, offset, name, length));
    }
  }

  abstract int u8(long offset) throws IOException;

  abstract int u16(long offset) throws IOException;

  abstract long u32(long offset) throws IOException;

  abstract long u64(long offset) throws IOException;

  abstract byte[] bytes(long offset, int count) throws IOException;

  /** Feeds {@code count} bytes into {@code sum} without holding them all at once. */
  abstract void feed(long offset, long count, Checksum sum) throws IOException;

  private static final class InMemory extends Region {
    private final ByteBuffer buffer;

    InMemory(String name, ByteBuffer buffer) {
      super(name, buffer.remaining());
      this.buffer = buffer.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    int u8(long offset) {
      check(offset, 1, "a byte");
      return buffer.get((int) offset) & 0xff;
    }

    @Override
    int u16(long offset) {
      check(offset, 2, "a u16");
      return buffer.getShort((int) offset) & 0xffff;
    }

    @Override
    long u32(long offset) {
      check(offset, 4, "a u32");
      return buffer.getInt((int) offset) & 0xffffffffL;
    }

    @Override
    long u64(long offset) {
      check(offset, 8, "a u64");
      return buffer.getLong((int) offset);
    }

    @Override
    byte[] bytes(long offset, int count) {
      check(offset, count, "a byte string");
      byte[] out = new byte[count];
      buffer.get((int) offset, out);
      return out;
    }

    @Override
    void feed(long offset, long count, Checksum sum) {
      check(offset, count, "a value");
      sum.update(buffer.slice((int) offset, (int) count));
    }
  }

  private static final class OnDisk extends Region {
    private static final int CHUNK = 64 * 1024;
    private final FileChannel channel;
    private final long start;

    OnDisk(String name, FileChannel channel, long start, long length) {
      super(name, length);
      this.channel = channel;
      this.start = start;
    }

    private ByteBuffer read(long offset, int count, String what) throws IOException {
      check(offset, count, what);
      ByteBuffer buffer = ByteBuffer.allocate(count).order(ByteOrder.LITTLE_ENDIAN);
      readFully(channel, buffer, start + offset);
      return buffer.flip();
    }

    @Override
    int u8(long offset) throws IOException {
      return read(offset, 1, "a byte").get() & 0xff;
    }

    @Override
    int u16(long offset) throws IOException {
      return read(offset, 2, "a u16").getShort() & 0xffff;
    }

    @Override
    long u32(long offset) throws IOException {
      return read(offset, 4, "a u32").getInt() & 0xffffffffL;
    }

    @Override
    long u64(long offset) throws IOException {
      return read(offset, 8, "a u64").getLong();
    }

    @Override
    byte[] bytes(long offset, int count) throws IOException {
      return read(offset, count, "a byte string").array();
    }

    @Override
    void feed(long offset, long count, Checksum sum) throws IOException {
      check(offset, count, "a value");
      ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(count, 1)));
      long done = 0;
      while (done < count) {
        buffer.clear().limit((int) Math.min(buffer.capacity(), count - done));
        readFully(channel, buffer, start + offset + done);
        sum.update(buffer.flip());
        done += buffer.limit();
      }
    }
  }

  /** Positional read until {@code buffer} is full; a short file is an error, not a partial read. */
  static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer, at);
      if (n < 0) {
        throw new EOFException("file ended at byte " + at + " (it shrank while being read?)");
      }
      at += n;
    }
  }
}
