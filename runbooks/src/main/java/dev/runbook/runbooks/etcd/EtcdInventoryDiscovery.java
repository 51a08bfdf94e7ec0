package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.CommandResult;
import dev.runbook.engine.api.FailureReason;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.InventoryDiscovery;
import dev.runbook.engine.api.OutputListener;
import dev.runbook.engine.api.RemoteFailure;
import dev.runbook.engine.api.RemoteShell;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Drafts the inventory of a kubeadm (stacked) etcd cluster from one control-plane node, or of an
 * external etcd cluster from one etcd member ({@link #discoverExternal}): the node's etcd static
 * pod manifest gives the member's name, data dir and certificate paths; the member list, asked of
 * that member through an SSH tunnel with the node's own certificates (as {@code etcd.access {mode:
 * tunnel}} does in a run), gives every member's name and URLs.
 *
 * <p>jetcd through the tunnel, not {@code etcdctl} on the node: a kubeadm node has etcdctl only
 * inside the etcd container image, and the tunnel is the path the written inventory's runs take, so
 * init proves it works.
 */
public final class EtcdInventoryDiscovery implements InventoryDiscovery {

  static final String MANIFEST_DIR = "/etc/kubernetes/manifests";
  static final String MANIFEST = MANIFEST_DIR + "/etcd.yaml";

  @Override
  public Draft discover(RemoteShell shell, Seed seed) {
    if (seed.external() != null) {
      return discoverExternal(shell, seed);
    }
    String where = seed.host() + ":" + seed.ssh().port();
    String text;
    try {
      text = new String(shell.read(seed.node(), MANIFEST), StandardCharsets.UTF_8);
    } catch (RemoteFailure e) {
      if (e.reason() != FailureReason.NON_ZERO_EXIT) {
        throw e;
      }
      throw new BadInputException(
          "no etcd static pod manifest readable at "
              + MANIFEST
              + " on "
              + where
              + " ("
              + e.getMessage()
              + "): inventory init reads a kubeadm control-plane node with stacked etcd; for"
              + " external etcd, or another manifest dir, write the inventory by hand"
              + " (docs/inventory.md)");
    }
    EtcdManifest manifest;
    try {
      manifest = EtcdManifest.parse(text);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(
          MANIFEST + " on " + where + " is not an etcd pod manifest: " + e.getMessage());
    }
    Listing l = list(shell, seed, Local.of(manifest, where));
    return draft(seed, manifest, l.status().clusterId(), l.status().version(), l.members());
  }

  /** What the seed's member said of its cluster. */
  private record Listing(MemberClient.Status status, List<MemberClient.Listed> members) {}

  /** The seed member's status and member list, asked through an SSH tunnel as a run would. */
  private static Listing list(RemoteShell shell, Seed seed, Local local) {
    String where = seed.host() + ":" + seed.ssh().port();
    Inventory probe =
        inventory(
            "inventory-init",
            seed.ssh(),
            local,
            List.of(new Inventory.Member(seed.node(), seed.host(), local.clientUrl(), null, null)),
            null);
    try (EtcdAccess etcd = new EtcdAccess(probe, shell)) {
      MemberClient client = etcd.member(probe.members().get(0));
      return new Listing(client.status(), client.members());
    } catch (EtcdUnreachable e) {
      throw new BadInputException(
          "etcd member "
              + local.name()
              + " on "
              + where
              + " did not give its member list through an SSH tunnel to "
              + local.clientUrl()
              + " with the node's certificates "
              + local.pki()
              + ": "
              + e.getMessage());
    }
  }

  /**
   * External etcd: the seed is an etcd member running {@code seed.external().unit()}; its unit,
   * read as systemd reads it ({@code systemctl cat} and the environment files it names, with {@link
   * EtcdUnit}), gives the member's name, data dir, client URL and certificate paths; the member
   * list gives every member; the control planes are the ones the user named.
   */
  private static Draft discoverExternal(RemoteShell shell, Seed seed) {
    String where = seed.host() + ":" + seed.ssh().port();
    String unitName = seed.external().unit();
    // The unit name matched a systemd service name (letters, digits, :_.@\-) in the request: in
    // single quotes it is one word the shell passes as it is, as the unit-cat template renders it.
    CommandResult cat =
        shell.run(
            seed.node(),
            "systemctl --no-pager cat '" + unitName + "'",
            Duration.ofSeconds(30),
            OutputListener.NONE);
    if (!cat.ok()) {
      throw new BadInputException(
          "the unit "
              + unitName
              + " is not found on "
              + where
              + " ("
              + (cat.stderr().strip() + " " + cat.stdout().strip()).strip()
              + "): with --topology external, --ssh names an etcd member and --unit the systemd"
              + " unit etcd runs as there");
    }
    EtcdUnit unit =
        EtcdUnit.parse(
            unitName,
            cat.stdout(),
            path -> {
              try {
                return new String(shell.read(seed.node(), path), StandardCharsets.UTF_8);
              } catch (RemoteFailure e) {
                if (e.reason() != FailureReason.NON_ZERO_EXIT) {
                  throw e;
                }
                return null;
              }
            });
    Local local = Local.of(unit, where);
    Listing l = list(shell, seed, local);
    return draftExternal(seed, unit, l.status().clusterId(), l.status().version(), l.members());
  }

  /** What the seed's manifest says about its own member and the paths every member shares. */
  record Local(
      String name, String dataDir, Inventory.Pki pki, URI clientUrl, Map<String, String> notes) {

    static Local of(EtcdManifest m, String where) {
      String name = m.flag("name");
      if (name == null || name.isBlank()) {
        throw new BadInputException(MANIFEST + " on " + where + ": the etcd command has no --name");
      }
      String dataDir = m.flag("data-dir");
      if (dataDir == null || !dataDir.startsWith("/")) {
        throw new BadInputException(
            MANIFEST + " on " + where + ": the etcd command has no absolute --data-dir");
      }
      Map<String, String> notes = new LinkedHashMap<>();
      EtcdManifest.Mount data = m.mountOf(dataDir);
      notes.put(
          "etcd.dataDir",
          "--data-dir in "
              + name
              + "'s etcd.yaml"
              + (data == null || data.hostPath() == null
                  ? ""
                  : "; on the node: hostPath " + data.hostPath() + " of volume " + data.volume()));
      Inventory.Pki pki =
          new Inventory.Pki(
              cert(m, "trusted-ca-file", "/etc/kubernetes/pki/etcd/ca.crt", "cacert", notes, where),
              cert(m, "cert-file", "/etc/kubernetes/pki/etcd/server.crt", "cert", notes, where),
              cert(m, "key-file", "/etc/kubernetes/pki/etcd/server.key", "key", notes, where));
      List<String> advertised = m.flagList("advertise-client-urls");
      if (advertised.isEmpty()) {
        advertised = m.flagList("listen-client-urls");
      }
      if (advertised.isEmpty()) {
        throw new BadInputException(
            MANIFEST + " on " + where + ": the etcd command has no --advertise-client-urls");
      }
      URI clientUrl;
      try {
        clientUrl = URI.create(advertised.get(0).strip());
      } catch (IllegalArgumentException e) {
        throw new BadInputException(
            MANIFEST + " on " + where + ": not a client URL: " + advertised.get(0));
      }
      if (clientUrl.getHost() == null || clientUrl.getPort() < 0) {
        throw new BadInputException(
            MANIFEST + " on " + where + ": client URL without host and port: " + clientUrl);
      }
      return new Local(name, dataDir, pki, clientUrl, notes);
    }

    /** The same from a member's systemd unit: every value noted with where the unit set it. */
    static Local of(EtcdUnit u, String where) {
      String what = u.unit() + " on " + where;
      if (!u.problems().isEmpty()) {
        throw new BadInputException(
            what + " cannot be read for an inventory: " + String.join("; ", u.problems()));
      }
      Map<String, String> notes = new LinkedHashMap<>();
      notes.put("etcd.dataDir", u.setting("data-dir").source());
      String[][] certs = {
        {"trusted-ca-file", "cacert"}, {"cert-file", "cert"}, {"key-file", "key"}
      };
      List<String> paths = new ArrayList<>();
      for (String[] c : certs) {
        EtcdUnit.Setting s = u.setting(c[0]);
        if (s == null || !s.value().startsWith("/")) {
          throw new BadInputException(
              what
                  + ": no absolute --"
                  + c[0]
                  + " (nor ETCD_"
                  + c[0].toUpperCase(java.util.Locale.ROOT).replace('-', '_')
                  + "): the runbooks reach etcd over TLS with the members' certificates");
        }
        notes.put("etcd.pki." + c[1], s.source());
        paths.add(s.value());
      }
      EtcdUnit.Setting advertised = u.setting("advertise-client-urls");
      if (advertised == null) {
        advertised = u.setting("listen-client-urls");
      }
      if (advertised == null) {
        throw new BadInputException(what + ": no --advertise-client-urls (nor ETCD_ variable)");
      }
      String first = advertised.value().split(",")[0].strip();
      URI clientUrl;
      try {
        clientUrl = URI.create(first);
      } catch (IllegalArgumentException e) {
        throw new BadInputException(what + ": not a client URL: " + first);
      }
      if (clientUrl.getHost() == null || clientUrl.getPort() < 0) {
        throw new BadInputException(what + ": client URL without host and port: " + clientUrl);
      }
      return new Local(
          u.value("name"),
          u.value("data-dir"),
          new Inventory.Pki(paths.get(0), paths.get(1), paths.get(2)),
          clientUrl,
          notes);
    }

    /** A certificate flag's path on the node: the container path through its hostPath mount. */
    private static String cert(
        EtcdManifest m,
        String flag,
        String fallback,
        String key,
        Map<String, String> notes,
        String where) {
      String inContainer = m.flag(flag);
      if (inContainer == null) {
        notes.put("etcd.pki." + key, "the default: etcd.yaml has no --" + flag);
        return fallback;
      }
      String onHost = m.hostPathOf(inContainer);
      if (onHost == null) {
        throw new BadInputException(
            MANIFEST
                + " on "
                + where
                + ": --"
                + flag
                + "="
                + inContainer
                + " is not under any hostPath volume of the etcd container");
      }
      EtcdManifest.Mount mount = m.mountOf(inContainer);
      notes.put(
          "etcd.pki." + key,
          "--"
              + flag
              + " in etcd.yaml"
              + (onHost.equals(inContainer)
                  ? ""
                  : " (" + inContainer + " in the container, volume " + mount.volume() + ")"));
      return onHost;
    }
  }

  /**
   * The draft from what was read: the seed's manifest, its status and the member list. Members are
   * sorted by name; the seed keeps the address the user connected to, the others get their peer
   * URL's host (the address the members reach each other at).
   *
   * @throws BadInputException for a member list the inventory cannot describe
   */
  static Draft draft(
      Seed seed,
      EtcdManifest manifest,
      String clusterId,
      String version,
      List<MemberClient.Listed> listed) {
    String where = seed.host() + ":" + seed.ssh().port();
    Local local = Local.of(manifest, where);
    Map<String, String> notes = new LinkedHashMap<>(local.notes());
    List<Inventory.Member> members = members(seed, local, "--name in etcd.yaml", listed, notes);
    String cluster = cluster(seed, clusterId, notes);
    notes.put("etcd.topology", "kubeadm static pod: " + MANIFEST + " on " + local.name());
    notes.put("etcd.manifestDir", "where etcd.yaml was found");
    notes.put(
        "etcd.access.mode",
        "how init reached etcd: an SSH tunnel, with the node's certificates read into memory");
    Inventory inventory = inventory(cluster, seed.ssh(), local, members, null);
    List<String> header =
        List.of(
            "Read from etcd member "
                + local.name()
                + " on "
                + where
                + ": its static pod manifest "
                + MANIFEST
                + " and the member list of cluster "
                + clusterId
                + " (etcd "
                + version
                + ").",
            "Every member is assumed to keep etcd's files where "
                + local.name()
                + " does (kubeadm does); a run's preflight checks each member's own manifest.",
            OPTIONAL);
    return new Draft(inventory, header, notes);
  }

  private static final String OPTIONAL =
      "Optional: validate.marker (a key a restore must show), roles, secrets: see"
          + " docs/inventory.md.";

  /**
   * The draft of an external etcd cluster from what was read: the seed's unit, its status and the
   * member list (as {@link #draft}), and the control planes the user named.
   *
   * @throws BadInputException for a member list the inventory cannot describe
   */
  static Draft draftExternal(
      Seed seed,
      EtcdUnit unit,
      String clusterId,
      String version,
      List<MemberClient.Listed> listed) {
    String where = seed.host() + ":" + seed.ssh().port();
    Local local = Local.of(unit, where);
    Map<String, String> notes = new LinkedHashMap<>(local.notes());
    List<Inventory.Member> members =
        members(seed, local, unit.setting("name").source(), listed, notes);
    String cluster = cluster(seed, clusterId, notes);
    notes.put(
        "etcd.topology",
        "etcd runs as the systemd unit " + unit.unit() + " on " + local.name() + ", not a pod");
    notes.put("etcd.unit", "from --unit; systemctl cat " + unit.unit() + " on " + local.name());
    notes.put(
        "etcd.manifestDir",
        "the default: where the control planes keep kube-apiserver.yaml (a restore moves it"
            + " aside)");
    notes.put(
        "etcd.access.mode",
        "how init reached etcd: an SSH tunnel, with the node's certificates read into memory");
    notes.put(
        "controlPlane",
        "from --control-plane: the nodes whose kube-apiserver uses this etcd (a restore stops"
            + " them first)");
    List<Inventory.ControlPlane> cps = seed.external().controlPlane();
    for (int i = 0; i < cps.size(); i++) {
      notes.put("controlPlane[" + i + "].host", "from --control-plane");
    }
    Inventory inventory =
        inventory(
            cluster,
            seed.ssh(),
            local,
            members,
            new Inventory.External(unit.unit(), seed.external().controlPlane()));
    List<String> header =
        List.of(
            "Read from etcd member "
                + local.name()
                + " on "
                + where
                + ": its systemd unit "
                + unit.unit()
                + " (systemctl cat, "
                + (unit.environmentFiles().isEmpty()
                    ? "no environment file"
                    : "environment files " + String.join(", ", unit.environmentFiles()))
                + ") and the member list of cluster "
                + clusterId
                + " (etcd "
                + version
                + ").",
            "Every member is assumed to keep etcd's files where "
                + local.name()
                + " does; a run's preflight reads each member's own unit and refuses units that"
                + " disagree.",
            OPTIONAL);
    return new Draft(inventory, header, notes);
  }

  /** The cluster's name: the user's, else from etcd's cluster ID. */
  private static String cluster(Seed seed, String clusterId, Map<String, String> notes) {
    notes.put(
        "cluster",
        seed.cluster() != null
            ? "from --cluster"
            : "from etcd's cluster ID; any name will do (one run at a time per name)");
    return seed.cluster() != null ? seed.cluster() : "etcd-" + clusterId;
  }

  /**
   * The members from the member list, sorted by name; the seed keeps the address the user connected
   * to, the others get their peer URL's host (the address the members reach each other at).
   *
   * @param nameSource where the seed's own name was read, for the error when the list lacks it
   */
  private static List<Inventory.Member> members(
      Seed seed,
      Local local,
      String nameSource,
      List<MemberClient.Listed> listed,
      Map<String, String> notes) {
    String where = seed.host() + ":" + seed.ssh().port();
    List<MemberClient.Listed> sorted = new ArrayList<>(listed);
    sorted.sort(Comparator.comparing(MemberClient.Listed::name));
    if (sorted.stream().noneMatch(l -> l.name().equals(local.name()))) {
      throw new BadInputException(
          "the member list from "
              + where
              + " does not name its own member "
              + local.name()
              + " ("
              + nameSource
              + ")");
    }
    List<Inventory.Member> members = new ArrayList<>();
    for (MemberClient.Listed l : sorted) {
      if (l.name().isEmpty() || l.clientUrls().isEmpty()) {
        throw new BadInputException(
            "member "
                + l.id()
                + " (peer URLs "
                + l.peerUrls()
                + ") has been added but not started: it has no name or client URL yet. Start it"
                + " (or remove it with etcdctl member remove), then run inventory init again");
      }
      if (l.peerUrls().isEmpty()) {
        throw new BadInputException("member " + l.name() + " lists no peer URL");
      }
      URI peer = url(l.peerUrls().get(0), l.name());
      URI client = url(l.clientUrls().get(0), l.name());
      boolean self = l.name().equals(local.name());
      String host = self ? seed.host() : peer.getHost();
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      String at = "members[" + members.size() + "]";
      notes.put(
          at,
          "member "
              + l.id()
              + (l.learner() ? ", a learner (non-voting)" : "")
              + (self ? ", the node init read" : ""));
      notes.put(
          at + ".host",
          self
              ? "the address init connected to"
              : "its peer URL's host: check that SSH reaches it there");
      notes.put(
          at + ".clientUrl",
          "member list"
              + (l.clientUrls().size() > 1 ? " (first of " + l.clientUrls().size() + ")" : ""));
      notes.put(
          at + ".peerUrl",
          "member list"
              + (l.peerUrls().size() > 1 ? " (first of " + l.peerUrls().size() + ")" : ""));
      members.add(new Inventory.Member(l.name(), host, client, peer, null));
    }
    notes.put("members", sorted.size() + " in etcd's member list, asked of " + local.name());
    return members;
  }

  /**
   * The etcd with the seed's paths, reached through SSH tunnels: stacked, or external with {@code
   * external}.
   */
  private static Inventory inventory(
      String cluster,
      Inventory.Ssh ssh,
      Local local,
      List<Inventory.Member> members,
      Inventory.External external) {
    return new Inventory(
        null,
        cluster,
        ssh,
        new Inventory.Etcd(
            external == null ? "stacked" : "external",
            MANIFEST_DIR,
            local.dataDir(),
            local.pki(),
            new Inventory.Access("tunnel", null, null, null),
            external),
        List.copyOf(members),
        new Inventory.Validate(null),
        Map.of(),
        List.of());
  }

  private static URI url(String s, String member) {
    try {
      URI u = URI.create(s.strip());
      if (u.getHost() == null || u.getPort() < 0) {
        throw new IllegalArgumentException("no host or port");
      }
      return u;
    } catch (IllegalArgumentException e) {
      throw new BadInputException(
          "member " + member + " lists a URL the inventory cannot use: " + s);
    }
  }
}
