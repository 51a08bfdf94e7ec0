package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes, beside each member's original etcd.yaml in the run's dir, a copy whose etcd-data volume
 * hostPath points at the restored dir, and nothing else changed: the container keeps its --data-dir
 * and mountPath (changing --data-dir without the mount is the classic trap). The written file is
 * read back and parsed again, and --data-dir must lie under a mount of the restored dir. The diff
 * is recorded per member. The manifest dir is not touched here; the original stays as it was.
 */
@Doc(
    "Writes, beside each member's original etcd.yaml in the run's dir, a copy whose etcd-data volume points at the restored dir, and nothing else changed. The manifest dir is not touched.")
final class PatchManifests extends DeclaredStep<PatchManifests.Input, PatchManifests.Output> {

  record Input() {}

  /**
   * @param diffs per member, the change as a diff of the original and the patched manifest
   * @param patched per member, the patched manifest's path
   */
  record Output(Map<String, String> diffs, Map<String, String> patched) {}

  PatchManifests() {
    super("etcdPatchManifests", Input.class, Effect.MUTATING);
  }

  @Override
  public Output run(Input input, StepContext context) {
    Map<String, String> diffs = new LinkedHashMap<>();
    Map<String, String> patchedFiles = new LinkedHashMap<>();
    if (ExternalRestore.external(context.inventory())) {
      String staged = ExternalRestore.staged(context.inventory(), context.runId());
      EachMember.inParallel(context.nodes(), m -> patchUnit(context, m.name()))
          .forEach(
              (node, diff) -> {
                diffs.put(node, diff);
                patchedFiles.put(node, staged);
              });
      return new Output(diffs, patchedFiles);
    }
    String file = Restore.runDir(context.inventory(), context.runId()) + "/" + Restore.PATCHED;
    // Every member at once; each writes and re-reads only its own file.
    EachMember.inParallel(context.nodes(), m -> patch(context, m.name(), file))
        .forEach(
            (node, diff) -> {
              diffs.put(node, diff);
              patchedFiles.put(node, file);
            });
    return new Output(diffs, patchedFiles);
  }

  /**
   * External etcd: stages the drop-in that points the member's unit at its restored dir (and the
   * edited copy of its environment file) in the run's dir, checks that the unit with it installed
   * changes nothing but the data dir, reads the staged file back; returns the diff.
   */
  private static String patchUnit(StepContext context, String node) {
    Inventory inv = context.inventory();
    ExternalRestore.Read read = ExternalRestore.read(context, node);
    String target = Restore.restoredDir(read.dataDir(), context.runId());
    ExternalRestore.Patch patch;
    try {
      patch = ExternalRestore.patch(read, inv, context.runId(), target);
      ExternalRestore.verify(read, patch, inv, context.runId(), target);
    } catch (IllegalArgumentException e) {
      throw new RunbookError(
          ErrorCode.VALIDATION_FAILED,
          node
              + ": cannot point "
              + ExternalRestore.unit(inv)
              + " at "
              + target
              + ": "
              + e.getMessage());
    }
    if (patch.envCopyPath() != null) {
      NodeCommands.check(
          context, node, WRITE, textModel(patch.envCopyPath(), patch.envCopy()), Restore.COMMAND);
    }
    String staged = ExternalRestore.staged(inv, context.runId());
    NodeCommands.check(context, node, WRITE, textModel(staged, patch.dropIn()), Restore.COMMAND);
    String back =
        context
            .check(
                node,
                context.render(RestorePlan.CAT_FILE, RestorePlan.catModel(staged)),
                Duration.ofSeconds(30))
            .stdout();
    if (!back.equals(patch.dropIn())) {
      throw new RunbookError(
          ErrorCode.VALIDATION_FAILED,
          node + ": the staged drop-in " + staged + " reads back other");
    }
    String diff = ExternalRestore.diff(read, patch, inv, context.runId());
    context.artifact("unit-" + node + ".diff", diff.getBytes(StandardCharsets.UTF_8));
    return diff;
  }

  /** Writes and checks one member's patched manifest; returns the diff. */
  private static String patch(StepContext context, String node, String file) {
    EtcdManifest original = Restore.original(context, node);
    String target = Restore.restoredDir(original.dataMount().hostPath(), context.runId());
    EtcdManifest patched;
    try {
      patched = original.withDataHostPath(target);
    } catch (IllegalArgumentException e) {
      throw new RunbookError(
          ErrorCode.VALIDATION_FAILED, node + ": cannot patch etcd.yaml: " + e.getMessage());
    }
    NodeCommands.check(context, node, WRITE, writeModel(file, patched), Restore.COMMAND);
    EtcdManifest reread = Restore.readManifest(context, node, file);
    String dataDir = reread.flag("data-dir");
    if (!target.equals(reread.dataMount().hostPath())
        || !dataDir.equals(original.flag("data-dir"))) {
      throw new RunbookError(
          ErrorCode.VALIDATION_FAILED,
          node
              + ": the patched manifest "
              + file
              + " puts --data-dir "
              + dataDir
              + " on "
              + reread.dataMount().hostPath()
              + ", not on "
              + target);
    }
    String diff = EtcdManifest.diff(Restore.ETCD, original, reread);
    context.artifact("manifest-" + node + ".diff", diff.getBytes(StandardCharsets.UTF_8));
    return diff;
  }

  /** Writing the same patched file again is a no-op (write-file accepts identical content). */
  @Override
  public Probe probe(Input input, StepContext context) {
    return Probe.NOT_DONE;
  }

  private static final String WRITE = "commands/etcd-restore/write-file.ftl";

  static Map<String, Object> writeModel(String file, EtcdManifest patched) {
    return textModel(file, patched.text());
  }

  static Map<String, Object> textModel(String file, String content) {
    return Map.of("file", file, "content", content);
  }

  @Override
  public void plan(PlanContext plan) {
    if (ExternalRestore.external(plan.inventory())) {
      planUnits(plan);
      return;
    }
    String runDir = Restore.runDir(plan.inventory(), PlanContext.RUN_ID);
    String file = runDir + "/" + Restore.PATCHED;
    for (Inventory.Member m : plan.nodes()) {
      String node = m.name();
      RestorePlan.readOriginal(plan, node);
      java.util.Optional<EtcdManifest> original = RestorePlan.manifest(plan, node);
      String hostPath = RestorePlan.dataHostPath(plan, node);
      String target = RestorePlan.restoredDir(node, hostPath);
      if (original.isPresent()) {
        EtcdManifest patched = original.get().withDataHostPath(target);
        plan.command(node, plan.render(WRITE, writeModel(file, patched)));
        plan.diff(node, EtcdManifest.diff(Restore.ETCD, original.get(), patched));
      } else {
        plan.unknown(
            node
                + ": writes "
                + file
                + ": the node's etcd.yaml with only the etcd-data hostPath changed to "
                + target
                + " (plan with --probe for the exact file and its diff)");
      }
      plan.command(node, plan.render(RestorePlan.CAT_FILE, RestorePlan.catModel(file)));
    }
  }

  private static void planUnits(PlanContext plan) {
    Inventory inv = plan.inventory();
    String staged = ExternalRestore.staged(inv, PlanContext.RUN_ID);
    for (Inventory.Member m : plan.nodes()) {
      String node = m.name();
      java.util.Optional<ExternalRestore.Read> read = ExternalRestore.planRead(plan, node);
      String target = RestorePlan.restoredDir(node, RestorePlan.dataHostPath(plan, node));
      java.util.Optional<ExternalRestore.Patch> patch =
          read.flatMap(
              r -> {
                try {
                  return java.util.Optional.of(
                      ExternalRestore.patch(r, inv, PlanContext.RUN_ID, target));
                } catch (IllegalArgumentException e) {
                  return java.util.Optional.empty();
                }
              });
      if (patch.isPresent()) {
        ExternalRestore.Patch p = patch.get();
        if (p.envCopyPath() != null) {
          plan.command(node, plan.render(WRITE, textModel(p.envCopyPath(), p.envCopy())));
        }
        plan.command(node, plan.render(WRITE, textModel(staged, p.dropIn())));
        plan.diff(node, ExternalRestore.diff(read.get(), p, inv, PlanContext.RUN_ID));
      } else {
        plan.unknown(
            node
                + ": writes "
                + staged
                + ": a drop-in pointing "
                + ExternalRestore.unit(inv)
                + " at "
                + target
                + " (and, when the unit reads ETCD_DATA_DIR from an environment file, an edited"
                + " copy of that file beside it); plan with --probe for the exact files");
      }
      plan.command(node, plan.render(RestorePlan.CAT_FILE, RestorePlan.catModel(staged)));
    }
    plan.note(
        "the staged drop-in is checked before it is written: the unit with it installed runs etcd"
            + " with only the data dir changed; the unit file and its environment file stay as"
            + " they are");
  }
}
