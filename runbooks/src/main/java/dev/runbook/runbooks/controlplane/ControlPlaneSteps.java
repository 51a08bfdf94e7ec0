package dev.runbook.runbooks.controlplane;

import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.Step;
import java.util.List;

/**
 * The control-plane file steps, bound by name from control-plane-backup and
 * control-plane-restore-files.
 */
public final class ControlPlaneSteps {

  private ControlPlaneSteps() {}

  /**
   * Refuses an external etcd inventory: its control planes are nodes apart from the etcd members
   * ({@code controlPlane:}), and these steps reach only the members. Archiving the members instead
   * would back up the wrong machines and call it done.
   */
  static void requireStacked(Inventory inv, String runbook) {
    if (inv.etcd().isExternal()) {
      throw new RunbookError(
          ErrorCode.VALIDATION_FAILED,
          runbook
              + " works on the members' nodes, which are the control planes only with stacked"
              + " etcd; this inventory's etcd.topology is external (control planes "
              + inv.etcd().external().controlPlane().stream()
                  .map(Inventory.ControlPlane::name)
                  .toList()
              + " apart from the members), which it does not support yet; nothing was changed");
    }
  }

  public static List<Step<?, ?>> all() {
    return List.of(
        new ArchiveControlPlaneFiles(),
        new CheckControlPlaneArchives(),
        new OpenArchiveForNode(),
        new RestoreFiles());
  }
}
