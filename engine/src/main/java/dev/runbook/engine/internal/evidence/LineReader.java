package dev.runbook.engine.internal.evidence;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads a stream as '\n'-terminated lines of raw bytes, one line in memory at a time, so evidence
 * of any length can be checked. Bytes are kept as they are: hashes are over bytes, not text.
 */
final class LineReader implements Closeable {

  /**
   * One line without its '\n'.
   *
   * @param number 1-based line number in the file
   * @param terminated false only for a last line the file ends in without a '\n'
   */
  record Line(long number, byte[] bytes, boolean terminated) {}

  private final InputStream in;
  private final byte[] buffer = new byte[64 * 1024];
  private int position;
  private int limit;
  private long number;
  private boolean eof;

  LineReader(InputStream in) {
    this.in = in;
  }

  /** The next line, or null at the end of the stream. */
  Line next() throws IOException {
    byte[] line = new byte[128];
    int length = 0;
    while (true) {
      if (position == limit) {
        if (eof || !fill()) {
          return length == 0 ? null : new Line(++number, Arrays.copyOf(line, length), false);
        }
      }
      int start = position;
      while (position < limit && buffer[position] != '\n') {
        position++;
      }
      int n = position - start;
      if (length + n > line.length) {
        line = Arrays.copyOf(line, Math.max(line.length * 2, length + n));
      }
      System.arraycopy(buffer, start, line, length, n);
      length += n;
      if (position < limit) {
        position++; // the '\n'
        return new Line(++number, Arrays.copyOf(line, length), true);
      }
    }
  }

  private boolean fill() throws IOException {
    int n = in.read(buffer);
    if (n <= 0) {
      eof = true;
      return false;
    }
    position = 0;
    limit = n;
    return true;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
