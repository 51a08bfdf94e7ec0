package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.StepContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Restores every member, all at once, once all are stopped: uploads the snapshot beside the
 * member's data dir, re-checks its SHA-256 there, restores it into a fresh sibling dir
 * (etcd-restore-RUN.part) with the member's own --name and peer URL, the inventory's full
 * --initial-cluster and a cluster token unique to the run (plus --bump-revision and
 * --mark-compacted when asked and supported), gives it the old dir's owner, and renames it to
 * etcd-restore-RUN. The final name therefore means complete: after a crash, members that have it
 * are not restored again, and a half-made .part of this run is cleared and redone. The old data dir
 * is never touched. Returns when every member is restored: the barrier before any start.
 */
@Doc(
    "Restores every member at once, after all are stopped: uploads and re-checks the snapshot, restores it into a fresh sibling of the data dir with the inventory's cluster and a token unique to the run. The old data dir is never touched.")
final class RestoreMembers extends DeclaredStep<RestoreMembers.Input, RestoreMembers.Output> {

  record Input(
      @Doc(value = "The snapshot file on the engine host.", required = true) String file,
      @Doc(value = "Its SHA-256 digest (64 lowercase hex digits).", required = true) String sha256,
      @Doc(value = "How far to bump the revision on restore; 0 for none.", defaultValue = "0")
          long bumpRevision,
      @Doc("Where an s3:// snapshot was fetched to on the engine host (the fetch step's dir).")
          String snapshotDir) {
    Input {
      if (file == null || file.isBlank()) {
        throw new IllegalArgumentException("file is required");
      }
      if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
        throw new IllegalArgumentException("sha256 must be 64 lowercase hex digits");
      }
    }
  }

  /**
   * @param restored per member, the restored data dir
   * @param alreadyRestored members an earlier attempt of this run had restored completely
   * @param commands per member, the restore command as rendered
   */
  record Output(
      Map<String, String> restored, List<String> alreadyRestored, Map<String, String> commands) {}

  RestoreMembers() {
    super("etcdRestoreMembers", Input.class, Effect.MUTATING);
  }

  @Override
  public Output run(Input input, StepContext context) {
    // Every member at once (all are stopped already): the upload, digest check and restore of one
    // member do not wait for another's. Returns when all are restored: the barrier stays.
    Map<String, Member> done =
        EachMember.inParallel(context.nodes(), m -> restore(input, context, m));
    Map<String, String> restored = new LinkedHashMap<>();
    Map<String, String> commands = new LinkedHashMap<>();
    List<String> already = new ArrayList<>();
    done.forEach(
        (node, r) -> {
          restored.put(node, r.target());
          if (r.command() == null) {
            already.add(node);
          } else {
            commands.put(node, r.command());
          }
        });
    return new Output(restored, already, commands);
  }

  /** One member's restore: its restored dir, and the restore command (null: restored before). */
  private record Member(String target, String command) {}

  private static Member restore(Input input, StepContext context, Inventory.Member m) {
    String node = m.name();
    String dataDir = Restore.dataDir(context, node);
    String target = Restore.restoredDir(dataDir, context.runId());
    String part = Restore.partDir(target);
    Map<String, String> prep =
        NodeCommands.check(context, node, PREPARE, prepareModel(target), Restore.COMMAND);
    if ("true".equals(prep.get("already"))) {
      return new Member(target, null);
    }
    Map<String, String> tools =
        NodeCommands.check(context, node, RestorePlan.DETECT_TOOLS, Map.of(), Restore.COMMAND);
    String tool = NodeCommands.require(tools, "restoreTool", "detect tools");
    String snapshot = Restore.snapshotOnNode(target);
    context.progress(
        node + ": uploading the snapshot to " + snapshot + ", then restoring into " + target);
    context
        .shell()
        .upload(
            node,
            Path.of(
                dev.runbook.runbooks.objectstore.S3Location.onEngineHost(
                    input.file(), input.snapshotDir())),
            snapshot);
    NodeCommands.check(
        context, node, CHECK_DIGEST, digestModel(snapshot, input.sha256()), Restore.COMMAND);
    Map<String, Object> model =
        restoreModel(
            tool,
            NodeCommands.require(tools, tool, "detect tools"),
            snapshot,
            part,
            m,
            context.inventory(),
            context.runId(),
            input.bumpRevision());
    String command = context.render(RESTORE, model);
    context.check(node, command, Restore.COMMAND);
    NodeCommands.check(context, node, FINISH, finishModel(target, dataDir), Restore.COMMAND);
    return new Member(target, command);
  }

  /**
   * Done when every member has its final restored dir. Otherwise NOT_DONE: some member may be
   * restored already, but {@link #run} skips those and redoes only this run's partial work, so
   * running it again restores nobody twice.
   */
  @Override
  public Probe probe(Input input, StepContext context) {
    for (Inventory.Member m : context.nodes()) {
      String target = Restore.restoredDir(Restore.dataDir(context, m.name()), context.runId());
      Map<String, String> r =
          NodeCommands.check(
              context, m.name(), IS_RESTORED, Map.of("restoredDir", target), Restore.COMMAND);
      if (!"true".equals(r.get("restored"))) {
        return Probe.NOT_DONE;
      }
    }
    return Probe.DONE;
  }

  private static final String IS_RESTORED = "commands/etcd-restore/is-restored.ftl";
  private static final String PREPARE = "commands/etcd-restore/prepare-restore.ftl";
  private static final String CHECK_DIGEST = "commands/etcd-rehearsal/check-digest.ftl";
  private static final String RESTORE = "commands/etcd/restore.ftl";
  private static final String FINISH = "commands/etcd-restore/finish-restore.ftl";

  static Map<String, Object> prepareModel(String target) {
    return Map.of("restoredDir", target, "partDir", Restore.partDir(target));
  }

  static Map<String, Object> digestModel(String snapshot, String sha256) {
    return Map.of("file", snapshot, "sha256", sha256);
  }

  static Map<String, Object> finishModel(String target, String oldDataDir) {
    return Map.of(
        "partDir", Restore.partDir(target), "restoredDir", target, "oldDataDir", oldDataDir);
  }

  /** The restore of one member: its own name and peer URL, the whole cluster, a token per run. */
  static Map<String, Object> restoreModel(
      String tool,
      String toolPath,
      String snapshot,
      String part,
      Inventory.Member m,
      Inventory inventory,
      String runId,
      long bumpRevision) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("tool", tool);
    model.put("toolPath", toolPath);
    model.put("snapshot", snapshot);
    model.put("dataDir", part);
    model.put("name", m.name());
    model.put("initialCluster", Restore.initialCluster(inventory));
    model.put("peerUrl", m.peerUrl().toString());
    model.put("token", "etcd-restore-" + runId);
    if (bumpRevision > 0) {
      model.put("bumpRevision", bumpRevision);
      model.put("markCompacted", true);
    }
    return model;
  }

  @Override
  public void plan(PlanContext plan) {
    java.util.Optional<Long> bump = RestorePlan.bump(plan);
    for (Inventory.Member m : plan.nodes()) {
      String node = m.name();
      String hostPath = RestorePlan.dataHostPath(plan, node);
      String target = RestorePlan.restoredDir(node, hostPath);
      String snapshot = Restore.snapshotOnNode(target);
      RestorePlan.readOriginal(plan, node);
      plan.command(node, plan.render(PREPARE, prepareModel(target)));
      plan.command(node, plan.render(RestorePlan.DETECT_TOOLS, Map.of()));
      // An s3:// snapshot is fetched into snapshotDir first: the same path in plan and run.
      plan.upload(
          node,
          dev.runbook.runbooks.objectstore.S3Location.onEngineHost(
              plan.input("file"), plan.input("snapshotDir")),
          snapshot);
      plan.command(node, plan.render(CHECK_DIGEST, digestModel(snapshot, plan.input("sha256"))));
      java.util.Optional<String> tool = RestorePlan.restoreTool(plan, node);
      java.util.Optional<String> path = tool.flatMap(t -> RestorePlan.toolPath(plan, node, t));
      if (tool.isPresent() && path.isPresent() && bump.isPresent()) {
        plan.command(
            node,
            plan.render(
                RESTORE,
                restoreModel(
                    tool.get(),
                    path.get(),
                    snapshot,
                    Restore.partDir(target),
                    m,
                    plan.inventory(),
                    PlanContext.RUN_ID,
                    bump.get())));
      } else {
        plan.unknown(
            node
                + ": the restore command depends on the tool found there (etcdutl for etcd 3.5+,"
                + " else etcdctl) and on whether every member's tool has --bump-revision and"
                + " --mark-compacted: plan with --probe to see it");
      }
      plan.command(node, plan.render(FINISH, finishModel(target, hostPath)));
      plan.probe(node, plan.render(IS_RESTORED, Map.of("restoredDir", target)));
    }
  }
}
