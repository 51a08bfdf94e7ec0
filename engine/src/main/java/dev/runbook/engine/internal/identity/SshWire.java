package dev.runbook.engine.internal.identity;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** The SSH wire encoding (RFC 4251 section 5): uint32, string, mpint. */
final class SshWire {

  private SshWire() {}

  /** Reads a blob front to back; running off its end throws {@link Truncated}. */
  static final class Reader {
    private final byte[] b;
    private int pos;

    Reader(byte[] b) {
      this.b = b;
    }

    int uint32() {
      need(4);
      int v =
          ((b[pos] & 0xff) << 24)
              | ((b[pos + 1] & 0xff) << 16)
              | ((b[pos + 2] & 0xff) << 8)
              | (b[pos + 3] & 0xff);
      pos += 4;
      return v;
    }

    int byte8() {
      need(1);
      return b[pos++] & 0xff;
    }

    byte[] raw(int n) {
      need(n);
      byte[] r = Arrays.copyOfRange(b, pos, pos + n);
      pos += n;
      return r;
    }

    byte[] string() {
      int n = uint32();
      if (n < 0) {
        throw new Truncated();
      }
      return raw(n);
    }

    String text() {
      return new String(string(), StandardCharsets.UTF_8);
    }

    BigInteger mpint() {
      return new BigInteger(string());
    }

    boolean done() {
      return pos == b.length;
    }

    private void need(int n) {
      if (n < 0 || b.length - pos < n) {
        throw new Truncated();
      }
    }
  }

  /** A blob ended before a field did: truncated or not SSH encoding at all. */
  static final class Truncated extends RuntimeException {
    Truncated() {
      super("the data ends inside a field", null, false, false);
    }
  }

  static final class Writer {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Writer uint32(int v) {
      out.write(v >>> 24);
      out.write(v >>> 16);
      out.write(v >>> 8);
      out.write(v);
      return this;
    }

    Writer byte8(int v) {
      out.write(v);
      return this;
    }

    Writer raw(byte[] b) {
      out.writeBytes(b);
      return this;
    }

    Writer string(byte[] b) {
      return uint32(b.length).raw(b);
    }

    Writer string(String s) {
      return string(s.getBytes(StandardCharsets.UTF_8));
    }

    Writer mpint(BigInteger v) {
      return string(v.toByteArray());
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
