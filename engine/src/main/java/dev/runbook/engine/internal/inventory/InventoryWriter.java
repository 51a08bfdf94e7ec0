package dev.runbook.engine.internal.inventory;

import dev.runbook.engine.api.Inventory;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Writes an {@link Inventory} as the YAML {@link InventoryLoader} reads (docs/inventory.md), in
 * block style, one key a line, each with its note as an end-of-line comment. Values that YAML could
 * read as anything but the same string (numbers, booleans, nulls, text with {@code #}, {@code :} +
 * space, quotes) are double-quoted, so a value from a node never changes the file's structure.
 */
public final class InventoryWriter {

  /** Plain YAML scalars that read back as the same string: no indicator characters, no spaces. */
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z/][A-Za-z0-9_./@+-]*(:[0-9]+)?");

  private static final Pattern URL_PLAIN = Pattern.compile("[a-z]+://[A-Za-z0-9_.\\[\\]:-]+");

  /** Words YAML 1.1 (SnakeYAML) resolves to booleans or null. */
  private static final Set<String> RESERVED =
      Set.of("true", "false", "yes", "no", "on", "off", "y", "n", "null");

  private final Map<String, String> notes;
  private final StringBuilder out = new StringBuilder();

  private InventoryWriter(Map<String, String> notes) {
    this.notes = notes;
  }

  /**
   * The inventory's text: the header as comment lines, then every key the loader knows that has a
   * value. {@code notes} maps a key path ({@code etcd.pki.cacert}, {@code members[0].host}) to its
   * comment.
   */
  public static String render(Inventory inv, List<String> header, Map<String, String> notes) {
    InventoryWriter w = new InventoryWriter(notes);
    for (String h : header) {
      w.out.append(h.isEmpty() ? "#" : "# " + oneLine(h)).append('\n');
    }
    w.write(inv);
    return w.out.toString();
  }

  private void write(Inventory inv) {
    line(0, "cluster", scalar(inv.cluster()), "cluster");
    Inventory.Ssh ssh = inv.ssh();
    section(0, "ssh", "ssh");
    line(1, "user", scalar(ssh.user()), "ssh.user");
    line(1, "port", Integer.toString(ssh.port()), "ssh.port");
    line(1, "identityFile", path(ssh.identityFile()), "ssh.identityFile");
    line(1, "knownHosts", path(ssh.knownHosts()), "ssh.knownHosts");
    line(1, "sudo", Boolean.toString(ssh.sudo()), "ssh.sudo");
    if (ssh.connectTimeout() != null) {
      line(
          1,
          "connectTimeout",
          Long.toString(ssh.connectTimeout().toSeconds()),
          "ssh.connectTimeout");
    }
    Inventory.Etcd etcd = inv.etcd();
    section(0, "etcd", "etcd");
    line(1, "topology", scalar(etcd.topology()), "etcd.topology");
    line(1, "manifestDir", scalar(etcd.manifestDir()), "etcd.manifestDir");
    line(1, "dataDir", scalar(etcd.dataDir()), "etcd.dataDir");
    section(1, "pki", "etcd.pki");
    line(2, "cacert", scalar(etcd.pki().cacert()), "etcd.pki.cacert");
    line(2, "cert", scalar(etcd.pki().cert()), "etcd.pki.cert");
    line(2, "key", scalar(etcd.pki().key()), "etcd.pki.key");
    Inventory.Access access = etcd.access();
    if (access != null && access.mode() != null) {
      section(1, "access", "etcd.access");
      line(2, "mode", scalar(access.mode()), "etcd.access.mode");
      if (access.cacert() != null) {
        line(2, "cacert", path(access.cacert()), "etcd.access.cacert");
        line(2, "cert", path(access.cert()), "etcd.access.cert");
        line(2, "key", path(access.key()), "etcd.access.key");
      }
    }
    if (etcd.isExternal()) {
      line(1, "unit", scalar(etcd.external().unit()), "etcd.unit");
    }
    section(0, "members", "members");
    for (int i = 0; i < inv.members().size(); i++) {
      Inventory.Member m = inv.members().get(i);
      String at = "members[" + i + "]";
      line(1, "- name", scalar(m.name()), at);
      line(2, "host", scalar(m.host()), at + ".host");
      line(2, "clientUrl", scalar(m.clientUrl().toString()), at + ".clientUrl");
      line(2, "peerUrl", scalar(m.peerUrl().toString()), at + ".peerUrl");
      if (m.hostKeyFingerprint() != null) {
        line(2, "hostKeyFingerprint", scalar(m.hostKeyFingerprint()), at + ".hostKeyFingerprint");
      }
    }
    if (etcd.isExternal()) {
      section(0, "controlPlane", "controlPlane");
      List<Inventory.ControlPlane> cps = etcd.external().controlPlane();
      for (int i = 0; i < cps.size(); i++) {
        Inventory.ControlPlane cp = cps.get(i);
        String at = "controlPlane[" + i + "]";
        line(1, "- name", scalar(cp.name()), at);
        line(2, "host", scalar(cp.host()), at + ".host");
        if (cp.hostKeyFingerprint() != null) {
          line(
              2, "hostKeyFingerprint", scalar(cp.hostKeyFingerprint()), at + ".hostKeyFingerprint");
        }
      }
    }
    if (inv.validate() != null && inv.validate().marker() != null) {
      section(0, "validate", "validate");
      section(1, "marker", "validate.marker");
      line(2, "key", scalar(inv.validate().marker().key()), "validate.marker.key");
      line(2, "contains", scalar(inv.validate().marker().contains()), "validate.marker.contains");
    }
    if (inv.roles() != null && !inv.roles().isEmpty()) {
      section(0, "roles", "roles");
      inv.roles()
          .forEach(
              (role, people) ->
                  line(
                      1,
                      scalar(role),
                      "["
                          + String.join(", ", people.stream().map(InventoryWriter::scalar).toList())
                          + "]",
                      "roles." + role));
    }
    if (inv.approval() != null && inv.approval().unsigned()) {
      section(0, "approval", "approval");
      line(1, "identity", "unsigned", "approval.identity");
    } else if (inv.approval() != null && inv.approval().allowedSigners() != null) {
      section(0, "approval", "approval");
      line(
          1,
          "allowedSigners",
          scalar(inv.approval().allowedSigners().toString()),
          "approval.allowedSigners");
    }
    if (inv.secretPatterns() != null && !inv.secretPatterns().isEmpty()) {
      section(0, "secrets", "secrets");
      section(1, "patterns", "secrets.patterns");
      for (String p : inv.secretPatterns()) {
        out.append("    - ").append(quoted(p)).append('\n');
      }
    }
  }

  private void section(int depth, String key, String path) {
    line(depth, key, null, path);
  }

  private void line(int depth, String key, String value, String path) {
    // A list item's further keys line up under its first one: "  - name" then "    host".
    out.append("  ".repeat(depth)).append(key).append(':');
    if (value != null) {
      out.append(' ').append(value);
    }
    String note = notes.get(path);
    if (note != null && !note.isBlank()) {
      out.append("  # ").append(oneLine(note));
    }
    out.append('\n');
  }

  private static String path(Path p) {
    return scalar(p.toString());
  }

  /** {@code s} as a YAML scalar that reads back as exactly {@code s}. */
  static String scalar(String s) {
    if (!RESERVED.contains(s.toLowerCase(Locale.ROOT))
        && (PLAIN.matcher(s).matches() || URL_PLAIN.matcher(s).matches())) {
      return s;
    }
    return quoted(s);
  }

  /** A double-quoted YAML scalar: backslash, quote and every control character escaped. */
  static String quoted(String s) {
    StringBuilder b = new StringBuilder("\"");
    s.codePoints()
        .forEach(
            c -> {
              if (c == '"' || c == '\\') {
                b.append('\\').appendCodePoint(c);
              } else if (c < 0x20
                  || c == 0x7f
                  || (c >= 0x80 && c < 0xa0)
                  || c == 0x2028
                  || c == 0x2029) {
                b.append(String.format("\\u%04x", c));
              } else {
                b.appendCodePoint(c);
              }
            });
    return b.append('"').toString();
  }

  /** A comment stays on its line whatever a note holds. */
  private static String oneLine(String note) {
    return note.replaceAll("[\\r\\n\\u2028\\u2029\\u0085]+", " ").strip();
  }
}
