package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import java.util.Map;
import java.util.Optional;

/**
 * What the etcd-restore steps need to know about a node to plan their commands, found the way the
 * preflight finds it: the live etcd.yaml and the node's tools, read with the preflight's own
 * commands when the plan probes, placeholders otherwise.
 */
final class RestorePlan {

  static final String DETECT_TOOLS = "commands/etcd/detect-tools.ftl";
  static final String CAT_FILE = "commands/etcd-restore/cat-file.ftl";

  private RestorePlan() {}

  /** The command that reads a file on a node (manifests, certificates). */
  static Map<String, Object> catModel(String file) {
    return Map.of("file", file);
  }

  /** Plans the read of the original etcd.yaml that the stop moved into the run's dir. */
  static void readOriginal(PlanContext plan, String node) {
    if (ExternalRestore.external(plan.inventory())) {
      ExternalRestore.planRead(plan, node);
      return;
    }
    String runDir = Restore.runDir(plan.inventory(), PlanContext.RUN_ID);
    plan.command(node, plan.render(CAT_FILE, catModel(runDir + "/" + Restore.ETCD)));
  }

  /** The live etcd.yaml of the node, when the probe read and parsed it. */
  static Optional<EtcdManifest> manifest(PlanContext plan, String node) {
    String path = Restore.manifest(plan.inventory(), Restore.ETCD);
    return plan.read(node, plan.render(CAT_FILE, catModel(path)))
        .flatMap(
            text -> {
              try {
                return Optional.of(EtcdManifest.parse(text));
              } catch (IllegalArgumentException e) {
                return Optional.empty();
              }
            });
  }

  /**
   * The member's data dir on the node: the etcd-data volume's hostPath (stacked) or the unit's data
   * dir (external).
   */
  static String dataHostPath(PlanContext plan, String node) {
    if (ExternalRestore.external(plan.inventory())) {
      return plan.discovered(
          node,
          "etcd data dir",
          ExternalRestore.peek(plan, node)
              .map(ExternalRestore.Read::dataDir)
              .filter(d -> d != null && d.startsWith("/")));
    }
    return plan.discovered(
        node,
        "etcd-data hostPath",
        manifest(plan, node)
            .flatMap(
                m -> {
                  try {
                    return Optional.of(m.dataMount().hostPath());
                  } catch (IllegalArgumentException e) {
                    return Optional.empty();
                  }
                }));
  }

  /**
   * The restore target beside the data dir; while the data dir is only a placeholder, a placeholder
   * too (its parent cannot be taken).
   */
  static String restoredDir(String node, String hostPath) {
    if (hostPath.startsWith("⟨")) {
      return "⟨dir of the etcd-data hostPath on " + node + "⟩/etcd-restore-" + PlanContext.RUN_ID;
    }
    return Restore.restoredDir(hostPath, PlanContext.RUN_ID);
  }

  /** What detect-tools prints on the node. */
  static Optional<Map<String, String>> tools(PlanContext plan, String node) {
    return plan.read(node, plan.render(DETECT_TOOLS, Map.of())).map(KeyValues::parse);
  }

  /** The restore tool ({@code etcdutl} or {@code etcdctl}) when the probe found one. */
  static Optional<String> restoreTool(PlanContext plan, String node) {
    Optional<String> tool =
        tools(plan, node).map(t -> t.getOrDefault("restoreTool", "")).filter(s -> !s.isEmpty());
    plan.discovered(node, "restore tool", tool);
    return tool;
  }

  static Optional<String> toolPath(PlanContext plan, String node, String tool) {
    Optional<String> path = tools(plan, node).map(t -> t.get(tool)).filter(s -> !s.isEmpty());
    plan.discovered(node, tool + " path", path);
    return path;
  }

  /**
   * The --bump-revision the restore will use, as the preflight decides it: the parameter when every
   * member's tool has --bump-revision and --mark-compacted, else 0; empty when not probed.
   */
  static Optional<Long> bump(PlanContext plan) {
    long wanted;
    try {
      wanted = Long.parseLong(plan.parameters().getOrDefault("bumpRevision", "0"));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    if (wanted <= 0) {
      return Optional.of(0L);
    }
    for (Inventory.Member m : plan.inventory().members()) {
      Optional<Map<String, String>> t = tools(plan, m.name());
      if (t.isEmpty()) {
        return Optional.empty();
      }
      if (!"true".equals(t.get().get("bumpRevision"))
          || !"true".equals(t.get().get("markCompacted"))) {
        return Optional.of(0L);
      }
    }
    return Optional.of(wanted);
  }
}
