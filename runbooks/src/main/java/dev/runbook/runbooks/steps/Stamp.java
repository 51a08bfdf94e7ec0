package dev.runbook.runbooks.steps;

import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.StepContext;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** What the ssh-check stamp steps share: their input and where the stamp lives. */
final class Stamp {

  /**
   * @param dir directory on each node for the stamp file (absolute)
   */
  public record Input(
      @Doc(value = "Directory on each node for the stamp file (an absolute path).", required = true)
          String dir) {
    public Input {
      if (dir == null || !dir.startsWith("/") || dir.contains("\n")) {
        throw new IllegalArgumentException("dir must be an absolute path, not " + dir);
      }
    }
  }

  static final String READ = "commands/ssh-check/read-stamp.ftl";

  private Stamp() {}

  static String path(Input input, StepContext context) {
    return path(input.dir(), context.runId());
  }

  private static String path(String dir, String runId) {
    return dir + "/" + runId + ".stamp";
  }

  static Map<String, Object> model(Input input, Inventory.Member node, StepContext context) {
    return model(input.dir(), node, context.runId());
  }

  private static Map<String, Object> model(String dir, Inventory.Member node, String runId) {
    Map<String, Object> m = new HashMap<>();
    m.put("node", node);
    m.put("dir", dir);
    m.put("path", path(dir, runId));
    return m;
  }

  /** The plan of a step that renders {@code template} on every node it targets. */
  static void planEveryNode(PlanContext plan, String template) {
    for (Inventory.Member node : plan.nodes()) {
      plan.command(
          node.name(), plan.render(template, model(plan.input("dir"), node, PlanContext.RUN_ID)));
    }
  }

  /** Plans the read {@link #allStamped} sends when a probe asks. */
  static void planProbe(PlanContext plan) {
    for (Inventory.Member node : plan.nodes()) {
      plan.probe(
          node.name(), plan.render(READ, model(plan.input("dir"), node, PlanContext.RUN_ID)));
    }
  }

  /** Renders {@code template} for each of the task's nodes and runs it there; exit 0 or fail. */
  static void onEveryNode(Input input, StepContext context, String template) {
    for (Inventory.Member node : context.nodes()) {
      String cmd = context.render(template, model(input, node, context));
      context.check(node.name(), cmd, Duration.ofSeconds(30));
    }
  }

  /** Every node's stamp exists and names this run. */
  static boolean allStamped(Input input, StepContext context) {
    for (Inventory.Member node : context.nodes()) {
      String cmd = context.render(READ, model(input, node, context));
      var r = context.exec(node.name(), cmd, Duration.ofSeconds(30));
      if (!r.ok() || !r.stdout().strip().equals(context.runId())) {
        return false;
      }
    }
    return true;
  }
}
