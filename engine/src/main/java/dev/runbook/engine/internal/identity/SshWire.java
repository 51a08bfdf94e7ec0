package dev.runbook.engine.internal.identity;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The SSH wire encoding (RFC 4251 section 5): uint32, string, mpint; and OpenSSH's PEM-like armor.
 * Public for the engine's own key file (evidence's EngineKey), which is written in the same format.
 */
public final class SshWire {

  private SshWire() {}

  /** Reads a blob front to back; running off its end throws {@link Truncated}. */
  public static final class Reader {
    private final byte[] b;
    private int pos;

    public Reader(byte[] b) {
      this.b = b;
    }

    public int uint32() {
      need(4);
      int v =
          ((b[pos] & 0xff) << 24)
              | ((b[pos + 1] & 0xff) << 16)
              | ((b[pos + 2] & 0xff) << 8)
              | (b[pos + 3] & 0xff);
      pos += 4;
      return v;
    }

    public int byte8() {
      need(1);
      return b[pos++] & 0xff;
    }

    public byte[] raw(int n) {
      need(n);
      byte[] r = Arrays.copyOfRange(b, pos, pos + n);
      pos += n;
      return r;
    }

    public byte[] string() {
      int n = uint32();
      if (n < 0) {
        throw new Truncated();
      }
      return raw(n);
    }

    public String text() {
      return new String(string(), StandardCharsets.UTF_8);
    }

    public BigInteger mpint() {
      return new BigInteger(string());
    }

    public boolean done() {
      return pos == b.length;
    }

    private void need(int n) {
      if (n < 0 || b.length - pos < n) {
        throw new Truncated();
      }
    }
  }

  /** A blob ended before a field did: truncated or not SSH encoding at all. */
  public static final class Truncated extends RuntimeException {
    Truncated() {
      super("the data ends inside a field", null, false, false);
    }
  }

  public static final class Writer {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public Writer uint32(int v) {
      out.write(v >>> 24);
      out.write(v >>> 16);
      out.write(v >>> 8);
      out.write(v);
      return this;
    }

    public Writer byte8(int v) {
      out.write(v);
      return this;
    }

    public Writer raw(byte[] b) {
      out.writeBytes(b);
      return this;
    }

    public Writer string(byte[] b) {
      return uint32(b.length).raw(b);
    }

    public Writer string(String s) {
      return string(s.getBytes(StandardCharsets.UTF_8));
    }

    public Writer mpint(BigInteger v) {
      return string(v.toByteArray());
    }

    public byte[] bytes() {
      return out.toByteArray();
    }
  }

  /** PEM-like armor as OpenSSH writes it: base64 in lines of 70 between the two lines. */
  public static String armor(String begin, String end, byte[] blob) {
    String b64 = java.util.Base64.getEncoder().encodeToString(blob);
    StringBuilder out = new StringBuilder(begin).append('\n');
    for (int i = 0; i < b64.length(); i += 70) {
      out.append(b64, i, Math.min(b64.length(), i + 70)).append('\n');
    }
    return out.append(end).append('\n').toString();
  }
}
