package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.StepContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Restores the uploaded snapshot into the scratch dir as a one-member cluster named {@code
 * rehearsal} on two free loopback ports (never the member's live ports), with the tool the node
 * has. Without --bump-revision: the rehearsal proves the snapshot as it is.
 */
@Doc(
    "Restores the uploaded snapshot into the scratch dir as a one-member cluster on two free loopback ports, never the member's live ports.")
final class RehearsalRestore extends DeclaredStep<RehearsalRestore.Input, RehearsalRestore.Output> {

  static final String NAME = "rehearsal";

  record Input(
      @Doc(
              value =
                  "Absolute directory on the node under which the rehearsal's scratch dir lives.",
              required = true)
          String scratchRoot,
      @Doc(
              value = "The restore tool to use, etcdutl or etcdctl (from tool detection).",
              required = true)
          String restoreTool,
      @Doc(value = "Path of that tool on the node (from tool detection).", required = true)
          String restoreToolPath) {
    Input {
      if (scratchRoot == null || restoreTool == null || restoreToolPath == null) {
        throw new IllegalArgumentException(
            "scratchRoot, restoreTool and restoreToolPath are required");
      }
    }
  }

  record Output(String dataDir, int clientPort, int peerPort, String command) {}

  RehearsalRestore() {
    super("etcdRehearsalRestore", Input.class, Effect.MUTATING);
  }

  @Override
  public Output run(Input input, StepContext context) {
    Inventory.Member node = NodeCommands.single(context);
    Scratch s = Scratch.of(input.scratchRoot(), context.runId());
    Duration t = Duration.ofMinutes(10);
    Map<String, String> ports =
        NodeCommands.check(context, node.name(), FREE_PORTS, portsModel(context.inventory()), t);
    String[] p = NodeCommands.require(ports, "ports", "free ports").split(",");
    int client = Integer.parseInt(p[0]);
    int peer = Integer.parseInt(p[1]);
    Map<String, Object> model =
        restoreModel(
            input.restoreTool(),
            input.restoreToolPath(),
            s,
            Integer.toString(peer),
            context.runId());
    String command = context.render(RESTORE, model);
    context.check(node.name(), command, t);
    return new Output(s.dataDir(), client, peer, input.restoreTool() + " snapshot restore");
  }

  private static final String FREE_PORTS = "commands/etcd/free-ports.ftl";
  private static final String RESTORE = "commands/etcd/restore.ftl";

  /** The restore's model, for the run and its plan alike. */
  static Map<String, Object> restoreModel(
      String tool, String toolPath, Scratch s, String peerPort, String runId) {
    String peerUrl = "http://127.0.0.1:" + peerPort;
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("tool", tool);
    model.put("toolPath", toolPath);
    model.put("snapshot", s.snapshot());
    model.put("dataDir", s.dataDir());
    model.put("name", NAME);
    model.put("initialCluster", NAME + "=" + peerUrl);
    model.put("peerUrl", peerUrl);
    model.put("token", "rehearsal-" + runId);
    return model;
  }

  /** Two free ports, none of them a member's client, peer or kubeadm's metrics port. */
  static Map<String, Object> portsModel(Inventory inventory) {
    List<Integer> avoid = new ArrayList<>();
    for (Inventory.Member m : inventory.members()) {
      avoid.add(m.clientUrl().getPort());
      avoid.add(m.peerUrl().getPort());
    }
    avoid.add(2381); // kubeadm's metrics port
    return Map.of("avoid", avoid, "count", 2);
  }

  @Override
  public void plan(PlanContext plan) {
    Scratch s = Scratch.of(plan.input("scratchRoot"), PlanContext.RUN_ID);
    for (Inventory.Member m : plan.nodes()) {
      plan.command(m.name(), plan.render(FREE_PORTS, portsModel(plan.inventory())));
      // The tool is the previous step's finding: known exactly when this step runs, so the plan
      // shows the command for each tool the finding can name, and the run must send one of them.
      String tool = plan.input("restoreTool");
      for (String t : tool.startsWith("⟨") ? List.of("etcdutl", "etcdctl") : List.of(tool)) {
        plan.command(
            m.name(),
            plan.render(
                RESTORE,
                restoreModel(
                    t, plan.input("restoreToolPath"), s, "⟨free peer port⟩", PlanContext.RUN_ID)));
      }
      plan.note(
          m.name()
              + ": restores "
              + s.snapshot()
              + " into "
              + s.dataDir()
              + " as a one-member cluster on the free loopback ports found; with etcdutl for etcd"
              + " 3.5+, else etcdctl, as the previous step finds");
    }
  }
}
