package dev.runbook.runbooks.controlplane;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Opens the archive a restore will put back (digest, HMAC, decryption, every file against its
 * manifest) and checks that it is this cluster's archive of this node, before a gate is asked:
 * reviewers approve a plan that lists every file it will write, with its digest, mode and owner.
 */
@Doc(
    "Opens a control-plane archive with the key (digest, HMAC, manifest) and checks it is this cluster's archive of the node to restore; the plan lists every file in it.")
final class OpenArchiveForNode
    extends DeclaredStep<OpenArchiveForNode.Input, OpenArchiveForNode.Output> {

  static final String ENGINE_HOST = "engine host";
  static final String ARCHIVE_SHA256 = "archive SHA-256";

  record Input(
      @Doc(
              value = "The archive on the engine host (written by control-plane-backup).",
              required = true)
          String archive,
      @Doc(value = "The key file it was written with.", required = true) String keyFile,
      @Doc(value = "The member whose files it must hold.", required = true) String node) {
    Input {
      if (archive == null || keyFile == null || node == null || node.isBlank()) {
        throw new IllegalArgumentException("archive, keyFile and node are required");
      }
    }
  }

  /**
   * @param files how many files the archive holds (links included)
   * @param sha256 the archive's SHA-256
   */
  record Output(int files, String sha256, String createdAt, String backupRun) {}

  OpenArchiveForNode() {
    super("controlPlaneOpenArchive", Input.class, Effect.READ_ONLY);
  }

  @Override
  public Output run(Input input, StepContext context) {
    ControlPlaneSteps.requireStacked(context.inventory(), "control-plane-restore-files");
    ControlPlaneArchive.Opened opened;
    try {
      opened = open(context.inventory(), input.archive(), input.keyFile(), input.node());
    } catch (ArchiveException | IllegalArgumentException e) {
      throw new RunbookError(ErrorCode.VALIDATION_FAILED, e.getMessage());
    }
    context.confirm(ENGINE_HOST, ARCHIVE_SHA256, opened.sha256());
    return new Output(
        opened.manifest().files().size(),
        opened.sha256(),
        opened.manifest().createdAt(),
        opened.manifest().runId());
  }

  /**
   * The archive, opened and checked to be {@code node}'s of this inventory's cluster.
   *
   * @throws ArchiveException it does not open
   * @throws IllegalArgumentException it is another cluster's or node's, or the node is unknown
   */
  static ControlPlaneArchive.Opened open(
      Inventory inventory, String archive, String keyFile, String node) {
    if (inventory.member(node).isEmpty()) {
      throw new IllegalArgumentException("no member '" + node + "' in the inventory");
    }
    ControlPlaneArchive.Opened opened =
        ControlPlaneArchive.open(Path.of(archive), Path.of(keyFile));
    ControlPlaneArchive.Manifest m = opened.manifest();
    if (!m.cluster().equals(inventory.cluster()) || !m.node().equals(node)) {
      throw new IllegalArgumentException(
          archive
              + " holds the files of node "
              + m.node()
              + " of cluster "
              + m.cluster()
              + ", not of "
              + node
              + " of "
              + inventory.cluster());
    }
    return opened;
  }

  /**
   * {@link #open} for a plan: an archive that does not open is bad input (the plan refuses with its
   * words), as one of another node is.
   */
  static ControlPlaneArchive.Opened openForPlan(
      Inventory inventory, String archive, String keyFile, String node) {
    try {
      return open(inventory, archive, keyFile, node);
    } catch (ArchiveException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  @Override
  public void plan(PlanContext plan) {
    ControlPlaneSteps.requireStacked(plan.inventory(), "control-plane-restore-files");
    ControlPlaneArchive.Opened opened =
        openForPlan(
            plan.inventory(), plan.input("archive"), plan.input("keyFile"), plan.input("node"));
    ControlPlaneArchive.Manifest m = opened.manifest();
    plan.discovered(ENGINE_HOST, ARCHIVE_SHA256, Optional.of(opened.sha256()));
    plan.note(
        "opens "
            + plan.input("archive")
            + " with the key file (SHA-256 and HMAC beside it, decryption, every file against"
            + " the manifest): node "
            + m.node()
            + " of cluster "
            + m.cluster()
            + ", archived "
            + m.createdAt()
            + " by run "
            + m.runId()
            + ", "
            + m.files().size()
            + " files (each listed with its digest in the restore step below)");
  }
}
