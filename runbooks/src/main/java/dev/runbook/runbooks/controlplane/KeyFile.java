package dev.runbook.runbooks.controlplane;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Set;

/**
 * The operator's archive key: the first line of a file only its owner can read, at least {@value
 * #MIN_LENGTH} printable ASCII characters (e.g. {@code openssl rand -hex 32 > KEY}), read as {@code
 * openssl -pass file:KEY} reads it. Printable ASCII only, so that the bytes PBKDF2 gets are the
 * same in Java and in openssl whatever the locale. Its value never leaves this object except into
 * the key derivation.
 */
final class KeyFile {

  static final int MIN_LENGTH = 32;

  private final char[] passphrase;

  private KeyFile(char[] passphrase) {
    this.passphrase = passphrase;
  }

  /**
   * @throws ArchiveException BAD_KEY_FILE: unreadable, readable by others, empty, short, or not
   *     printable ASCII (the message names the file and what is wrong, never its content)
   */
  static KeyFile read(Path file) {
    byte[] all;
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (perms.contains(PosixFilePermission.GROUP_READ)
          || perms.contains(PosixFilePermission.OTHERS_READ)) {
        throw bad(file, "is readable by others than its owner: chmod 600 " + file);
      }
      all = Files.readAllBytes(file);
    } catch (IOException e) {
      throw bad(file, "cannot be read: " + e.getClass().getSimpleName());
    }
    int end = 0;
    while (end < all.length && all[end] != '\n') {
      end++;
    }
    int len = end > 0 && all[end - 1] == '\r' ? end - 1 : end;
    char[] chars = new char[len];
    for (int i = 0; i < len; i++) {
      int b = all[i] & 0xff;
      if (b < 0x20 || b > 0x7e) {
        Arrays.fill(all, (byte) 0);
        throw bad(file, "holds a character that is not printable ASCII on its first line");
      }
      chars[i] = (char) b;
    }
    Arrays.fill(all, (byte) 0);
    if (len < MIN_LENGTH) {
      throw bad(
          file,
          "has "
              + len
              + " characters on its first line; a key needs at least "
              + MIN_LENGTH
              + " (openssl rand -hex 32 > KEY)");
    }
    return new KeyFile(chars);
  }

  /** {@link #read}, for a step: a key file that cannot be used is the step's failure. */
  static KeyFile forStep(String file) {
    try {
      return read(Path.of(file));
    } catch (ArchiveException e) {
      throw new dev.runbook.engine.api.RunbookError(
          dev.runbook.engine.api.ErrorCode.STEP_FAILED, e.getMessage());
    }
  }

  private static ArchiveException bad(Path file, String why) {
    return new ArchiveException(
        ArchiveException.Reason.BAD_KEY_FILE, "key file " + file + " " + why);
  }

  /** A copy, for PBKDF2 (which clears its own). */
  char[] passphrase() {
    return passphrase.clone();
  }

  /** The passphrase's bytes (ASCII), for the HMAC; the caller clears them. */
  byte[] bytes() {
    return new String(passphrase).getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public String toString() {
    return "KeyFile[redacted]";
  }
}
