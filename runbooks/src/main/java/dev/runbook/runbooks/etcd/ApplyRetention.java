package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Retention: deletes this cluster's older snapshots from the engine host's snapshot dir and from
 * the backup dir on the task's nodes, as the operator asked with {@code keep} / {@code keepDays}
 * (both 0 by default: nothing is deleted). Never the snapshot just taken, never a file this runbook
 * did not name. Deleting again what is already gone is harmless, so a re-run is safe.
 */
@Doc(
    "Deletes this cluster's older snapshots from the engine host's snapshot dir and the nodes' backup dir as keep / keepDays ask (both 0 by default: nothing is deleted); never the snapshot just taken.")
final class ApplyRetention extends DeclaredStep<ApplyRetention.Input, ApplyRetention.Output> {

  private static final Duration TIMEOUT = Duration.ofMinutes(2);

  /**
   * @param current file name of the snapshot just taken
   * @param dir the engine host's snapshot dir
   * @param backupDir the backup dir on the nodes (ignored when the task targets none)
   */
  record Input(
      @Doc(value = "File name of the snapshot just taken; it is never deleted.", required = true)
          String current,
      @Doc(value = "The engine host's snapshot directory.", required = true) String dir,
      @Doc("The backup directory on the nodes (ignored when the task targets no nodes).")
          String backupDir,
      @Doc(
              value = "How many of the newest snapshots to keep; 0 (the default) keeps all.",
              defaultValue = "0")
          Integer keep,
      @Doc(
              value = "Keep snapshots younger than this many days; 0 (the default) keeps all.",
              defaultValue = "0")
          Integer keepDays,
      @Doc(
              value =
                  "The off-site copies' s3://BUCKET/PREFIX, where the same policy applies; none (the default) for none.",
              defaultValue = "none")
          String objectStore) {
    Input {
      objectStore = objectStore == null || objectStore.isBlank() ? "none" : objectStore;
      keep = keep == null ? 0 : keep;
      keepDays = keepDays == null ? 0 : keepDays;
      if (current == null || dir == null) {
        throw new IllegalArgumentException("current and dir are required");
      }
    }
  }

  /**
   * @param deleted per place (the engine host or a node), the files deleted
   */
  record Output(String policy, Map<String, List<String>> deleted) {}

  ApplyRetention() {
    // Deleting again what is already gone is harmless; the newest snapshot is never a candidate.
    super("etcdSnapshotRetention", Input.class, Effect.MUTATING, Rerun.SAFE);
  }

  @Override
  public Output run(Input input, StepContext context) {
    Retention r = new Retention(input.keep(), input.keepDays());
    String policy =
        r.off()
            ? "off (keep=0, keepDays=0): nothing deleted"
            : "keep the newest "
                + input.keep()
                + " and those younger than "
                + input.keepDays()
                + " days (0 = not used)";
    Map<String, List<String>> deleted = new LinkedHashMap<>();
    if (r.off()) {
      return new Output(policy, deleted);
    }
    String cluster = context.inventory().cluster();
    Instant now = Instant.now();
    Path dir = Path.of(input.dir());
    List<String> local = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.forEach(p -> local.add(p.getFileName().toString()));
    } catch (IOException e) {
      throw new RunbookError(ErrorCode.STEP_FAILED, "cannot list " + dir + ": " + e);
    }
    List<String> gone = new ArrayList<>();
    for (String name : r.toDelete(local, cluster, input.current(), now)) {
      try {
        Files.deleteIfExists(dir.resolve(name));
        gone.add(name);
      } catch (IOException e) {
        throw new RunbookError(
            ErrorCode.STEP_FAILED, "cannot delete " + dir.resolve(name) + ": " + e);
      }
    }
    deleted.put("engine-host:" + dir, gone);
    if (!input.objectStore().equals("none")) {
      Map.Entry<String, List<String>> store =
          OffSiteRetention.apply(
              context.inventory(), input.objectStore(), r, input.current(), now, context::progress);
      deleted.put(store.getKey(), store.getValue());
    }
    if (input.backupDir() != null && !input.backupDir().isBlank()) {
      for (Inventory.Member node : context.nodes()) {
        Map<String, Object> model = listModel(input.backupDir(), cluster);
        String out =
            context
                .check(node.name(), context.render("commands/etcd-backup/list.ftl", model), TIMEOUT)
                .stdout();
        List<String> names = r.toDelete(out.lines().toList(), cluster, input.current(), now);
        for (String name : names) {
          context.check(node.name(), context.render(DELETE, deleteModel(model, name)), TIMEOUT);
        }
        deleted.put(node.name() + ":" + input.backupDir(), names);
      }
    }
    return new Output(policy, deleted);
  }

  private static final String DELETE = "commands/etcd-backup/delete.ftl";

  static Map<String, Object> deleteModel(Map<String, Object> listModel, String name) {
    Map<String, Object> model = new LinkedHashMap<>(listModel);
    model.put("name", name);
    return model;
  }

  static Map<String, Object> listModel(String dir, String cluster) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("dir", dir);
    model.put("prefix", Retention.prefix(cluster));
    return model;
  }

  @Override
  public void plan(PlanContext plan) {
    plan.note(
        "on the engine host, in "
            + plan.input("dir")
            + ": deletes this cluster's snapshots beyond keep="
            + plan.input("keep")
            + " and keepDays="
            + plan.input("keepDays")
            + " (both 0: nothing), never the one just taken");
    String store = plan.input("objectStore");
    if (!store.isBlank() && !store.equals("none")) {
      plan.note(
          "in the object store under "
              + store
              + ": deletes this cluster's snapshots the same policy selects (objects right under"
              + " the prefix named as etcd-snapshot names them), never the one just taken");
    }
    String backupDir = plan.input("backupDir");
    if (backupDir.isBlank()) {
      return;
    }
    Map<String, Object> list = listModel(backupDir, plan.inventory().cluster());
    for (Inventory.Member node : plan.nodes()) {
      plan.command(node.name(), plan.render("commands/etcd-backup/list.ftl", list));
      plan.command(
          node.name(),
          plan.render(DELETE, deleteModel(list, "⟨each listed snapshot the same policy selects⟩")));
    }
  }
}
