package dev.runbook.runbooks.controlplane;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A POSIX ustar archive in memory, as GNU and BSD tar read it: regular files and symbolic links,
 * each with its mode, numeric owner, owner names and mtime. Control-plane files are small (a few
 * hundred KiB per node), so the whole archive is built and read as bytes; no dependency is needed
 * for what the JDK lacks.
 */
final class Tar {

  static final int BLOCK = 512;

  private Tar() {}

  /**
   * One archived file.
   *
   * @param path relative, '/'-separated, without a leading '/'
   * @param linkTarget for a symbolic link, where it points; null for a regular file
   */
  record Entry(
      String path,
      int mode,
      int uid,
      int gid,
      String owner,
      String group,
      long mtime,
      String linkTarget,
      byte[] content) {
    Entry {
      if (path == null || path.isEmpty() || path.startsWith("/") || path.contains("..")) {
        throw new IllegalArgumentException("a tar path must be relative and plain: " + path);
      }
      content = content == null ? new byte[0] : content;
    }

    boolean symlink() {
      return linkTarget != null;
    }
  }

  static byte[] write(List<Entry> entries) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Entry e : entries) {
      out.writeBytes(header(e));
      if (!e.symlink()) {
        out.writeBytes(e.content());
        int pad = (BLOCK - e.content().length % BLOCK) % BLOCK;
        out.writeBytes(new byte[pad]);
      }
    }
    // The end of the archive: two zero blocks.
    out.writeBytes(new byte[2 * BLOCK]);
    return out.toByteArray();
  }

  private static byte[] header(Entry e) {
    byte[] h = new byte[BLOCK];
    byte[] path = e.path().getBytes(StandardCharsets.UTF_8);
    if (path.length <= 100) {
      System.arraycopy(path, 0, h, 0, path.length);
    } else {
      // ustar splits a long path at a '/' into prefix (155) and name (100).
      int cut = e.path().lastIndexOf('/', Math.min(e.path().length() - 1, 155));
      byte[] prefix = e.path().substring(0, Math.max(cut, 0)).getBytes(StandardCharsets.UTF_8);
      byte[] name = e.path().substring(cut + 1).getBytes(StandardCharsets.UTF_8);
      if (cut <= 0 || prefix.length > 155 || name.length > 100) {
        throw new IllegalArgumentException("path too long for a ustar archive: " + e.path());
      }
      System.arraycopy(name, 0, h, 0, name.length);
      System.arraycopy(prefix, 0, h, 345, prefix.length);
    }
    octal(h, 100, 8, e.mode() & 07777);
    octal(h, 108, 8, e.uid());
    octal(h, 116, 8, e.gid());
    octal(h, 124, 12, e.symlink() ? 0 : e.content().length);
    octal(h, 136, 12, e.mtime());
    h[156] = (byte) (e.symlink() ? '2' : '0');
    if (e.symlink()) {
      byte[] target = e.linkTarget().getBytes(StandardCharsets.UTF_8);
      if (target.length > 100) {
        throw new IllegalArgumentException("link target too long for ustar: " + e.linkTarget());
      }
      System.arraycopy(target, 0, h, 157, target.length);
    }
    ascii(h, 257, "ustar\0");
    ascii(h, 263, "00");
    name(h, 265, e.owner());
    name(h, 297, e.group());
    Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    byte[] chk = String.format("%06o", sum).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(chk, 0, h, 148, 6);
    h[154] = 0;
    h[155] = ' ';
    return h;
  }

  private static void name(byte[] h, int at, String name) {
    byte[] b = (name == null ? "" : name).getBytes(StandardCharsets.UTF_8);
    System.arraycopy(b, 0, h, at, Math.min(b.length, 31));
  }

  private static void ascii(byte[] h, int at, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, at, b.length);
  }

  private static void octal(byte[] h, int at, int width, long value) {
    String s = Long.toOctalString(value);
    if (s.length() > width - 1) {
      throw new IllegalArgumentException("value " + value + " does not fit a ustar field");
    }
    s = "0".repeat(width - 1 - s.length()) + s;
    ascii(h, at, s);
    h[at + width - 1] = 0;
  }

  /**
   * The entries of an archive this class wrote (or any plain ustar of files and links).
   *
   * @throws IllegalArgumentException when it is not such an archive (a bad checksum, a cut end)
   */
  static List<Entry> read(byte[] tar) {
    List<Entry> entries = new ArrayList<>();
    int at = 0;
    while (true) {
      if (at + BLOCK > tar.length) {
        throw new IllegalArgumentException("the tar archive ends without its end blocks");
      }
      byte[] h = Arrays.copyOfRange(tar, at, at + BLOCK);
      if (allZero(h)) {
        return entries;
      }
      long sum = 0;
      for (int i = 0; i < BLOCK; i++) {
        sum += (i >= 148 && i < 156) ? ' ' : h[i] & 0xff;
      }
      if (sum != parseOctal(h, 148, 8)) {
        throw new IllegalArgumentException("tar header at byte " + at + ": bad checksum");
      }
      String name = string(h, 0, 100);
      String prefix = string(h, 345, 155);
      String path = prefix.isEmpty() ? name : prefix + "/" + name;
      char type = (char) h[156];
      long size = parseOctal(h, 124, 12);
      at += BLOCK;
      if (type != '0' && type != 0 && type != '2') {
        throw new IllegalArgumentException(
            "tar entry " + path + ": type " + type + " not expected");
      }
      boolean link = type == '2';
      if (at + size > tar.length) {
        throw new IllegalArgumentException("tar entry " + path + " is cut short");
      }
      byte[] content = link ? new byte[0] : Arrays.copyOfRange(tar, at, at + (int) size);
      if (!link) {
        at += (int) ((size + BLOCK - 1) / BLOCK * BLOCK);
      }
      entries.add(
          new Entry(
              path,
              (int) parseOctal(h, 100, 8),
              (int) parseOctal(h, 108, 8),
              (int) parseOctal(h, 116, 8),
              string(h, 265, 32),
              string(h, 297, 32),
              parseOctal(h, 136, 12),
              link ? string(h, 157, 100) : null,
              content));
    }
  }

  private static boolean allZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static String string(byte[] h, int at, int len) {
    int end = at;
    while (end < at + len && h[end] != 0) {
      end++;
    }
    return new String(h, at, end - at, StandardCharsets.UTF_8);
  }

  private static long parseOctal(byte[] h, int at, int len) {
    String s = string(h, at, len).trim();
    if (s.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseLong(s, 8);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("tar header field is not octal: " + s, e);
    }
  }
}
