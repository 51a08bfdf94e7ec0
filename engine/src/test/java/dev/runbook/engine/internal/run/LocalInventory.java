package dev.runbook.engine.internal.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The inventory of the engine's tests with local steps: one member on 127.0.0.1 that nothing
 * reaches over SSH, and a change board for the gates.
 */
final class LocalInventory {

  private LocalInventory() {}

  /** Writes inventory.yaml, with the key and known_hosts files it names, into {@code dir}. */
  static Path write(Path dir) throws IOException {
    Files.writeString(dir.resolve("id"), "not a real key: never read by these tests\n");
    Files.writeString(dir.resolve("known_hosts"), "");
    Path inventory = dir.resolve("inventory.yaml");
    Files.writeString(
        inventory,
        """
        cluster: test
        ssh: {user: root, port: 22, identityFile: id, knownHosts: known_hosts}
        members:
          - {name: n1, host: 127.0.0.1, clientUrl: https://127.0.0.1:2379, peerUrl: https://127.0.0.1:2380}
        roles:
          change-board: [bob, carol, alice]
        approval: {identity: unsigned}
        """);
    return inventory;
  }
}
