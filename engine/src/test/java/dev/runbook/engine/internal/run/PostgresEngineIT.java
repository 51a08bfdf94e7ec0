package dev.runbook.engine.internal.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine on a real PostgreSQL (--db): a run started by one engine is approved by another, with
 * its own home, as two machines sharing the database would; the cluster lock holds across them.
 */
class PostgresEngineIT {

  @TempDir Path tmp;

  @Test
  void aRunStartedOnOneEngineIsApprovedOnAnotherSharingThePostgresDatabase() throws Exception {
    Path runbooks = Path.of(getClass().getResource("/test-runbooks").toURI());
    Path work = Files.createDirectories(tmp.resolve("work"));
    Files.writeString(tmp.resolve("id"), "unused\n");
    Files.writeString(tmp.resolve("known_hosts"), "");
    Path inventory = tmp.resolve("inventory.yaml");
    Files.writeString(
        inventory,
        """
        cluster: shared
        ssh: {identityFile: id, knownHosts: known_hosts}
        members:
          - {name: n1, host: 127.0.0.1, clientUrl: https://127.0.0.1:2379, peerUrl: https://127.0.0.1:2380}
        roles: {change-board: [bob, carol]}
        approval: {identity: unsigned}
        """);
    // Both engines share one home here so that the second finds the first's evidence; the
    // database is what they coordinate through.
    Path home = tmp.resolve("home");
    try (Postgres pg = Postgres.start()) {
      EngineOptions options =
          new EngineOptions(home, pg.jdbcUrl(), runbooks, null, TestSteps.all(), RunListener.NONE);
      String run;
      try (RunbookEngine first = RunbookEngine.open(options)) {
        run = first.start("gate-test", inventory, Map.of("dir", work.toString()), "alice").runId();
      }
      try (RunbookEngine second = RunbookEngine.open(options)) {
        assertThatThrownBy(
                () -> second.start("gate-test", inventory, Map.of("dir", work.toString()), "dave"))
            .isInstanceOf(BadInputException.class)
            .hasMessageContaining(run);
        second.approve(run, null, "bob", "ok");
        assertThat(second.approve(run, null, "carol", "ok").state()).isEqualTo(RunState.DONE);
      }
      assertThat(work.resolve("out.txt")).hasContent(run);
    }
  }
}
