package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.StepContext;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the etcd tools on the node and what its {@code snapshot restore} accepts: etcdutl (3.5+) or
 * {@code etcdctl snapshot restore} (3.4), and whether {@code --bump-revision} and {@code
 * --mark-compacted} exist, read from the tool's help rather than guessed from a version. etcd 3.6
 * removed {@code etcdctl snapshot restore}: its help names no {@code --data-dir}, so a 3.6 node
 * restores with etcdutl, and one with only etcdctl 3.6 is refused, naming the etcdutl to install.
 */
@Doc(
    "Finds the etcd tools on the node and what its snapshot restore accepts (etcdutl or etcdctl, --bump-revision, --mark-compacted), read from the tools' help.")
final class DetectTools extends DeclaredStep<DetectTools.Input, DetectTools.Output> {

  record Input() {}

  record Output(
      String node,
      String etcd,
      String etcdctl,
      String etcdutl,
      String etcdVersion,
      String restoreTool,
      String restoreToolPath,
      boolean bumpRevision,
      boolean markCompacted) {}

  DetectTools() {
    super("etcdDetectTools", Input.class, Effect.READ_ONLY);
  }

  @Override
  public Output run(Input input, StepContext context) {
    String node = NodeCommands.single(context).name();
    Map<String, String> kv =
        NodeCommands.check(
            context, node, "commands/etcd/detect-tools.ftl", Map.of(), Duration.ofSeconds(60));
    String tool = NodeCommands.require(kv, "restoreTool", "detect tools");
    return new Output(
        node,
        kv.getOrDefault("etcd", ""),
        kv.getOrDefault("etcdctl", ""),
        kv.getOrDefault("etcdutl", ""),
        kv.getOrDefault("etcdVersion", ""),
        tool,
        NodeCommands.require(kv, tool, "detect tools"),
        Boolean.parseBoolean(kv.get("bumpRevision")),
        Boolean.parseBoolean(kv.get("markCompacted")));
  }

  /**
   * Why a node has no restore tool, from the keys detect-tools printed there (the same finding its
   * own message states): etcdctl 3.6 or later without etcdutl is named with the etcdutl to install,
   * since only etcdutl restores a snapshot from 3.6 on; anything else is the general case.
   */
  static String noRestoreTool(Map<String, String> tools) {
    String etcdctl = tools.getOrDefault("etcdctl", "");
    String version = tools.getOrDefault("etcdctlVersion", "");
    if (!etcdctl.isEmpty()
        && tools.getOrDefault("etcdutl", "").isEmpty()
        && withoutSnapshotRestore(version)) {
      return etcdctl
          + " is etcdctl "
          + version
          + ", which has no snapshot restore (etcd 3.6 removed it from etcdctl; only etcdutl"
          + " restores a snapshot), and there is no etcdutl on PATH: install etcdutl "
          + version
          + ", the same version as etcdctl, on this node";
    }
    return "no etcdutl, and no etcdctl with snapshot restore, on PATH";
  }

  private static final Pattern MAJOR_MINOR = Pattern.compile("(\\d{1,6})\\.(\\d{1,6})\\..*");

  /** etcdctl 3.6 and later: {@code snapshot restore} and {@code snapshot status} are etcdutl's. */
  static boolean withoutSnapshotRestore(String etcdctlVersion) {
    Matcher m = MAJOR_MINOR.matcher(etcdctlVersion);
    if (!m.matches()) {
      return false;
    }
    int major = Integer.parseInt(m.group(1));
    return major > 3 || (major == 3 && Integer.parseInt(m.group(2)) >= 6);
  }

  @Override
  public void plan(PlanContext plan) {
    for (Inventory.Member m : plan.nodes()) {
      plan.command(m.name(), plan.render(RestorePlan.DETECT_TOOLS, Map.of()));
    }
  }
}
