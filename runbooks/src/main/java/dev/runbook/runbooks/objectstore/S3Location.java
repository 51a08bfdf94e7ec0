package dev.runbook.runbooks.objectstore;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An {@code s3://BUCKET/KEY} (or {@code s3://BUCKET/PREFIX}) as a parameter names it. The key may
 * be empty only for a prefix (upload to the bucket's top).
 */
public record S3Location(String bucket, String key) {

  /** S3's bucket rules; a key is any run of characters but control characters and backslashes. */
  private static final Pattern URL =
      Pattern.compile("s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/([^\\p{Cntrl}\\\\]*))?");

  /** The pattern a runbook parameter that takes a path or an s3:// URL declares. */
  public static final String PATH_OR_URL = "/.*|s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+";

  public static boolean isS3(String text) {
    return text != null && text.startsWith("s3://");
  }

  /**
   * Where a snapshot parameter's file is on the engine host: a local path as it is; for {@code
   * s3://BUCKET/.../NAME}, {@code dir/NAME}, where the fetch step puts it. The same in the plan and
   * the run, so both show (and the guard checks) the same path, and the parameter itself never
   * changes during the run.
   *
   * @throws IllegalArgumentException for an s3:// snapshot without a dir
   */
  public static String onEngineHost(String snapshot, String dir) {
    if (!isS3(snapshot)) {
      return snapshot;
    }
    if (dir == null || dir.isBlank() || dir.startsWith("⟨")) {
      throw new IllegalArgumentException(
          "the snapshot " + snapshot + " is in the object store, but no snapshotDir was given");
    }
    String name = snapshot.substring(snapshot.lastIndexOf('/') + 1);
    return java.nio.file.Path.of(dir).toAbsolutePath().normalize().resolve(name).toString();
  }

  /**
   * @throws IllegalArgumentException with what a good one looks like
   */
  public static S3Location parse(String text, String what, String example) {
    Matcher m = URL.matcher(text == null ? "" : text);
    if (!m.matches()
        || (m.group(2) != null && (m.group(2).startsWith("/") || m.group(2).contains("//")))) {
      throw new IllegalArgumentException(
          what + " must be an s3://BUCKET/" + example + " URL, not '" + text + "'");
    }
    String key = m.group(2) == null ? "" : m.group(2);
    return new S3Location(m.group(1), key);
  }

  /** The key of {@code name} under this location as a prefix. */
  public String under(String name) {
    return key.isEmpty() ? name : key.endsWith("/") ? key + name : key + "/" + name;
  }

  /** The key's last part: the file name a download gets. */
  public String fileName() {
    return key.substring(key.lastIndexOf('/') + 1);
  }

  @Override
  public String toString() {
    return "s3://" + bucket + "/" + key;
  }
}
