package dev.runbook.runbooks.objectstore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The object store's credential: from the inventory's credentials file (AWS format, profile {@code
 * default}) or, when it names none, from {@code AWS_ACCESS_KEY_ID} and {@code
 * AWS_SECRET_ACCESS_KEY}. Its {@link #toString()} never shows the secret, so it cannot slip into a
 * message, evidence or the console.
 */
record StoreCredentials(String accessKeyId, String secretAccessKey, String from) {

  /**
   * @throws ObjectStoreException (DENIED) when the file or the environment holds none
   */
  static StoreCredentials read(Path file, Map<String, String> env) {
    if (file == null) {
      String id = env.get("AWS_ACCESS_KEY_ID");
      String secret = env.get("AWS_SECRET_ACCESS_KEY");
      if (id == null || id.isBlank() || secret == null || secret.isBlank()) {
        throw new ObjectStoreException(
            ObjectStoreException.Kind.DENIED,
            "no credential for the object store: the inventory's objectStore names no"
                + " credentialsFile and AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not both set");
      }
      return new StoreCredentials(id.strip(), secret.strip(), "the environment");
    }
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ObjectStoreException(
          ObjectStoreException.Kind.DENIED, "cannot read the credentials file " + file + ": " + e);
    }
    String profile = "default";
    String id = null;
    String secret = null;
    for (String raw : text.split("\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
        continue;
      }
      if (line.startsWith("[") && line.endsWith("]")) {
        profile = line.substring(1, line.length() - 1).strip();
        continue;
      }
      int eq = line.indexOf('=');
      if (eq < 0 || !profile.equals("default")) {
        continue;
      }
      String k = line.substring(0, eq).strip();
      String v = line.substring(eq + 1).strip();
      if (k.equals("aws_access_key_id")) {
        id = v;
      } else if (k.equals("aws_secret_access_key")) {
        secret = v;
      }
    }
    if (id == null || id.isEmpty() || secret == null || secret.isEmpty()) {
      throw new ObjectStoreException(
          ObjectStoreException.Kind.DENIED,
          "the credentials file "
              + file
              + " has no aws_access_key_id and aws_secret_access_key under [default]");
    }
    return new StoreCredentials(id, secret, file.toString());
  }

  @Override
  public String toString() {
    return "StoreCredentials[accessKeyId=" + accessKeyId + ", secret=(hidden), from=" + from + "]";
  }
}
