package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The way back while the member is still in the member list: its old data dir returns to its place
 * and a manifest the run moved out of the manifest dir goes back, so the node is as the run found
 * it. Refuses once the member was removed from the cluster: its old data can then never rejoin
 * (etcd refuses a removed member's id), and putting it back would start a member the cluster no
 * longer knows.
 */
@Doc(
    "Puts the member's old data dir and manifest back as the run found them, while the member is still in the member list; refuses once it was removed.")
final class ReplacePutBack extends EtcdReplaceStep<ReplacePutBack.Input, ReplacePutBack.Output> {

  record Input(
      @Doc(value = "The name of the member being replaced.", required = true) String member,
      @Doc("Where the member's etcd.yaml was on its node; empty: the manifest dir's etcd.yaml.")
          String manifest,
      @Doc(value = "The member's data dir on its node.", required = true) String dataDir,
      @Doc(value = "The member's id before the run (hex).", required = true) String memberId) {
    Input {
      manifest = manifest == null ? "" : manifest;
      Replace.required("member", member, "dataDir", dataDir, "memberId", memberId);
    }
  }

  record Output(String data, String manifest) {}

  ReplacePutBack() {
    // The template is a no-op once done.
    super("etcdReplacePutBack", Input.class, Effect.MUTATING, Rerun.SAFE);
  }

  @Override
  Output replace(Input input, StepContext context) {
    Inventory inv = context.inventory();
    try (EtcdAccess etcd = EtcdAccess.of(context)) {
      MemberClient c = Replace.healthyOther(etcd, inv, input.member());
      boolean listed = c.members().stream().anyMatch(l -> l.id().equals(input.memberId()));
      if (!listed) {
        throw new RunbookError(
            ErrorCode.STEP_FAILED,
            input.member()
                + " ("
                + input.memberId()
                + ") is no longer in the member list: its old data cannot rejoin, so it is not"
                + " put back. The old data dir is at "
                + Replace.aside(input.dataDir(), context.runId())
                + ", its etcd.yaml in "
                + Replace.runDir(inv, context.runId())
                + " on "
                + input.member());
      }
    }
    Inventory.Member m = NodeCommands.single(context);
    Map<String, String> kv =
        Replace.check(
            context,
            m.name(),
            PUT_BACK,
            model(inv, context.runId(), input.manifest(), input.dataDir()));
    return new Output(kv.getOrDefault("data", ""), kv.getOrDefault("manifest", ""));
  }

  static final String PUT_BACK = "put-back.ftl";

  static Map<String, Object> model(Inventory inv, String runId, String manifest, String dataDir) {
    Map<String, Object> model =
        new LinkedHashMap<>(ReplaceSetAside.setAsideModel(inv, runId, manifest));
    model.remove("manifest");
    model.put("manifestDir", inv.etcd().manifestDir());
    model.putAll(ReplaceSetAside.dataModel(dataDir, runId));
    return model;
  }

  @Override
  public void plan(PlanContext plan) {
    plan.note(
        "reads the member list from a healthy member other than "
            + plan.input("member")
            + ": refuses when "
            + plan.input("memberId")
            + " is no longer in it");
    for (Inventory.Member m : plan.nodes()) {
      plan.command(
          m.name(),
          plan.render(
              Replace.TEMPLATES + PUT_BACK,
              model(
                  plan.inventory(),
                  PlanContext.RUN_ID,
                  plan.input("manifest"),
                  ReplacePreflight.planDataDir(plan, m.name()))));
    }
  }
}
