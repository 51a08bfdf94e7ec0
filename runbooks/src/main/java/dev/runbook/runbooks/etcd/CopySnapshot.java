package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RemoteFailure;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Copies the snapshot to a backup dir on each of the task's nodes over SFTP: checks the room first,
 * uploads under a temporary name, re-checks the SHA-256 on the node with {@code sha256sum}, and
 * only then gives it its final name. A failed copy leaves nothing behind and never touches the
 * previous backups. Running it again is safe: a copy already in place is left as it is.
 */
@Doc(
    "Copies the snapshot from the engine host into the backup directory on each node, checks its SHA-256 there and only then gives it its final name.")
final class CopySnapshot extends DeclaredStep<CopySnapshot.Input, CopySnapshot.Output> {

  private static final Duration TIMEOUT = Duration.ofMinutes(10);

  /**
   * @param file the snapshot on the engine host
   * @param sha256 its digest, as the snapshot step recorded it
   * @param dir the backup dir on the nodes (absolute)
   */
  record Input(
      @Doc(value = "The snapshot file on the engine host.", required = true) String file,
      @Doc(value = "Its SHA-256 digest, as the snapshot step recorded it.", required = true)
          String sha256,
      @Doc(value = "The backup directory on the nodes (an absolute path).", required = true)
          String dir) {
    Input {
      if (file == null || sha256 == null || dir == null || !dir.startsWith("/")) {
        throw new IllegalArgumentException("file, sha256 and an absolute dir are required");
      }
    }
  }

  /**
   * @param copies per node, the path of the verified copy
   */
  record Output(Map<String, String> copies) {}

  CopySnapshot() {
    // Copying again is harmless: a verified copy in place is kept, a partial one is replaced.
    super("etcdCopySnapshot", Input.class, Effect.MUTATING, Rerun.SAFE);
  }

  @Override
  public Output run(Input input, StepContext context) {
    Path local = Path.of(input.file());
    String name = local.getFileName().toString();
    String target = input.dir() + "/" + name;
    long bytes;
    try {
      bytes = Files.size(local);
    } catch (java.io.IOException e) {
      throw new RunbookError(ErrorCode.STEP_FAILED, "cannot read " + local + ": " + e);
    }
    Map<String, String> copies = new LinkedHashMap<>();
    for (Inventory.Member node : context.nodes()) {
      String n = node.name();
      Map<String, Object> model = model(input.dir(), name, Long.toString(bytes), input.sha256());
      context.check(n, context.render("commands/etcd-backup/prepare.ftl", model), TIMEOUT);
      try {
        context.progress("copying " + name + " to " + n + ":" + input.dir());
        context.shell().upload(n, local, (String) model.get("incoming"));
        context.check(n, context.render("commands/etcd-backup/accept.ftl", model), TIMEOUT);
      } catch (RemoteFailure e) {
        try {
          context.exec(n, context.render("commands/etcd-backup/discard.ftl", model), TIMEOUT);
        } catch (RemoteFailure ignored) {
          // The node is gone; the failure below says so, and a leftover has a temporary name.
        }
        throw new RunbookError(
            ErrorCode.STEP_FAILED,
            "copying the snapshot to "
                + n
                + ":"
                + input.dir()
                + " failed; nothing was left there and the previous backups are untouched: "
                + e.getMessage());
      }
      copies.put(n, target);
    }
    return new Output(copies);
  }

  /** The model of prepare, accept and discard: the copy arrives under a temporary name. */
  static Map<String, Object> model(String dir, String name, String bytes, String sha256) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("dir", dir);
    model.put("bytes", bytes);
    model.put("incoming", dir + "/.incoming-" + name);
    model.put("target", dir + "/" + name);
    model.put("sha256", sha256);
    return model;
  }

  @Override
  public void plan(PlanContext plan) {
    String file = plan.input("file");
    String name =
        file.startsWith("⟨") ? "⟨snapshot file name⟩" : Path.of(file).getFileName().toString();
    Map<String, Object> model =
        model(plan.input("dir"), name, VerifySnapshot.plannedSize(file), plan.input("sha256"));
    for (Inventory.Member node : plan.nodes()) {
      plan.command(node.name(), plan.render("commands/etcd-backup/prepare.ftl", model));
      plan.upload(node.name(), file, (String) model.get("incoming"));
      plan.command(node.name(), plan.render("commands/etcd-backup/accept.ftl", model));
      plan.command(node.name(), plan.render("commands/etcd-backup/discard.ftl", model));
    }
    plan.note(
        "discard.ftl runs only on a failed copy: it removes the temporary file; earlier backups stay");
  }
}
