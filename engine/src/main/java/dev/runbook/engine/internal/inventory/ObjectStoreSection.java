package dev.runbook.engine.internal.inventory;

import dev.runbook.engine.api.Inventory;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * The inventory's {@code objectStore} section (docs/object-store.md): where off-site copies go.
 * Every problem names the field and how to fix it, and is reported with its line and column like
 * the rest of the file's. The credential is not read here, only its file checked: it is read when a
 * step talks to the store.
 */
final class ObjectStoreSection {

  static final List<String> KEYS =
      List.of("endpoint", "region", "bucket", "pathStyle", "credentialsFile");

  /** S3's bucket naming rules (3 to 63 lower-case letters, digits, dots and hyphens). */
  static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

  private static final Pattern REGION = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  static final String DEFAULT_REGION = "us-east-1";

  private final Path file;
  private final Path home;
  private final BiConsumer<Mark, String> problem;
  private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
  private Mark mark;

  ObjectStoreSection(Path file, Path home, BiConsumer<Mark, String> problem) {
    this.file = file;
    this.home = home;
    this.problem = problem;
  }

  /** The section, or null when it is absent or has a problem (then reported). */
  Inventory.ObjectStore read(Node node) {
    if (node == null) {
      return null;
    }
    mark = node.getStartMark();
    if (!(node instanceof MappingNode mapping)) {
      problem.accept(
          mark, "objectStore must be a mapping of keys (" + String.join(", ", KEYS) + ")");
      return null;
    }
    boolean ok = true;
    for (NodeTuple tuple : mapping.getValue()) {
      String key = tuple.getKeyNode() instanceof ScalarNode k ? k.getValue() : "(not a plain name)";
      if (!KEYS.contains(key)) {
        problem.accept(
            tuple.getKeyNode().getStartMark(),
            "unknown key '" + key + "' in objectStore; allowed keys: " + String.join(", ", KEYS));
        ok = false;
      } else if (entries.putIfAbsent(key, tuple) != null) {
        problem.accept(
            tuple.getKeyNode().getStartMark(), "duplicate key objectStore." + key + ": remove one");
        ok = false;
      }
    }
    URI endpoint = endpoint();
    String region = matching("region", DEFAULT_REGION, REGION, "a region name like eu-west-1");
    String bucket =
        matching(
            "bucket",
            null,
            BUCKET,
            "an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, like"
                + " etcd-backups");
    Boolean pathStyle = pathStyle();
    Path credentials = credentialsFile();
    ok &= endpoint != null && region != null && bucket != null && pathStyle != null;
    ok &= credentials != null || !entries.containsKey("credentialsFile");
    return ok ? new Inventory.ObjectStore(endpoint, region, bucket, pathStyle, credentials) : null;
  }

  private URI endpoint() {
    String text = scalar("endpoint");
    String fix =
        "objectStore.endpoint must be the store's http:// or https:// URL with no path, like"
            + " https://s3.eu-west-1.amazonaws.com or http://10.0.0.5:9000";
    if (text == null) {
      if (!entries.containsKey("endpoint")) {
        problem.accept(mark, "objectStore.endpoint is required: " + fix);
      }
      return null;
    }
    try {
      URI uri = new URI(text);
      boolean good =
          ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
              && uri.getHost() != null
              && (uri.getRawPath() == null
                  || uri.getRawPath().isEmpty()
                  || "/".equals(uri.getRawPath()))
              && uri.getRawQuery() == null
              && uri.getRawUserInfo() == null;
      if (good) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // reported below, with the fix
    }
    problem.accept(valueMark("endpoint"), fix + ", not " + shown(text));
    return null;
  }

  private String matching(String key, String fallback, Pattern pattern, String what) {
    String text = scalar(key);
    if (text == null) {
      if (fallback == null && !entries.containsKey(key)) {
        problem.accept(mark, "objectStore." + key + " is required: " + what);
      }
      return entries.containsKey(key) ? null : fallback;
    }
    if (!pattern.matcher(text).matches()) {
      problem.accept(
          valueMark(key), "objectStore." + key + " must be " + what + ", not " + shown(text));
      return null;
    }
    return text;
  }

  private Boolean pathStyle() {
    String text = scalar("pathStyle");
    if (text == null) {
      return entries.containsKey("pathStyle") ? null : Boolean.FALSE;
    }
    if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(text);
    }
    problem.accept(
        valueMark("pathStyle"),
        "objectStore.pathStyle must be true (the bucket in the URL's path, as most S3-compatible"
            + " stores want) or false (the bucket in the host name, as AWS prefers), not "
            + shown(text));
    return null;
  }

  /**
   * The credentials file: it must exist and be readable by nobody but its owner, since it holds a
   * secret. {@code ~/} is the home directory; a relative path is relative to the inventory.
   */
  private Path credentialsFile() {
    String text = scalar("credentialsFile");
    if (text == null) {
      return null;
    }
    Path path;
    try {
      path =
          text.equals("~")
              ? home
              : text.startsWith("~/")
                  ? home.resolve(text.substring(2))
                  : file.getParent().resolve(text);
    } catch (InvalidPathException e) {
      problem.accept(
          valueMark("credentialsFile"),
          "objectStore.credentialsFile is not a valid path: " + e.getReason());
      return null;
    }
    path = path.toAbsolutePath().normalize();
    String fix =
        ": name a file in AWS credentials format ([default], aws_access_key_id = ...,"
            + " aws_secret_access_key = ...), mode 0600, or leave credentialsFile out to use"
            + " AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";
    String trouble =
        !Files.exists(path)
            ? "does not exist"
            : !Files.isRegularFile(path)
                ? "is not a file"
                : !Files.isReadable(path) ? "is not readable by this user" : openToOthers(path);
    if (trouble != null) {
      problem.accept(
          valueMark("credentialsFile"),
          "objectStore.credentialsFile " + path + " " + trouble + fix);
      return null;
    }
    return path;
  }

  private static String openToOthers(Path path) {
    try {
      Set<PosixFilePermission> p = Files.getPosixFilePermissions(path);
      for (PosixFilePermission open :
          List.of(
              PosixFilePermission.GROUP_READ,
              PosixFilePermission.GROUP_WRITE,
              PosixFilePermission.OTHERS_READ,
              PosixFilePermission.OTHERS_WRITE)) {
        if (p.contains(open)) {
          return "is open to others (it holds a secret): chmod 600 " + path;
        }
      }
      return null;
    } catch (UnsupportedOperationException | IOException e) {
      return null; // not a POSIX file system: nothing to check
    }
  }

  /** A scalar's text; absent or empty gives null; a list or mapping is a problem. */
  private String scalar(String key) {
    NodeTuple tuple = entries.get(key);
    if (tuple == null) {
      return null;
    }
    Node value = tuple.getValueNode();
    if (value instanceof ScalarNode s && Tag.NULL.equals(s.getTag())) {
      problem.accept(
          tuple.getKeyNode().getStartMark(),
          "objectStore." + key + " has no value: give one or remove the key");
      return null;
    }
    if (!(value instanceof ScalarNode s)) {
      problem.accept(
          value.getStartMark(),
          "objectStore." + key + " must be a single value, not a list or mapping");
      return null;
    }
    return s.getValue();
  }

  private Mark valueMark(String key) {
    return entries.get(key).getValueNode().getStartMark();
  }

  private static String shown(String value) {
    return "'" + value.replace("\n", "\\n") + "'";
  }
}
