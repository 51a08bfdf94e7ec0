package dev.runbook.engine.internal.inventory;

import dev.runbook.engine.api.Inventory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * The inventory's part for {@code etcd.topology: external}: the unit etcd runs as on the members
 * ({@code etcd.unit}, default {@code etcd.service}) and the {@code controlPlane:} nodes whose
 * kube-apiserver uses that etcd. Problems are reported through the loader, with their lines.
 */
final class ExternalInventory {
  private ExternalInventory() {}

  static final String DEFAULT_UNIT = "etcd.service";
  private static final List<String> CONTROL_PLANE_KEYS =
      List.of("name", "host", "hostKeyFingerprint");

  /** A systemd service name: nothing a shell or systemctl could read as an option or a path. */
  private static final Pattern UNIT =
      Pattern.compile("[A-Za-z0-9_][A-Za-z0-9:_.@\\\\-]*\\.service");

  /** {@code etcd} with its external part for an external topology; problems when they clash. */
  static Inventory.Etcd read(
      InventoryLoader loader,
      InventoryLoader.Section top,
      InventoryLoader.Section etcdSection,
      Inventory.Etcd etcd) {
    if (!etcd.isExternal()) {
      stackedOnly(loader, etcdSection, "unit", "etcd.unit");
      stackedOnly(loader, top, "controlPlane", "controlPlane");
      return etcd;
    }
    String unit = loader.string(etcdSection, "unit", DEFAULT_UNIT);
    if (unit != null && !unit.endsWith(".service") && !unit.contains(".")) {
      unit = unit + ".service"; // as systemctl reads a bare name
    }
    if (unit != null && !UNIT.matcher(unit).matches()) {
      loader.problem(
          etcdSection.valueMark("unit"),
          "etcd.unit must be a systemd service name like etcd.service, not '" + unit + "'");
      unit = null;
    }
    return new Inventory.Etcd(
        etcd.topology(),
        etcd.manifestDir(),
        etcd.dataDir(),
        etcd.pki(),
        etcd.access(),
        new Inventory.External(unit, controlPlane(loader, top)));
  }

  private static void stackedOnly(
      InventoryLoader loader, InventoryLoader.Section s, String key, String path) {
    if (s.has(key)) {
      loader.problem(
          s.keyMark(key),
          path
              + " is for etcd.topology external only (stacked etcd runs as a static pod on each"
              + " member, and the members are the control planes): remove it, or set"
              + " etcd.topology: external");
    }
  }

  private static List<Inventory.ControlPlane> controlPlane(
      InventoryLoader loader, InventoryLoader.Section top) {
    Node node = top.value("controlPlane");
    String example = "{name: cp-1, host: 10.0.0.20}";
    if (node == null) {
      loader.problem(
          top.mark,
          "controlPlane is required with etcd.topology external: list the nodes whose"
              + " kube-apiserver uses this etcd, like "
              + example
              + " (a restore stops them first)");
      return List.of();
    }
    if (!(node instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
      loader.problem(
          node.getStartMark(),
          "controlPlane must list at least one control-plane node, like - " + example);
      return List.of();
    }
    List<Inventory.ControlPlane> nodes = new ArrayList<>();
    Map<String, Node> names = new HashMap<>();
    Map<String, Node> hosts = new HashMap<>();
    for (int i = 0; i < seq.getValue().size(); i++) {
      Node item = seq.getValue().get(i);
      String path = "controlPlane[" + i + "]";
      if (!(item instanceof MappingNode)) {
        loader.problem(item.getStartMark(), path + " must be a mapping like " + example);
        continue;
      }
      var c = loader.new Section(path, item, item.getStartMark(), CONTROL_PLANE_KEYS);
      String name = loader.name(c, "name", "the control-plane node's name", "name: cp-1");
      String host = loader.host(c, name, "control-plane node");
      loader.unique(names, name, c, "name", "control-plane names");
      loader.unique(
          hosts,
          host == null ? null : host.toLowerCase(Locale.ROOT),
          c,
          "host",
          "control-plane hosts");
      nodes.add(new Inventory.ControlPlane(name, host, loader.fingerprint(c)));
    }
    return List.copyOf(nodes);
  }
}
