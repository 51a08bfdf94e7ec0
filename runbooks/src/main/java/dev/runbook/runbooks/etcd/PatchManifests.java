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
    return Map.of("file", file, "content", patched.text());
  }

  @Override
  public void plan(PlanContext plan) {
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
}
