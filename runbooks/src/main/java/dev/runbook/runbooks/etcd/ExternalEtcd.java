package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.RunbookError;

/**
 * External etcd (a systemd unit on nodes of its own) for the runbooks that do not support it yet.
 * The snapshot and the rehearsal need nothing of the members' configuration and work unchanged;
 * etcd-restore works through the unit ({@link ExternalRestore}); member replace rewrites a member's
 * static pod manifest and refuses an external cluster in its preflight, before anything changes.
 */
final class ExternalEtcd {
  private ExternalEtcd() {}

  /** Refuses an external etcd inventory for {@code runbook}, which changes static pods. */
  static void refuse(Inventory inv, String runbook) {
    if (inv.etcd().isExternal()) {
      throw new RunbookError(
          ErrorCode.VALIDATION_FAILED,
          runbook
              + " supports stacked etcd only (static pods in "
              + inv.etcd().manifestDir()
              + "): this inventory's etcd.topology is external (etcd as the systemd unit "
              + inv.etcd().external().unit()
              + "), which it does not change yet; nothing was changed. etcd-snapshot and"
              + " etcd-restore-rehearsal and etcd-restore work on external etcd"
              + " (docs/external-etcd.md).");
    }
  }
}
