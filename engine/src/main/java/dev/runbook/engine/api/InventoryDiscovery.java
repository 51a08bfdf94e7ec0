package dev.runbook.engine.api;

import java.util.List;
import java.util.Map;

/**
 * What a {@link RunbookPack} knows about reading a live cluster: given a strict SSH connection to
 * one node, it drafts the inventory of the whole cluster. The engine writes and validates the draft
 * ({@link InventoryInit}); the pack only reads.
 */
public interface InventoryDiscovery {

  /**
   * The node the engine connected to.
   *
   * @param node the name {@code shell} knows the node by
   * @param host the address the user gave for it (the draft's host for that member)
   * @param ssh the SSH settings the connection uses (the draft's {@code ssh})
   * @param cluster the cluster name the user asked for, or null to let the pack choose one
   * @param external for external etcd: the unit etcd runs as on the node and the control planes the
   *     user named; null for stacked etcd
   */
  record Seed(
      String node, String host, Inventory.Ssh ssh, String cluster, Inventory.External external) {

    /** A seed for stacked etcd. */
    public Seed(String node, String host, Inventory.Ssh ssh, String cluster) {
      this(node, host, ssh, cluster, null);
    }
  }

  /**
   * An inventory to write, and where each value came from.
   *
   * @param inventory the values; {@link Inventory#source()} is ignored
   * @param header lines for the comment at the top of the file
   * @param sources a short note per key, written as the key's comment: keys are written as in the
   *     file ({@code cluster}, {@code ssh.port}, {@code etcd.pki.cacert}), members by position
   *     ({@code members[0]} for the item, {@code members[0].host} for a field)
   */
  record Draft(Inventory inventory, List<String> header, Map<String, String> sources) {
    public Draft {
      header = List.copyOf(header);
      sources = Map.copyOf(sources);
    }
  }

  /**
   * Reads the cluster through {@code seed}; runs nothing that changes anything on the node.
   *
   * @throws BadInputException when the node does not show what a draft needs (no etcd, etcd not
   *     answering); the message says what was looked for and where
   * @throws RemoteFailure when the SSH connection fails
   */
  Draft discover(RemoteShell shell, Seed seed);
}
