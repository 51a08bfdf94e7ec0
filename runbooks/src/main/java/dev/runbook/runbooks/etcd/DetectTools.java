package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.Step;
import dev.runbook.engine.api.StepContext;
import java.time.Duration;
import java.util.Map;

/**
 * Finds the etcd tools on the node and what its {@code snapshot restore} accepts: etcdutl (3.5+) or
 * {@code etcdctl snapshot restore} (3.4), and whether {@code --bump-revision} and {@code
 * --mark-compacted} exist, read from the tool's help rather than guessed from a version.
 */
@Doc(
    "Finds the etcd tools on the node and what its snapshot restore accepts (etcdutl or etcdctl, --bump-revision, --mark-compacted), read from the tools' help.")
final class DetectTools implements Step<DetectTools.Input, DetectTools.Output> {

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

  @Override
  public String name() {
    return "etcdDetectTools";
  }

  @Override
  public Class<Input> inputType() {
    return Input.class;
  }

  @Override
  public Effect effect() {
    return Effect.READ_ONLY;
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

  @Override
  public void plan(PlanContext plan) {
    for (Inventory.Member m : plan.nodes()) {
      plan.command(m.name(), plan.render(RestorePlan.DETECT_TOOLS, Map.of()));
    }
  }
}
