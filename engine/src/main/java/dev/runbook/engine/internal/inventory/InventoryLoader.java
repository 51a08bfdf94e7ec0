package dev.runbook.engine.internal.inventory;

import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.InventoryException;
import dev.runbook.engine.api.InventoryException.Problem;
import dev.runbook.engine.internal.identity.AllowedSigners;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads and validates an inventory file (docs/inventory.md).
 *
 * <p>The file is read as a YAML node tree rather than as maps so that every problem can point at
 * its line and column. Validation goes on after a problem and collects all of them: an operator
 * fixes the file once, not once per error.
 */
public final class InventoryLoader {

  /** Names that end up in lock rows and file names. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  private static final String NAME_RULE =
      "1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit";

  /** As {@code ssh-keygen -l} prints it: unpadded base64 of a SHA-256 digest. */
  private static final Pattern FINGERPRINT = Pattern.compile("SHA256:[A-Za-z0-9+/]{43}");

  private static final List<String> TOP_KEYS =
      List.of(
          "cluster",
          "ssh",
          "etcd",
          "members",
          "controlPlane",
          "validate",
          "roles",
          "secrets",
          "approval",
          "objectStore");
  private static final List<String> APPROVAL_KEYS = List.of("allowedSigners", "identity");
  private static final List<String> SSH_KEYS =
      List.of("user", "port", "identityFile", "knownHosts", "sudo", "connectTimeout");
  private static final List<String> ETCD_KEYS =
      List.of("topology", "manifestDir", "dataDir", "pki", "access", "unit");
  private static final List<String> PKI_KEYS = List.of("cacert", "cert", "key");
  private static final List<String> ACCESS_KEYS = List.of("mode", "cacert", "cert", "key");
  private static final List<String> MEMBER_KEYS =
      List.of("name", "host", "clientUrl", "peerUrl", "hostKeyFingerprint");

  // A name or IPv4 address (not starting with '-', which ssh would read as an option), or an IPv6
  // address with an optional zone, bracketed or not (brackets only as a pair around it).
  private static final String IPV6 = "[0-9A-Fa-f]*:[0-9A-Fa-f:.]*(?:%[A-Za-z0-9_.-]+)?";
  private static final Pattern HOST =
      Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*|" + IPV6 + "|\\[" + IPV6 + "\\]");
  private static final List<String> VALIDATE_KEYS = List.of("marker");
  private static final List<String> MARKER_KEYS = List.of("key", "contains");
  private static final List<String> SECRETS_KEYS = List.of("patterns");

  private final Path file;
  private final Path home;
  private final List<Problem> problems = new ArrayList<>();

  private InventoryLoader(Path file, Path home) {
    this.file = file;
    this.home = home;
  }

  /**
   * Reads {@code file}.
   *
   * @throws InventoryException listing every problem found, each with its line and column
   */
  public static Inventory load(Path file) {
    return load(file, Path.of(System.getProperty("user.home")));
  }

  /** As {@link #load(Path)}, with {@code ~/} in local paths meaning {@code home}. */
  static Inventory load(Path file, Path home) {
    var loader = new InventoryLoader(file.toAbsolutePath().normalize(), home);
    Inventory inventory = loader.read();
    if (!loader.problems.isEmpty()) {
      // In file order, like a compiler's errors; stable, so problems at one place keep theirs.
      loader.problems.sort(
          Comparator.comparingInt(Problem::line).thenComparingInt(Problem::column));
      throw new InventoryException(loader.problems);
    }
    return inventory;
  }

  private Inventory read() {
    if (Files.isDirectory(file)) {
      problems.add(new Problem(file, 0, 0, "is a directory, not an inventory file"));
      return null;
    }
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      problems.add(new Problem(file, 0, 0, "inventory file does not exist"));
      return null;
    } catch (AccessDeniedException e) {
      problems.add(new Problem(file, 0, 0, "inventory file is not readable by this user"));
      return null;
    } catch (CharacterCodingException e) {
      problems.add(new Problem(file, 0, 0, "inventory file is not UTF-8 text"));
      return null;
    } catch (IOException e) {
      problems.add(new Problem(file, 0, 0, "inventory file cannot be read: " + e));
      return null;
    }
    Node root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      // SnakeYAML's context ("while parsing a flow mapping") reads best before the problem.
      String what =
          e.getContext() == null ? e.getProblem() : e.getContext() + ", " + e.getProblem();
      problem(mark, "not valid YAML: " + what);
      return null;
    } catch (YAMLException e) {
      problems.add(new Problem(file, 0, 0, "not valid YAML: " + e.getMessage()));
      return null;
    }
    if (root == null) {
      problems.add(
          new Problem(
              file, 0, 0, "inventory file is empty: expected cluster, ssh, etcd and members"));
      return null;
    }
    if (!(root instanceof MappingNode)) {
      problem(
          root.getStartMark(),
          "expected a mapping of keys (cluster, ssh, etcd, members, ...) at the top level");
      return null;
    }
    var top = new Section("", root, root.getStartMark(), TOP_KEYS);

    String cluster = name(top, "cluster", "the cluster's name", "cluster: prod-eu-1");
    Inventory.Ssh ssh = ssh(top.section("ssh", SSH_KEYS));
    Section etcdSection = top.section("etcd", ETCD_KEYS);
    Inventory.Etcd etcd = ExternalInventory.read(this, top, etcdSection, etcd(etcdSection));
    List<Inventory.Member> members = members(top);
    Inventory.Validate validate = validate(top.section("validate", VALIDATE_KEYS));
    Map<String, List<String>> roles = roles(top);
    List<String> secretPatterns = secretPatterns(top.section("secrets", SECRETS_KEYS));
    Inventory.Approval approval = approval(top.section("approval", APPROVAL_KEYS));
    Inventory.ObjectStore objectStore =
        new ObjectStoreSection(file, home, this::problem).read(top.value("objectStore"));
    return new Inventory(
        file, cluster, ssh, etcd, members, validate, roles, secretPatterns, approval, objectStore);
  }

  /**
   * Who may act on a run and how they prove it. Signed is the default once an allowed-signers file
   * is named; no section at all is read (plan, ssh-check need none) and a run refuses it.
   */
  private Inventory.Approval approval(Section approval) {
    String identity = string(approval, "identity", null);
    if (identity != null && !List.of("signed", "unsigned").contains(identity)) {
      problem(
          approval.valueMark("identity"),
          "approval.identity must be signed or unsigned, not '" + identity + "'");
      return Inventory.Approval.NOT_GIVEN;
    }
    boolean named = approval.value("allowedSigners") != null;
    if ("unsigned".equals(identity)) {
      if (named) {
        problem(
            approval.keyMark("allowedSigners"),
            "approval.identity is unsigned, so approval.allowedSigners would not be used: remove"
                + " one of them");
      }
      return new Inventory.Approval("unsigned", null, null);
    }
    if (!named) {
      if ("signed".equals(identity)) {
        problem(
            approval.keyMark("identity"),
            "approval.allowedSigners is required for signed identities: name an OpenSSH"
                + " allowed-signers file (`runbook inventory init` starts one from your key)");
      }
      return Inventory.Approval.NOT_GIVEN;
    }
    Path signers =
        localFile(
            approval,
            "allowedSigners",
            null,
            "allowed-signers file",
            "name an OpenSSH allowed-signers file, one `PRINCIPAL KEYTYPE BASE64` a line");
    if (signers == null || !Files.isReadable(signers)) {
      return new Inventory.Approval("signed", signers, null);
    }
    try {
      AllowedSigners loaded = AllowedSigners.load(signers);
      return new Inventory.Approval("signed", signers, loaded.sha256());
    } catch (AllowedSigners.Invalid e) {
      for (AllowedSigners.Problem p : e.located()) {
        problems.add(new Problem(signers, p.line(), 1, p.message()));
      }
    } catch (IOException e) {
      problem(approval.valueMark("allowedSigners"), "cannot read " + signers + ": " + e);
    }
    return new Inventory.Approval("signed", signers, null);
  }

  private Inventory.Ssh ssh(Section ssh) {
    String user = string(ssh, "user", "root");
    if (user != null && (user.isBlank() || user.chars().anyMatch(Character::isWhitespace))) {
      problem(ssh.valueMark("user"), "ssh.user must be a user name, not '" + user + "'");
    }
    int port = integer(ssh, "port", 22, 1, 65535);
    Path identityFile =
        localFile(
            ssh,
            "identityFile",
            "~/.ssh/id_ed25519",
            "identity file",
            "set ssh.identityFile to your private key");
    Path knownHosts =
        localFile(
            ssh,
            "knownHosts",
            "~/.ssh/known_hosts",
            "known_hosts file",
            "set ssh.knownHosts to an OpenSSH known_hosts file that lists the nodes' host keys");
    boolean sudo = bool(ssh, "sudo", false);
    int connectTimeout = integer(ssh, "connectTimeout", 10, 1, 3600);
    return new Inventory.Ssh(
        user, port, identityFile, knownHosts, sudo, Duration.ofSeconds(connectTimeout));
  }

  private Inventory.Etcd etcd(Section etcd) {
    String topology = oneOf(etcd, "topology", "stacked", List.of("stacked", "external"));
    String manifestDir = nodePath(etcd, "manifestDir", "/etc/kubernetes/manifests");
    String dataDir = nodePath(etcd, "dataDir", "/var/lib/etcd");
    Section pki = etcd.section("pki", PKI_KEYS);
    var nodePki =
        new Inventory.Pki(
            nodePath(pki, "cacert", "/etc/kubernetes/pki/etcd/ca.crt"),
            nodePath(pki, "cert", "/etc/kubernetes/pki/etcd/server.crt"),
            nodePath(pki, "key", "/etc/kubernetes/pki/etcd/server.key"));
    return new Inventory.Etcd(topology, manifestDir, dataDir, nodePki, access(etcd));
  }

  private Inventory.Access access(Section etcd) {
    if (!etcd.has("access")) {
      // The default needs nothing on the engine host: SSH to the member, the node's own certs.
      return new Inventory.Access("tunnel", null, null, null);
    }
    Section access = etcd.section("access", ACCESS_KEYS);
    String mode = oneOf(access, "mode", "direct", List.of("direct", "tunnel"));
    if (mode == null) {
      return new Inventory.Access(null, null, null, null); // reported; which files it needs is moot
    }
    if ("tunnel".equals(mode)) {
      for (String key : List.of("cacert", "cert", "key")) {
        if (access.has(key)) {
          problem(
              access.keyMark(key),
              access.path(key)
                  + " is not used with access mode tunnel (the certificates are read from the"
                  + " node): remove it, or use mode direct");
        }
      }
      return new Inventory.Access(mode, null, null, null);
    }
    String fix = " (or use access mode tunnel to read the certificates from the node)";
    return new Inventory.Access(
        mode,
        localFile(
            access,
            "cacert",
            null,
            "CA certificate file",
            "set etcd.access.cacert to the etcd CA certificate" + fix),
        localFile(
            access,
            "cert",
            null,
            "client certificate file",
            "set etcd.access.cert to a client certificate the etcd CA signed" + fix),
        localFile(
            access,
            "key",
            null,
            "client key file",
            "set etcd.access.key to the client certificate's private key" + fix));
  }

  private List<Inventory.Member> members(Section top) {
    Node node = top.value("members");
    if (node == null) {
      problem(
          top.mark,
          "members is required: list every etcd member as"
              + " {name: cp-1, host: 10.0.0.10, clientUrl: https://10.0.0.10:2379,"
              + " peerUrl: https://10.0.0.10:2380}");
      return List.of();
    }
    if (!(node instanceof SequenceNode seq)) {
      problem(node.getStartMark(), "members must be a list of members (lines starting with '- ')");
      return List.of();
    }
    if (seq.getValue().isEmpty()) {
      problem(node.getStartMark(), "members must list at least one etcd member");
      return List.of();
    }
    List<Inventory.Member> members = new ArrayList<>();
    Map<String, Node> names = new HashMap<>();
    Map<String, Node> hosts = new HashMap<>();
    for (int i = 0; i < seq.getValue().size(); i++) {
      Node item = seq.getValue().get(i);
      String path = "members[" + i + "]";
      if (!(item instanceof MappingNode)) {
        problem(
            item.getStartMark(),
            path
                + " must be a mapping like {name: cp-1, host: 10.0.0.10, clientUrl: ...,"
                + " peerUrl: ...}");
        continue;
      }
      var m = new Section(path, item, item.getStartMark(), MEMBER_KEYS);
      String name = name(m, "name", "the member's etcd name", "name: cp-1");
      String host = host(m, name, "member");
      unique(names, name, m, "name", "member names");
      unique(hosts, host == null ? null : host.toLowerCase(Locale.ROOT), m, "host", "hosts");
      URI clientUrl = url(m, "clientUrl", 2379);
      URI peerUrl = url(m, "peerUrl", 2380);
      String fingerprint = fingerprint(m);
      members.add(new Inventory.Member(name, host, clientUrl, peerUrl, fingerprint));
    }
    return List.copyOf(members);
  }

  /** A node's SSH host: a name or an address, nothing a shell or ssh could read as more. */
  String host(Section m, String name, String what) {
    String host =
        requiredString(m, "host", "the address the engine reaches the " + what + " at over SSH");
    // A host name, an IPv4 address or an IPv6 one (with or without brackets): nothing a shell,
    // an ssh option or a known_hosts pattern could read as more than a host.
    if (host != null && !HOST.matcher(host).matches()) {
      problem(
          m.valueMark("host"),
          m.path("host")
              + (name == null ? "" : " of " + what + " " + name)
              + " must be a host name or an IP address (letters, digits, '.', '-', ':', '[]';"
              + " not starting with '-'), not "
              + shown(host));
      host = null;
    }
    return host;
  }

  String fingerprint(Section m) {
    String fingerprint = string(m, "hostKeyFingerprint", null);
    if (fingerprint != null && !FINGERPRINT.matcher(fingerprint).matches()) {
      problem(
          m.valueMark("hostKeyFingerprint"),
          m.path("hostKeyFingerprint")
              + " must look like SHA256: followed by 43 base64 characters, as"
              + " 'ssh-keygen -l -f <host key>' prints it, not '"
              + fingerprint
              + "'");
    }
    return fingerprint;
  }

  void unique(Map<String, Node> seen, String value, Section s, String key, String what) {
    if (value == null) {
      return;
    }
    Node first = seen.putIfAbsent(value, s.value(key));
    if (first != null) {
      problem(
          s.valueMark(key),
          s.path(key)
              + " '"
              + value
              + "' is already used on line "
              + (first.getStartMark().getLine() + 1)
              + ": "
              + what
              + " must be unique");
    }
  }

  private URI url(Section s, String key, int examplePort) {
    String text = requiredString(s, key, "the member's URL, like https://10.0.0.10:" + examplePort);
    if (text == null) {
      return null;
    }
    String expected =
        s.path(key)
            + " must be an absolute http:// or https:// URL with a host and a port, like"
            + " https://10.0.0.10:"
            + examplePort
            + ", not '"
            + text
            + "'";
    try {
      URI uri = new URI(text);
      boolean ok =
          ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))
              && uri.getHost() != null
              && uri.getPort() != -1
              && uri.getRawUserInfo() == null
              && (uri.getRawPath() == null
                  || uri.getRawPath().isEmpty()
                  || "/".equals(uri.getRawPath()))
              && uri.getRawQuery() == null
              && uri.getRawFragment() == null;
      if (ok) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    problem(s.valueMark(key), expected);
    return null;
  }

  private Inventory.Validate validate(Section validate) {
    if (!validate.has("marker")) {
      return new Inventory.Validate(null);
    }
    Section marker = validate.section("marker", MARKER_KEYS);
    String key =
        requiredString(marker, "key", "the etcd key whose value proves the restore worked");
    String contains = string(marker, "contains", null);
    if (contains == null) {
      problem(
          marker.keyMark("contains"),
          marker.path("contains")
              + " is required: the text the marker key's value must contain after a restore");
    }
    return key == null || contains == null
        ? new Inventory.Validate(null)
        : new Inventory.Validate(new Inventory.Marker(key, contains));
  }

  private Map<String, List<String>> roles(Section top) {
    Node node = top.value("roles");
    if (node == null) {
      return Map.of();
    }
    if (!(node instanceof MappingNode mapping)) {
      problem(
          node.getStartMark(),
          "roles must map each role to the people who hold it, like {etcd-admin: [bob, carol]}");
      return Map.of();
    }
    Map<String, List<String>> roles = new LinkedHashMap<>();
    for (NodeTuple tuple : mapping.getValue()) {
      if (!(tuple.getKeyNode() instanceof ScalarNode keyNode) || keyNode.getValue().isBlank()) {
        problem(tuple.getKeyNode().getStartMark(), "a role name must be a non-empty word");
        continue;
      }
      String role = keyNode.getValue();
      String path = "roles." + role;
      if (roles.containsKey(role)) {
        problem(keyNode.getStartMark(), "role " + role + " is listed twice: merge the two lists");
        continue;
      }
      List<String> people = new ArrayList<>();
      Node value = tuple.getValueNode();
      if (isNull(value)) {
        roles.put(role, List.of());
        continue;
      }
      if (!(value instanceof SequenceNode list)) {
        problem(value.getStartMark(), path + " must be a list of names, like [bob, carol]");
        continue;
      }
      for (Node person : list.getValue()) {
        if (person instanceof ScalarNode scalar
            && !isNull(scalar)
            && !scalar.getValue().isBlank()) {
          people.add(scalar.getValue());
        } else {
          problem(person.getStartMark(), path + " must list names; this entry is not a name");
        }
      }
      roles.put(role, List.copyOf(people));
    }
    return Map.copyOf(roles);
  }

  private List<String> secretPatterns(Section secrets) {
    Node node = secrets.value("patterns");
    if (node == null) {
      return List.of();
    }
    if (!(node instanceof SequenceNode list)) {
      problem(
          node.getStartMark(),
          "secrets.patterns must be a list of regular expressions, like [\"password=\\\\S+\"]");
      return List.of();
    }
    List<String> patterns = new ArrayList<>();
    for (Node item : list.getValue()) {
      if (!(item instanceof ScalarNode scalar) || isNull(scalar) || scalar.getValue().isEmpty()) {
        problem(item.getStartMark(), "secrets.patterns must list non-empty regular expressions");
        continue;
      }
      try {
        Pattern.compile(scalar.getValue());
        patterns.add(scalar.getValue());
      } catch (PatternSyntaxException e) {
        problem(
            item.getStartMark(),
            "secrets.patterns entry '"
                + scalar.getValue()
                + "' is not a Java regular expression: "
                + e.getDescription()
                + " near index "
                + e.getIndex()
                + " (in YAML, quote it and double every backslash, or use single quotes)");
      }
    }
    return List.copyOf(patterns);
  }

  // ---- typed values ----

  /** A scalar's text; absent or null gives {@code fallback}; a non-scalar is a problem. */
  String string(Section s, String key, String fallback) {
    Node node = s.value(key);
    if (node == null) {
      return fallback;
    }
    if (!(node instanceof ScalarNode scalar)) {
      problem(node.getStartMark(), s.path(key) + " must be a single value, not a list or mapping");
      return null;
    }
    return scalar.getValue();
  }

  String requiredString(Section s, String key, String meaning) {
    boolean present = s.value(key) != null;
    String value = string(s, key, null);
    if (!present) {
      problem(s.keyMark(key), s.path(key) + " is required: " + meaning);
    } else if (value != null && value.isBlank()) {
      problem(s.valueMark(key), s.path(key) + " must not be empty: " + meaning);
      return null;
    }
    return value;
  }

  String name(Section s, String key, String meaning, String example) {
    String value = requiredString(s, key, meaning + " (" + NAME_RULE + "), like " + example);
    if (value != null && !NAME.matcher(value).matches()) {
      problem(s.valueMark(key), s.path(key) + " must be " + NAME_RULE + ", not '" + value + "'");
      return null;
    }
    return value;
  }

  private int integer(Section s, String key, int fallback, int min, int max) {
    String text = string(s, key, null);
    if (text == null) {
      return fallback;
    }
    if (text.matches("[0-9]{1,9}")) {
      int value = Integer.parseInt(text);
      if (value >= min && value <= max) {
        return value;
      }
    }
    problem(
        s.valueMark(key),
        s.path(key)
            + " must be a whole number from "
            + min
            + " to "
            + max
            + ", not '"
            + text
            + "'");
    return fallback;
  }

  private boolean bool(Section s, String key, boolean fallback) {
    String text = string(s, key, null);
    if (text == null) {
      return fallback;
    }
    if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(text);
    }
    problem(s.valueMark(key), s.path(key) + " must be true or false, not '" + text + "'");
    return fallback;
  }

  private String oneOf(Section s, String key, String fallback, List<String> allowed) {
    String value = string(s, key, fallback);
    if (value != null && !allowed.contains(value)) {
      problem(
          s.valueMark(key),
          s.path(key) + " must be " + String.join(" or ", allowed) + ", not '" + value + "'");
      return null;
    }
    return value;
  }

  /** A path on the nodes: absolute, since it is used in commands run from any directory. */
  private String nodePath(Section s, String key, String fallback) {
    String value = string(s, key, fallback);
    if (value != null && !value.startsWith("/")) {
      problem(
          s.valueMark(key),
          s.path(key)
              + " is a path on the nodes and must be absolute (start with /), not '"
              + value
              + "'");
      return null;
    }
    return value;
  }

  /**
   * A file on the engine's host that must exist. {@code ~/} means the home directory; a relative
   * path is relative to the inventory file's directory, so an inventory and its keys can move
   * together.
   */
  private Path localFile(Section s, String key, String fallback, String what, String fix) {
    String text = string(s, key, fallback);
    if (text == null) {
      if (fallback == null && s.value(key) == null) {
        problem(s.keyMark(key), s.path(key) + " is required: " + fix);
      }
      return null;
    }
    Path path;
    try {
      if (text.equals("~")) {
        path = home;
      } else if (text.startsWith("~/")) {
        path = home.resolve(text.substring(2));
      } else {
        path = file.getParent().resolve(text);
      }
    } catch (InvalidPathException e) {
      problem(s.valueMark(key), s.path(key) + " is not a valid path: " + e.getReason());
      return null;
    }
    path = path.toAbsolutePath().normalize();
    String trouble =
        !Files.exists(path)
            ? "does not exist"
            : !Files.isRegularFile(path)
                ? "is not a file"
                : !Files.isReadable(path) ? "is not readable by this user" : null;
    if (trouble != null) {
      problem(s.valueMark(key), what + " " + path + " " + trouble + ": " + fix);
    }
    return path;
  }

  private static boolean isNull(Node node) {
    return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
  }

  void problem(Mark mark, String message) {
    problems.add(new Problem(file, mark.getLine() + 1, mark.getColumn() + 1, message));
  }

  /**
   * One mapping of the file, keyed by name. Unknown and duplicate keys are reported when it is
   * made; a key whose value is empty ({@code key:} or {@code ~}) counts as absent.
   */
  final class Section {
    final String prefix;
    final Mark mark;
    final Map<String, NodeTuple> entries = new LinkedHashMap<>();

    /**
     * @param node the mapping, or null when the section is absent
     * @param mark where problems about missing keys point
     */
    Section(String prefix, Node node, Mark mark, List<String> allowed) {
      this.prefix = prefix;
      this.mark = mark;
      if (!(node instanceof MappingNode mapping)) {
        return;
      }
      for (NodeTuple tuple : mapping.getValue()) {
        if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
          problem(tuple.getKeyNode().getStartMark(), "a key must be a plain name");
          continue;
        }
        String key = keyNode.getValue();
        if (!allowed.contains(key)) {
          problem(keyNode.getStartMark(), unknownKey(key, allowed));
        } else if (entries.containsKey(key)) {
          problem(
              keyNode.getStartMark(),
              "duplicate key "
                  + path(key)
                  + " (first on line "
                  + (entries.get(key).getKeyNode().getStartMark().getLine() + 1)
                  + "): remove one");
        } else {
          entries.put(key, tuple);
        }
      }
    }

    private String unknownKey(String key, List<String> allowed) {
      String where = prefix.isEmpty() ? "at the top level" : "in " + prefix;
      String suggestion =
          allowed.stream()
              .filter(a -> distance(a.toLowerCase(Locale.ROOT), key.toLowerCase(Locale.ROOT)) <= 2)
              .findFirst()
              .map(a -> " (did you mean " + a + "?)")
              .orElse("");
      return "unknown key '"
          + key
          + "' "
          + where
          + suggestion
          + "; allowed keys: "
          + String.join(", ", allowed);
    }

    String path(String key) {
      return prefix.isEmpty() ? key : prefix + "." + key;
    }

    boolean has(String key) {
      return value(key) != null;
    }

    /** The value, or null when the key is absent or its value empty. */
    Node value(String key) {
      NodeTuple tuple = entries.get(key);
      return tuple == null || isNull(tuple.getValueNode()) ? null : tuple.getValueNode();
    }

    Mark valueMark(String key) {
      Node node = value(key);
      return node == null ? mark : node.getStartMark();
    }

    Mark keyMark(String key) {
      NodeTuple tuple = entries.get(key);
      return tuple == null ? mark : tuple.getKeyNode().getStartMark();
    }

    /** A nested mapping; when absent, an empty section whose problems point at this one. */
    Section section(String key, List<String> allowed) {
      Node node = value(key);
      if (node == null) {
        return new Section(path(key), null, mark, allowed);
      }
      if (!(node instanceof MappingNode)) {
        problem(
            node.getStartMark(),
            path(key) + " must be a mapping of keys (" + String.join(", ", allowed) + ")");
        return new Section(path(key), null, node.getStartMark(), allowed);
      }
      return new Section(path(key), node, node.getStartMark(), allowed);
    }
  }

  /** Levenshtein distance, to suggest the key a typo meant. */
  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  /** A value in single quotes, control characters escaped: a newline must not split the message. */
  private static String shown(String value) {
    StringBuilder out = new StringBuilder("'");
    for (char c : value.toCharArray()) {
      if (c == '\n') {
        out.append("\\n");
      } else if (Character.isISOControl(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('\'').toString();
  }
}
