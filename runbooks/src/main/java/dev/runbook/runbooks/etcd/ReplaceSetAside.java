package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.StepContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stops the failed member for good and sets its data aside, on its node only: its etcd.yaml goes
 * into the run's dir (moved out of the manifest dir, so the kubelet stops etcd; or copied when it
 * was kept elsewhere), the step waits until no etcd runs there, then renames the old data dir aside
 * (never deleted) and makes an empty one in its place. The cluster is not touched: the way back is
 * still open (the put-back step).
 */
@Doc(
    "Stops the member to replace on its node (its etcd.yaml into the run's dir) and renames its old data dir aside, never deleted, leaving an empty one. The cluster is not touched.")
final class ReplaceSetAside extends DeclaredStep<ReplaceSetAside.Input, ReplaceSetAside.Output> {

  record Input(
      @Doc("Where the member's etcd.yaml is on its node; empty: the manifest dir's etcd.yaml.")
          String manifest,
      @Doc(value = "The member's data dir on its node (the etcd-data hostPath).", required = true)
          String dataDir,
      @Doc(
              value = "How long to wait for etcd to stop, as an ISO-8601 duration such as PT2M.",
              required = true)
          String timeout) {
    Input {
      manifest = manifest == null ? "" : manifest;
      if (dataDir == null || dataDir.isBlank()) {
        throw new IllegalArgumentException("dataDir is required");
      }
      Restore.duration(timeout, "timeout");
    }
  }

  /**
   * @param manifest what happened to the manifest: moved, copied or already
   * @param aside where the old data dir is now ("" when there was none)
   */
  record Output(String runDir, String manifest, String aside) {}

  ReplaceSetAside() {
    // Each command is a no-op once done, so the step runs again after a crash or a lost link.
    super("etcdReplaceSetAside", Input.class, Effect.MUTATING, Rerun.SAFE);
  }

  @Override
  public Output run(Input input, StepContext context) {
    Duration timeout = Restore.duration(input.timeout(), "timeout");
    Inventory.Member m = NodeCommands.single(context);
    context.progress(m.name() + ": setting its etcd.yaml aside into the run's dir");
    Map<String, String> moved =
        Replace.check(
            context,
            m.name(),
            SET_ASIDE,
            setAsideModel(context.inventory(), context.runId(), input.manifest()));
    Restore.waitFor(context, List.of(Restore.ETCD), "gone", timeout);
    context.progress(m.name() + ": renaming the old data dir aside");
    Map<String, String> data =
        Replace.check(context, m.name(), DATA_ASIDE, dataModel(input.dataDir(), context.runId()));
    String aside = data.getOrDefault("aside", data.getOrDefault("already", ""));
    return new Output(
        Replace.runDir(context.inventory(), context.runId()),
        moved.getOrDefault("manifest", ""),
        aside);
  }

  static final String SET_ASIDE = "set-aside.ftl";
  static final String DATA_ASIDE = "data-aside.ftl";

  static Map<String, Object> setAsideModel(Inventory inv, String runId, String manifest) {
    String path = ReplacePreflight.manifestPath(inv, manifest);
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("manifest", path);
    model.put("inPlace", path.equals(Replace.inPlaceManifest(inv)));
    model.put("runDir", Replace.runDir(inv, runId));
    return model;
  }

  static Map<String, Object> dataModel(String dataDir, String runId) {
    return Map.of("dataDir", dataDir, "aside", Replace.aside(dataDir, runId));
  }

  @Override
  public void plan(PlanContext plan) {
    Duration timeout = Restore.planDuration(plan, "timeout");
    for (Inventory.Member m : plan.nodes()) {
      plan.command(
          m.name(),
          plan.render(
              Replace.TEMPLATES + SET_ASIDE,
              setAsideModel(plan.inventory(), PlanContext.RUN_ID, plan.input("manifest"))));
    }
    Restore.planWait(plan, List.of(Restore.ETCD), "gone", timeout);
    for (Inventory.Member m : plan.nodes()) {
      plan.command(
          m.name(),
          plan.render(
              Replace.TEMPLATES + DATA_ASIDE,
              dataModel(ReplacePreflight.planDataDir(plan, m.name()), PlanContext.RUN_ID)));
    }
  }
}
