package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.engine.api.Inventory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** inventory init on 5 members of etcd 3.5. */
class InventoryInit5MembersIT extends InventoryInitLab {

  @Override
  int members() {
    return 5;
  }

  @Override
  String etcd() {
    return "3.5";
  }

  @Test
  void membersWhoseHostKeysAreUnknownAreNamedWithTheFixAndTheInventoryIsStillWritten()
      throws Exception {
    // known_hosts that knows only the node init reads.
    Map<String, String> known = labFingerprints();
    String seedName = knownHostsName(seed().host());
    Path partial = tmp.resolve("known_hosts");
    Files.write(
        partial,
        Files.readAllLines(labInventory.ssh().knownHosts()).stream()
            .filter(l -> l.startsWith(seedName + " "))
            .toList());
    Path out = tmp.resolve("partial.yaml");
    Cli.Result r = init(partial, out);
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(Inventory.load(out).members()).hasSize(members());
    for (Inventory.Member m : labInventory.members().subList(1, members())) {
      String fp = known.get(knownHostsName(m.host()));
      assertThat(r.err())
          .contains("SSH to member " + m.name() + " not verified")
          .contains(fp)
          .contains("'" + m.host() + "'");
    }
    assertThat(r.err()).doesNotContain("member " + seed().name() + " not verified");

    // The printed commands add exactly those keys; then every member verifies.
    for (String line : r.err().lines().toList()) {
      if (line.startsWith("  k=$(")) {
        assertThat(sh(line)).contains("added");
      }
    }
    Cli.Result again = init(partial, tmp.resolve("complete.yaml"));
    assertThat(again.code()).as(again.toString()).isZero();
    assertThat(again.err()).isEmpty();
    assertThat(Files.readAllLines(partial)).hasSize(members());
  }
}
