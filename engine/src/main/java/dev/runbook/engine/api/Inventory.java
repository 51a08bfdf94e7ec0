package dev.runbook.engine.api;

import dev.runbook.engine.internal.inventory.InventoryLoader;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cluster a run acts on, as read from an inventory file (docs/inventory.md). Every record is
 * validated when loaded: a value here is never null unless documented as optional.
 *
 * @param source the file it was read from
 * @param cluster the cluster's name; one run at a time per cluster
 * @param roles role name to the people who hold it (for gates that require a role)
 * @param secretPatterns regular expressions; any match is redacted from evidence
 * @param approval how people prove who they are (signed statements, or unsigned when the inventory
 *     says so); {@link Approval#NOT_GIVEN} when the file has no {@code approval} section
 * @param objectStore the S3-compatible store backups may go to (docs/object-store.md); null when
 *     the file has no {@code objectStore} section
 */
public record Inventory(
    Path source,
    String cluster,
    Ssh ssh,
    Etcd etcd,
    List<Member> members,
    Validate validate,
    Map<String, List<String>> roles,
    List<String> secretPatterns,
    Approval approval,
    ObjectStore objectStore) {

  /** An inventory with no {@code objectStore} section. */
  public Inventory(
      Path source,
      String cluster,
      Ssh ssh,
      Etcd etcd,
      List<Member> members,
      Validate validate,
      Map<String, List<String>> roles,
      List<String> secretPatterns,
      Approval approval) {
    this(source, cluster, ssh, etcd, members, validate, roles, secretPatterns, approval, null);
  }

  /** The inventory's object store, if it names one. */
  public Optional<ObjectStore> store() {
    return Optional.ofNullable(objectStore);
  }

  /**
   * An S3-compatible object store (docs/object-store.md). The credential itself is not here: it is
   * read from {@code credentialsFile} (or the AWS environment variables when that is null) only
   * when a step talks to the store, so it never travels with the inventory into plans or evidence.
   *
   * @param endpoint http(s) URL of the store, no path
   * @param pathStyle address the bucket in the path (most S3-compatible stores), not the host name
   * @param credentialsFile an AWS-format credentials file, mode 0600; null: the environment's
   */
  public record ObjectStore(
      URI endpoint, String region, String bucket, boolean pathStyle, Path credentialsFile) {}

  /** An inventory with no {@code approval} section: a run on it is refused until it says one. */
  public Inventory(
      Path source,
      String cluster,
      Ssh ssh,
      Etcd etcd,
      List<Member> members,
      Validate validate,
      Map<String, List<String>> roles,
      List<String> secretPatterns) {
    this(source, cluster, ssh, etcd, members, validate, roles, secretPatterns, Approval.NOT_GIVEN);
  }

  /**
   * How people prove who they are (docs/inventory.md, approval).
   *
   * @param identity {@code signed}, {@code unsigned}, or null when the inventory does not say
   * @param allowedSigners the OpenSSH allowed-signers file whose principals {@code roles} name;
   *     null when unsigned
   * @param allowedSignersSha256 of that file as loaded; null when unsigned
   */
  public record Approval(String identity, Path allowedSigners, String allowedSignersSha256) {
    public static final Approval NOT_GIVEN = new Approval(null, null, null);

    public boolean signed() {
      return "signed".equals(identity);
    }

    public boolean unsigned() {
      return "unsigned".equals(identity);
    }
  }

  /**
   * How the engine reaches the nodes over SSH.
   *
   * @param knownHosts OpenSSH known_hosts file checked strictly; a member may pin a fingerprint
   * @param sudo run every command through {@code sudo -n}
   */
  public record Ssh(
      String user,
      int port,
      Path identityFile,
      Path knownHosts,
      boolean sudo,
      java.time.Duration connectTimeout) {}

  /**
   * @param hostKeyFingerprint optional pinned host key, {@code SHA256:base64} as ssh-keygen -l
   *     prints it; checked instead of known_hosts when set
   */
  public record Member(
      String name, String host, URI clientUrl, URI peerUrl, String hostKeyFingerprint) {

    public Optional<String> pinnedFingerprint() {
      return Optional.ofNullable(hostKeyFingerprint);
    }
  }

  /**
   * @param topology {@code stacked} (kubeadm static pods) or {@code external} (systemd)
   */
  public record Etcd(
      String topology,
      String manifestDir,
      String dataDir,
      Pki pki,
      Access access,
      External external) {

    /** A stacked etcd (or one whose external part was not read). */
    public Etcd(String topology, String manifestDir, String dataDir, Pki pki, Access access) {
      this(topology, manifestDir, dataDir, pki, access, null);
    }

    public boolean isExternal() {
      return "external".equals(topology);
    }
  }

  /**
   * External etcd: the members run etcd as the systemd unit {@code unit}; the API servers that use
   * it run on the {@code controlPlane} nodes (which may or may not also be members).
   */
  public record External(String unit, List<ControlPlane> controlPlane) {}

  /** A control-plane node of an external etcd cluster: where a kube-apiserver runs. */
  public record ControlPlane(String name, String host, String hostKeyFingerprint) {}

  /** Certificate paths on the nodes. */
  public record Pki(String cacert, String cert, String key) {}

  /**
   * How the engine host reaches etcd.
   *
   * @param mode {@code direct} (client URLs reachable, certs local) or {@code tunnel} (an SSH
   *     forward to the member's client URL as the node sees it, certs read from the node into
   *     memory)
   * @param cacert local CA file for {@code direct}, null for {@code tunnel}
   */
  public record Access(String mode, Path cacert, Path cert, Path key) {}

  /** What a successful restore must show. Optional: {@link #marker()} may be null. */
  public record Validate(Marker marker) {}

  public record Marker(String key, String contains) {}

  /**
   * Reads and validates an inventory file.
   *
   * @throws InventoryException listing every problem in the file, each with its line and column
   */
  public static Inventory load(Path file) {
    return InventoryLoader.load(file);
  }

  public Optional<Member> member(String name) {
    return members.stream().filter(m -> m.name().equals(name)).findFirst();
  }

  /**
   * Every node the runbooks may reach, each once: the members, then (external etcd) the
   * control-plane nodes that are not members, as members without URLs. A run's node lock covers
   * them all, since a restore on external etcd stops the API servers there too.
   */
  public List<Member> nodes() {
    if (etcd == null || !etcd.isExternal() || etcd.external() == null) {
      return members;
    }
    List<Member> all = new ArrayList<>(members);
    for (ControlPlane cp : etcd.external().controlPlane()) {
      if (member(cp.name()).isEmpty()) {
        all.add(new Member(cp.name(), cp.host(), null, null, cp.hostKeyFingerprint()));
      }
    }
    return List.copyOf(all);
  }

  /**
   * A node the runbooks may reach: a member, or (external etcd) a control-plane node, as a member
   * without URLs.
   */
  public Optional<Member> node(String name) {
    return nodes().stream().filter(m -> m.name().equals(name)).findFirst();
  }
}
