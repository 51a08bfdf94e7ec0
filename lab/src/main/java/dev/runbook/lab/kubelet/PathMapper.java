package dev.runbook.lab.kubelet;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Translates the paths a container sees into the node paths behind them, the way a container
 * runtime's bind mounts do: a path under a volumeMount's mountPath lands under that volume's
 * hostPath; any other path lands in the container's own writable layer (a scratch dir that does not
 * survive a restart). This is what makes the classic trap real in the lab: a --data-dir moved
 * outside the etcd-data mount is an empty, throwaway directory.
 */
final class PathMapper {

  private record Binding(String mountPath, String hostPath) {}

  private static final Pattern FLAG_WITH_PATH = Pattern.compile("^(--?[^=]+=)(/.*)$");

  private final List<Binding> bindings;
  private final Path scratchRoot;

  PathMapper(StaticPod pod, StaticPod.Container container, Path scratchRoot) {
    this.bindings =
        container.mounts().stream()
            .map(
                m ->
                    new Binding(
                        trimSlash(m.mountPath()), trimSlash(pod.volumes().get(m.volume()).path())))
            // The most specific mount wins, as with nested bind mounts.
            .sorted(Comparator.comparingInt((Binding b) -> b.mountPath().length()).reversed())
            .toList();
    this.scratchRoot = scratchRoot;
  }

  /** A path as the container sees it, to the node path. */
  String toNodePath(String containerPath) {
    String path = trimSlash(Path.of(containerPath).normalize().toString());
    for (Binding b : bindings) {
      if (path.equals(b.mountPath())) {
        return b.hostPath().isEmpty() ? "/" : b.hostPath();
      }
      if (path.startsWith(b.mountPath() + "/")) {
        return b.hostPath() + path.substring(b.mountPath().length());
      }
    }
    return scratchRoot.resolve(path.substring(1)).toString();
  }

  /**
   * Rewrites one command-line argument: a bare absolute path, or a flag whose value is an absolute
   * path ({@code --data-dir=/var/lib/etcd}). URLs and other values pass unchanged.
   */
  String translateArgument(String arg) {
    if (arg.startsWith("/")) {
      return toNodePath(arg);
    }
    Matcher m = FLAG_WITH_PATH.matcher(arg);
    return m.matches() ? m.group(1) + toNodePath(m.group(2)) : arg;
  }

  private static String trimSlash(String p) {
    return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }
}
