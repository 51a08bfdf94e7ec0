package dev.runbook.runbooks.controlplane;

import dev.runbook.engine.api.Step;
import java.util.List;

/**
 * The control-plane file steps, bound by name from control-plane-backup and
 * control-plane-restore-files.
 */
public final class ControlPlaneSteps {

  private ControlPlaneSteps() {}

  public static List<Step<?, ?>> all() {
    return List.of(
        new ArchiveControlPlaneFiles(),
        new CheckControlPlaneArchives(),
        new OpenArchiveForNode(),
        new RestoreFiles());
  }
}
