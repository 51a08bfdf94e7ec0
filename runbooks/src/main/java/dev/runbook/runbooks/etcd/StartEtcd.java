package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.Step;
import dev.runbook.engine.api.StepContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Starts etcd on the restored data on every member: a copy of the patched manifest goes into the
 * manifest dir as etcd.yaml (the run's dir keeps the original and the patched one), then waits
 * until every member is healthy with a quorum. The API servers stay stopped until the restored
 * cluster has been checked.
 */
final class StartEtcd implements Step<StartEtcd.Input, StartEtcd.Output> {

  record Input(String timeout) {
    Input {
      Restore.duration(timeout, "timeout");
    }
  }

  record Output(List<MemberClient.Status> statuses, long waitedMillis) {}

  @Override
  public String name() {
    return "etcdStartEtcd";
  }

  @Override
  public Class<Input> inputType() {
    return Input.class;
  }

  @Override
  public Effect effect() {
    return Effect.MUTATING;
  }

  @Override
  public Output run(Input input, StepContext context) {
    Duration timeout = Restore.duration(input.timeout(), "timeout");
    for (Inventory.Member m : context.nodes()) {
      context.progress(m.name() + ": starting etcd on the restored data");
      NodeCommands.check(
          context,
          m.name(),
          INSTALL,
          installModel(context.inventory(), context.runId()),
          Restore.COMMAND);
    }
    long start = System.nanoTime();
    try (EtcdAccess etcd = EtcdAccess.of(context)) {
      List<MemberClient.Status> s = ClusterHealth.await(context, etcd, context.nodes(), timeout);
      return new Output(s, (System.nanoTime() - start) / 1_000_000);
    }
  }

  private static final String INSTALL = "commands/etcd-restore/install-manifest.ftl";

  /** A copy of the patched manifest goes into the manifest dir as etcd.yaml. */
  static Map<String, Object> installModel(Inventory inventory, String runId) {
    String runDir = Restore.runDir(inventory, runId);
    return Map.of(
        "source",
        runDir + "/" + Restore.PATCHED,
        "target",
        Restore.manifest(inventory, Restore.ETCD),
        "runDir",
        runDir);
  }

  @Override
  public void plan(PlanContext plan) {
    for (Inventory.Member m : plan.nodes()) {
      plan.command(
          m.name(), plan.render(INSTALL, installModel(plan.inventory(), PlanContext.RUN_ID)));
    }
    plan.note(
        "waits until every member is healthy with a quorum (jetcd, over "
            + plan.inventory().etcd().access().mode()
            + " access), at most "
            + plan.input("timeout"));
  }
}
