package dev.runbook.engine.api;

import java.util.List;
import java.util.Optional;

/**
 * A set of runbooks and the steps they use, found with {@link java.util.ServiceLoader}. The etcd
 * pack is one; tests may add their own.
 */
public interface RunbookPack {

  /** The steps the pack's BPMN files bind by bean name. */
  List<Step<?, ?>> steps();

  /** Classpath resources of the pack's BPMN files, e.g. {@code runbooks/ssh-check.bpmn}. */
  List<String> bpmnResources();

  /**
   * How the pack drafts an inventory from a live node ({@code runbook inventory init}), if it can.
   */
  default Optional<InventoryDiscovery> inventoryDiscovery() {
    return Optional.empty();
  }
}
