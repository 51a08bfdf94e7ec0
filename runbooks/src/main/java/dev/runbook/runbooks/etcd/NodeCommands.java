package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Runs an etcd command template on a node and reads the {@code key=value} lines it prints. */
final class NodeCommands {

  private NodeCommands() {}

  static Map<String, String> check(
      StepContext context, String node, String template, Map<String, Object> model, Duration t) {
    return KeyValues.parse(context.check(node, context.render(template, model), t).stdout());
  }

  /** The one node a single-node task targets. */
  static Inventory.Member single(StepContext context) {
    List<Inventory.Member> nodes = context.nodes();
    if (nodes.size() != 1) {
      throw new RunbookError(
          ErrorCode.STEP_FAILED,
          "this step runs on exactly one node; the task names " + nodes.size());
    }
    return nodes.get(0);
  }

  static String require(Map<String, String> kv, String key, String what) {
    String v = kv.get(key);
    if (v == null || v.isEmpty()) {
      throw new RunbookError(ErrorCode.STEP_FAILED, what + ": the node did not report " + key);
    }
    return v;
  }
}
