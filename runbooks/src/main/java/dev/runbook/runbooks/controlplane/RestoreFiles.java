package dev.runbook.runbooks.controlplane;

import dev.runbook.engine.api.CommandResult;
import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts a node's files back from its archive: whatever is at each path is renamed to {@code
 * DIR/.NAME.runbook-aside-RUN} first (never deleted or written over), each file is written over
 * SFTP ({@code .part}, mode, fsync, rename) with its owner set after, links are made, and every
 * file's SHA-256 on the node is checked against the manifest. The plan shows every file with its
 * digest; the run writes only those.
 */
@Doc(
    "Restores a node's control-plane files from its archive: sets whatever is at each path aside, writes each file with its mode and owner, makes the links, and checks every digest on the node.")
final class RestoreFiles extends DeclaredStep<RestoreFiles.Input, RestoreFiles.Output> {

  static final Duration TIMEOUT = Duration.ofMinutes(2);
  static final String SET_ASIDE = "commands/control-plane-restore-files/set-aside.ftl";
  static final String FINISH = "commands/control-plane-restore-files/finish.ftl";

  record Input(
      @Doc(value = "The archive on the engine host (checked by the open step).", required = true)
          String archive,
      @Doc(value = "The key file it was written with.", required = true) String keyFile) {
    Input {
      if (archive == null || keyFile == null) {
        throw new IllegalArgumentException("archive and keyFile are required");
      }
    }
  }

  /**
   * @param restored the paths written (files and links)
   * @param setAside the paths that held something, now at {@code DIR/.NAME.runbook-aside-RUN}
   */
  record Output(List<String> restored, List<String> setAside) {}

  RestoreFiles() {
    super("controlPlaneRestoreFiles", Input.class, Effect.DESTRUCTIVE);
  }

  static List<Map<String, Object>> model(ControlPlaneArchive.Manifest m, String runId) {
    List<Map<String, Object>> files = new ArrayList<>();
    for (ControlPlaneArchive.FileEntry f : m.files()) {
      Map<String, Object> file = new LinkedHashMap<>();
      file.put("path", f.path());
      file.put("aside", beside(f.path(), "aside", runId));
      file.put("staged", beside(f.path(), "restore", runId));
      file.put("owner", f.uid() + ":" + f.gid());
      file.put("target", f.linkTarget() == null ? "" : f.linkTarget());
      files.add(file);
    }
    return files;
  }

  /**
   * A dotfile beside {@code path}: where what was there goes ({@code aside}) and where the
   * archive's file is written before it is renamed into place ({@code restore}). A kubelet reads
   * every other file in its manifest dir as a pod (an etcd.yaml set aside as etcd.yaml.old, or a
   * half-written etcd.yaml.part, would start a second etcd) and ignores dotfiles.
   */
  static String beside(String path, String what, String runId) {
    int slash = path.lastIndexOf('/');
    return path.substring(0, slash + 1)
        + "."
        + path.substring(slash + 1)
        + ".runbook-"
        + what
        + "-"
        + runId;
  }

  @Override
  public Output run(Input input, StepContext context) {
    if (context.nodes().size() != 1) {
      throw new RunbookError(ErrorCode.STEP_FAILED, "restores one node at a time");
    }
    Inventory.Member node = context.nodes().get(0);
    String n = node.name();
    ControlPlaneArchive.Opened opened;
    try {
      opened = OpenArchiveForNode.open(context.inventory(), input.archive(), input.keyFile(), n);
    } catch (ArchiveException | IllegalArgumentException e) {
      throw new RunbookError(ErrorCode.VALIDATION_FAILED, e.getMessage());
    }
    // The archive the plan listed, not one swapped in since the approval.
    context.confirm(
        OpenArchiveForNode.ENGINE_HOST, OpenArchiveForNode.ARCHIVE_SHA256, opened.sha256());
    Map<String, Object> model = Map.of("files", model(opened.manifest(), context.runId()));
    CommandResult aside = context.exec(n, context.render(SET_ASIDE, model), TIMEOUT);
    List<String> setAside = new ArrayList<>();
    aside
        .stdout()
        .lines()
        .filter(l -> l.startsWith("aside="))
        .forEach(l -> setAside.add(l.substring(6)));
    if (!aside.ok()) {
      throw new RunbookError(
          ErrorCode.STEP_FAILED,
          n
              + ": setting the present files aside failed ("
              + aside.stderr().strip()
              + "); set aside so far: "
              + setAside);
    }
    List<String> restored = new ArrayList<>();
    for (ControlPlaneArchive.FileEntry f : opened.manifest().files()) {
      if (f.linkTarget() == null) {
        context.progress(n + ": writing " + f.path());
        context
            .shell()
            .write(
                n,
                beside(f.path(), "restore", context.runId()),
                opened.contents().get(f.path()),
                Integer.parseInt(f.mode(), 8));
      }
      restored.add(f.path());
    }
    CommandResult finished = context.exec(n, context.render(FINISH, model), TIMEOUT);
    if (!finished.ok()) {
      throw new RunbookError(
          ErrorCode.STEP_FAILED,
          n
              + ": setting owners and links failed ("
              + finished.stderr().strip()
              + "); the earlier files are at DIR/.NAME.runbook-aside-"
              + context.runId());
    }
    Map<String, String> landed = new LinkedHashMap<>();
    finished
        .stdout()
        .lines()
        .forEach(
            l -> {
              int sp = l.indexOf("  ");
              if (sp == 64) {
                landed.put(l.substring(sp + 2), l.substring(0, sp));
              }
            });
    List<String> wrong = new ArrayList<>();
    for (ControlPlaneArchive.FileEntry f : opened.manifest().files()) {
      if (f.linkTarget() == null && !f.sha256().equals(landed.get(f.path()))) {
        wrong.add(f.path());
      }
    }
    if (!wrong.isEmpty()) {
      throw new RunbookError(
          ErrorCode.VALIDATION_FAILED,
          n + ": these files do not have the archive's SHA-256 on the node: " + wrong);
    }
    return new Output(restored, setAside);
  }

  @Override
  public void plan(PlanContext plan) {
    if (plan.nodes().size() != 1) {
      throw new IllegalArgumentException("control-plane-restore-files restores one node at a time");
    }
    String node = plan.nodes().get(0).name();
    ControlPlaneArchive.Opened opened =
        OpenArchiveForNode.openForPlan(
            plan.inventory(), plan.input("archive"), plan.input("keyFile"), node);
    Map<String, Object> model = Map.of("files", model(opened.manifest(), PlanContext.RUN_ID));
    plan.command(node, plan.render(SET_ASIDE, model));
    for (ControlPlaneArchive.FileEntry f : opened.manifest().files()) {
      if (f.linkTarget() == null) {
        plan.write(node, beside(f.path(), "restore", PlanContext.RUN_ID), f.sha256());
        plan.note(
            node
                + ": "
                + f.path()
                + " mode "
                + f.mode()
                + " owner "
                + f.owner()
                + ":"
                + f.group()
                + " ("
                + f.uid()
                + ":"
                + f.gid()
                + ") sha256:"
                + f.sha256());
      } else {
        plan.note(node + ": " + f.path() + " -> " + f.linkTarget() + " (a symbolic link)");
      }
    }
    plan.command(node, plan.render(FINISH, model));
  }
}
