package dev.runbook.runbooks.etcd;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * A kubeadm etcd static pod manifest as the restore needs it: the etcd container's flags, its
 * mounts resolved to host paths, and the one edit the restore makes (the etcd-data volume's
 * hostPath). Read with a safe YAML loader; the edit is made on the text so that comments, order and
 * formatting stay as the operator left them, then checked by parsing the result again.
 */
final class EtcdManifest {

  /** A container mount with the hostPath of its volume ({@code null} if not a hostPath volume). */
  record Mount(String volume, String mountPath, String hostPath) {}

  private static final Pattern VERSION = Pattern.compile(":v?(\\d+\\.\\d+)(\\.\\d+)?");

  private final String text;
  private final Object tree;
  private final Map<String, String> flags;
  private final List<Mount> mounts;
  private final String image;

  private EtcdManifest(
      String text, Object tree, Map<String, String> flags, List<Mount> mounts, String image) {
    this.text = text;
    this.tree = tree;
    this.flags = flags;
    this.mounts = mounts;
    this.image = image;
  }

  /**
   * @throws IllegalArgumentException saying what is missing, when the text is not an etcd pod
   */
  static EtcdManifest parse(String text) {
    Object tree;
    try {
      tree = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not valid YAML: " + e.getMessage(), e);
    }
    Map<?, ?> spec = map(map(tree, "the document").get("spec"), "spec");
    Map<?, ?> etcd = null;
    for (Object c : list(spec.get("containers"), "spec.containers")) {
      Map<?, ?> container = map(c, "a container");
      List<?> command = container.get("command") instanceof List<?> l ? l : List.of();
      if ("etcd".equals(container.get("name"))
          || (!command.isEmpty() && String.valueOf(command.get(0)).endsWith("etcd"))) {
        etcd = container;
        break;
      }
    }
    if (etcd == null) {
      throw new IllegalArgumentException("no container named etcd in spec.containers");
    }
    Map<String, String> flags = new LinkedHashMap<>();
    List<Object> args = new ArrayList<>();
    if (etcd.get("command") instanceof List<?> l) {
      args.addAll(l);
    }
    if (etcd.get("args") instanceof List<?> l) {
      args.addAll(l);
    }
    for (Object a : args) {
      String s = String.valueOf(a);
      int eq = s.indexOf('=');
      if (s.startsWith("--") && eq > 2) {
        flags.putIfAbsent(s.substring(2, eq), s.substring(eq + 1));
      }
    }
    Map<String, String> hostPaths = new LinkedHashMap<>();
    if (spec.get("volumes") instanceof List<?> volumes) {
      for (Object v : volumes) {
        Map<?, ?> volume = map(v, "a volume");
        if (volume.get("hostPath") instanceof Map<?, ?> hp && hp.get("path") != null) {
          hostPaths.put(String.valueOf(volume.get("name")), String.valueOf(hp.get("path")));
        }
      }
    }
    List<Mount> mounts = new ArrayList<>();
    if (etcd.get("volumeMounts") instanceof List<?> vms) {
      for (Object m : vms) {
        Map<?, ?> mount = map(m, "a volume mount");
        String volume = String.valueOf(mount.get("name"));
        mounts.add(
            new Mount(volume, String.valueOf(mount.get("mountPath")), hostPaths.get(volume)));
      }
    }
    String image = etcd.get("image") == null ? "" : String.valueOf(etcd.get("image"));
    return new EtcdManifest(text, tree, Map.copyOf(flags), List.copyOf(mounts), image);
  }

  String text() {
    return text;
  }

  /** The value of {@code --name=value}, or null. */
  String flag(String name) {
    return flags.get(name);
  }

  /** A comma-separated flag's values; empty when the flag is absent. */
  List<String> flagList(String name) {
    String v = flags.get(name);
    return v == null || v.isBlank() ? List.of() : List.of(v.split(","));
  }

  List<Mount> mounts() {
    return mounts;
  }

  /** {@code major.minor} from the image tag (registry.k8s.io/etcd:3.5.16-0 gives 3.5), or "". */
  String imageVersion() {
    int slash = image.lastIndexOf('/');
    Matcher m = VERSION.matcher(image.substring(slash + 1));
    return m.find() ? m.group(1) : "";
  }

  /** The mount whose mountPath holds {@code containerPath} most closely, or null. */
  Mount mountOf(String containerPath) {
    Mount best = null;
    for (Mount m : mounts) {
      if (under(containerPath, m.mountPath())
          && (best == null || m.mountPath().length() > best.mountPath().length())) {
        best = m;
      }
    }
    return best;
  }

  /** Where a path inside the container is on the host, or null if no hostPath mount holds it. */
  String hostPathOf(String containerPath) {
    Mount m = mountOf(containerPath);
    if (m == null || m.hostPath() == null) {
      return null;
    }
    String rest = containerPath.substring(m.mountPath().length());
    String base =
        m.hostPath().endsWith("/")
            ? m.hostPath().substring(0, m.hostPath().length() - 1)
            : m.hostPath();
    return rest.isEmpty() ? m.hostPath() : base + (rest.startsWith("/") ? rest : "/" + rest);
  }

  /** The mount holding --data-dir, with a hostPath; throws saying why there is none. */
  Mount dataMount() {
    String dataDir = flag("data-dir");
    if (dataDir == null) {
      throw new IllegalArgumentException("the etcd command has no --data-dir");
    }
    Mount m = mountOf(dataDir);
    if (m == null || m.hostPath() == null) {
      throw new IllegalArgumentException(
          "--data-dir "
              + dataDir
              + " is not under any hostPath volume mount of the etcd container");
    }
    return m;
  }

  /**
   * This manifest with the data volume's hostPath changed to {@code hostPath}, and nothing else.
   *
   * @throws IllegalArgumentException when the edit cannot be made unambiguously on the text, or the
   *     result differs from the intended change anywhere else
   */
  EtcdManifest withDataHostPath(String hostPath) {
    Mount data = dataMount();
    Pattern line =
        Pattern.compile(
            "^(\\s*path:\\s*)([\"']?)" + Pattern.quote(data.hostPath()) + "\\2(\\s*(#.*)?)$",
            Pattern.MULTILINE);
    Matcher m = line.matcher(text);
    List<int[]> hits = new ArrayList<>();
    while (m.find()) {
      hits.add(new int[] {m.start(), m.end()});
    }
    if (hits.size() != 1) {
      throw new IllegalArgumentException(
          hits.size()
              + " lines read 'path: "
              + data.hostPath()
              + "': the restore edits exactly one (the "
              + data.volume()
              + " volume's hostPath, in block style); edit the manifest by hand or write the"
              + " volume's hostPath as 'path: "
              + data.hostPath()
              + "' on its own line");
    }
    m = line.matcher(text);
    String patched = m.replaceFirst("$1$2" + Matcher.quoteReplacement(hostPath) + "$2$3");
    EtcdManifest after = parse(patched);
    Object expected = parse(text).tree;
    setHostPath(expected, data.volume(), hostPath);
    if (!Objects.equals(expected, after.tree)) {
      throw new IllegalArgumentException(
          "the edited manifest differs from the original in more than the "
              + data.volume()
              + " volume's hostPath; edit it by hand");
    }
    Mount now = after.dataMount();
    if (!hostPath.equals(now.hostPath())) {
      throw new IllegalArgumentException(
          "after the edit --data-dir lies under hostPath " + now.hostPath() + ", not " + hostPath);
    }
    return after;
  }

  /**
   * This manifest with the etcd container's {@code --name=value} flags in {@code values} set to
   * their new values, and nothing else changed: each flag must be on exactly one line of the text,
   * in block style ({@code - --name=value}), and the edited text must parse to the original tree
   * with only those command entries changed.
   *
   * @throws IllegalArgumentException when an edit cannot be made unambiguously on the text
   */
  EtcdManifest withFlags(Map<String, String> values) {
    String patched = text;
    for (Map.Entry<String, String> e : values.entrySet()) {
      Pattern line =
          Pattern.compile(
              "^(\\s*-\\s*)([\"']?)--" + Pattern.quote(e.getKey()) + "=[^\"'\n]*\\2(\\s*(#.*)?)$",
              Pattern.MULTILINE);
      Matcher m = line.matcher(patched);
      int hits = 0;
      while (m.find()) {
        hits++;
      }
      if (hits != 1) {
        throw new IllegalArgumentException(
            hits
                + " lines set --"
                + e.getKey()
                + ": the replace edits exactly one (in block style, '- --"
                + e.getKey()
                + "=...' on its own line); edit the manifest by hand");
      }
      patched =
          line.matcher(patched)
              .replaceFirst(
                  "$1$2"
                      + Matcher.quoteReplacement("--" + e.getKey() + "=" + e.getValue())
                      + "$2$3");
    }
    EtcdManifest after = parse(patched);
    Object expected = parse(text).tree;
    setFlags(expected, values);
    if (!Objects.equals(expected, after.tree)) {
      throw new IllegalArgumentException(
          "the edited manifest differs from the original in more than the flags "
              + values.keySet()
              + "; edit it by hand");
    }
    for (Map.Entry<String, String> e : values.entrySet()) {
      if (!e.getValue().equals(after.flag(e.getKey()))) {
        throw new IllegalArgumentException(
            "after the edit --" + e.getKey() + " reads " + after.flag(e.getKey()));
      }
    }
    return after;
  }

  @SuppressWarnings("unchecked")
  private static void setFlags(Object tree, Map<String, String> values) {
    Map<?, ?> spec = map(map(tree, "the document").get("spec"), "spec");
    for (Object c : list(spec.get("containers"), "spec.containers")) {
      Map<Object, Object> container = (Map<Object, Object>) c;
      for (String key : List.of("command", "args")) {
        if (container.get(key) instanceof List<?> l) {
          List<Object> args = (List<Object>) l;
          for (int i = 0; i < args.size(); i++) {
            String a = String.valueOf(args.get(i));
            for (Map.Entry<String, String> e : values.entrySet()) {
              if (a.startsWith("--" + e.getKey() + "=")) {
                args.set(i, "--" + e.getKey() + "=" + e.getValue());
              }
            }
          }
        }
      }
    }
  }

  /** The changed lines, as a unified diff with no context. */
  static String diff(String name, EtcdManifest before, EtcdManifest after) {
    return diff(name, before, after, "restored");
  }

  /** The changed lines, the new side labelled {@code label} (what the change made of it). */
  static String diff(String name, EtcdManifest before, EtcdManifest after, String label) {
    return diff(name, before.text, after.text, label);
  }

  /** The changed lines of two texts of as many lines, as a unified diff with no context. */
  static String diff(String name, String before, String after, String label) {
    String[] a = before.split("\n", -1);
    String[] b = after.split("\n", -1);
    StringBuilder out = new StringBuilder();
    out.append("--- ").append(name).append(" (original)\n");
    out.append("+++ ").append(name).append(" (").append(label).append(")\n");
    for (int i = 0; i < Math.min(a.length, b.length); i++) {
      if (!a[i].equals(b[i])) {
        out.append("@@ -").append(i + 1).append(" +").append(i + 1).append(" @@\n");
        out.append('-').append(a[i]).append('\n').append('+').append(b[i]).append('\n');
      }
    }
    return out.toString();
  }

  @SuppressWarnings("unchecked")
  private static void setHostPath(Object tree, String volume, String path) {
    Map<?, ?> spec = map(map(tree, "the document").get("spec"), "spec");
    for (Object v : list(spec.get("volumes"), "spec.volumes")) {
      Map<Object, Object> vol = (Map<Object, Object>) v;
      if (volume.equals(String.valueOf(vol.get("name")))) {
        ((Map<Object, Object>) vol.get("hostPath")).put("path", path);
      }
    }
  }

  private static boolean under(String path, String dir) {
    String d = dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir;
    return path.equals(d) || path.startsWith(d + "/") || d.isEmpty();
  }

  private static Map<?, ?> map(Object o, String what) {
    if (o instanceof Map<?, ?> m) {
      return m;
    }
    throw new IllegalArgumentException(what + " is not a mapping");
  }

  private static List<?> list(Object o, String what) {
    if (o instanceof List<?> l) {
      return l;
    }
    throw new IllegalArgumentException(what + " is missing or not a list");
  }
}
