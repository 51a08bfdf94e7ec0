package dev.runbook.engine.api;

import dev.runbook.engine.internal.inventory.InventoryInitCore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code runbook inventory init}: connects to one node of a live cluster with strict host-key
 * checking, lets the runbook pack read the cluster from it ({@link InventoryDiscovery}), and writes
 * the inventory, every discovered value with a comment saying where it came from. The text is
 * loaded with {@link Inventory#load} before it is given out, so it is valid when written.
 */
public final class InventoryInit {

  private static final Pattern USER_AT_HOST =
      Pattern.compile(
          "([A-Za-z_][A-Za-z0-9._-]{0,31})@(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9][A-Za-z0-9.-]*)");

  private static final Pattern CLUSTER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  /** A control plane's address or name: nothing ssh or a shell could read as an option. */
  private static final Pattern HOST =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,252}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  /** A systemd service name, as {@code etcd.unit} takes it. */
  private static final Pattern UNIT =
      Pattern.compile("[A-Za-z0-9_][A-Za-z0-9:_.@\\\\-]*\\.service");

  private InventoryInit() {}

  /**
   * What to connect to.
   *
   * @param user SSH user
   * @param host the node's address or name
   * @param identityFile private key (absolute)
   * @param knownHosts the known_hosts file that must already know the node's key (absolute)
   * @param cluster the cluster's name for the inventory, or null to let the pack choose
   * @param external for external etcd (the node is an etcd member running {@code unit}; the control
   *     planes are the nodes whose kube-apiserver uses it), or null for stacked etcd
   */
  public record Request(
      String user,
      String host,
      int port,
      Path identityFile,
      Path knownHosts,
      Duration connectTimeout,
      String cluster,
      Inventory.External external) {

    public Request {
      Objects.requireNonNull(user, "user");
      Objects.requireNonNull(host, "host");
      identityFile = identityFile.toAbsolutePath().normalize();
      knownHosts = knownHosts.toAbsolutePath().normalize();
      if (port < 1 || port > 65535) {
        throw new BadInputException("--port must be 1 to 65535, not " + port);
      }
      connectTimeout = connectTimeout == null ? Duration.ofSeconds(10) : connectTimeout;
      if (cluster != null && !CLUSTER.matcher(cluster).matches()) {
        throw new BadInputException(
            "--cluster must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or"
                + " digit, not '"
                + cluster
                + "'");
      }
    }

    /**
     * A request from {@code USER@HOST} as the user typed it.
     *
     * @throws BadInputException for anything but {@code user@host} (IPv6 in brackets)
     */
    public static Request of(
        String userAtHost, int port, Path identityFile, Path knownHosts, String cluster) {
      Matcher m = USER_AT_HOST.matcher(userAtHost == null ? "" : userAtHost);
      if (!m.matches()) {
        throw new BadInputException(
            "--ssh must be USER@HOST, like root@10.0.0.10 or root@cp-1.example.com ([::1] for"
                + " IPv6), not '"
                + userAtHost
                + "'");
      }
      String host = m.group(2);
      if (host.startsWith("[")) {
        host = host.substring(1, host.length() - 1);
      }
      return new Request(m.group(1), host, port, identityFile, knownHosts, null, cluster, null);
    }

    /**
     * This request for external etcd: the node given is an etcd member running {@code unit} (a bare
     * name gets {@code .service}), and {@code controlPlanes} are the nodes whose kube-apiserver
     * uses that etcd, each {@code NAME=HOST} or {@code HOST} (then named by its host).
     *
     * @throws BadInputException for no control plane, a malformed one, or a unit that is not a
     *     systemd service name
     */
    public Request external(String unit, List<String> controlPlanes) {
      String u = unit == null ? "etcd.service" : unit;
      if (!u.contains(".")) {
        u = u + ".service"; // as systemctl reads a bare name
      }
      if (!UNIT.matcher(u).matches()) {
        throw new BadInputException(
            "--unit must be a systemd service name like etcd.service, not '" + unit + "'");
      }
      if (controlPlanes == null || controlPlanes.isEmpty()) {
        throw new BadInputException(
            "--topology external needs the control-plane nodes whose kube-apiserver uses this"
                + " etcd: --control-plane cp-1=10.0.0.21 (once per node; a restore stops them"
                + " first)");
      }
      List<Inventory.ControlPlane> cps = new java.util.ArrayList<>();
      for (String given : controlPlanes) {
        int eq = given.indexOf('=');
        String name = eq < 0 ? given : given.substring(0, eq);
        String cpHost = eq < 0 ? given : given.substring(eq + 1);
        if (!CLUSTER.matcher(name).matches() || !HOST.matcher(cpHost).matches()) {
          throw new BadInputException(
              "--control-plane must be NAME=HOST or HOST, like cp-1=10.0.0.21 (a name of letters,"
                  + " digits, '.', '_' or '-'), not '"
                  + given
                  + "'");
        }
        if (cps.stream().anyMatch(c -> c.name().equals(name) || c.host().equals(cpHost))) {
          throw new BadInputException("--control-plane " + given + " is given twice");
        }
        cps.add(new Inventory.ControlPlane(name, cpHost, null));
      }
      return new Request(
          user,
          host,
          port,
          identityFile,
          knownHosts,
          connectTimeout,
          cluster,
          new Inventory.External(u, List.copyOf(cps)));
    }
  }

  /**
   * The inventory and where it went.
   *
   * @param text the file's text
   * @param inventory the text as {@link Inventory#load} reads it
   * @param written the file written, or null when none was asked for
   * @param hostKeyFingerprint the key the node presented (SHA256:...)
   * @param unverified the other members whose SSH connection could not be verified with the
   *     inventory's settings (typically an unknown host key), each with the message saying how to
   *     fix it; a run stops at these members until then
   */
  public record Result(
      String text,
      Inventory inventory,
      Path written,
      String hostKeyFingerprint,
      List<RemoteFailure> unverified) {
    public Result {
      unverified = List.copyOf(unverified);
    }
  }

  /**
   * Drafts the inventory and, when {@code out} is not null, writes it there: to {@code out.part}
   * first, loaded and checked there, then moved to {@code out}, which must not exist. Nothing is
   * written when anything fails. Then it connects to every other member with the inventory's SSH
   * settings (strict host keys, nothing run) and reports those it could not verify.
   *
   * @throws BadInputException {@code out} exists, malformed request, nothing discoverable
   * @throws RemoteFailure the node cannot be reached, its host key is unknown or wrong, the key is
   *     refused
   * @throws InventoryException the draft does not validate (a pack bug or a strange cluster)
   */
  public static Result run(Request request, Path out) {
    return InventoryInitCore.run(request, out);
  }

  /**
   * As {@link #run(Request, Path)}, naming {@code allowedSigners} in the inventory's approval
   * section. When it is null and {@code out} is given, an {@code allowed_signers} file is started
   * beside {@code out} from the user's own public key ({@code ~/.ssh/id_ed25519.pub}, {@code
   * id_ecdsa.pub} or {@code id_rsa.pub}, as the login name) if there is one and no such file yet.
   */
  public static Result run(Request request, Path out, Path allowedSigners) {
    return InventoryInitCore.run(
        request,
        out,
        allowedSigners,
        Path.of(System.getProperty("user.home")),
        System.getProperty("user.name"));
  }
}
