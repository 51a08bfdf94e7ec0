package dev.runbook.engine.internal.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.RunListener;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;
import org.camunda.bpm.engine.ProcessEngineConfiguration;
import org.camunda.bpm.engine.impl.cfg.StandaloneProcessEngineConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Camunda refuses to open a database whose history level differs from its configuration. A new home
 * keeps no history; a home made by an earlier version (history FULL) must still open and keep its
 * level.
 */
class HistoryLevelTest {

  @TempDir Path tmp;
  Path home;
  Path inventory;
  EngineOptions options;

  @BeforeEach
  void setUp() throws Exception {
    home = tmp.resolve("home");
    inventory = LocalInventory.write(tmp);
    Path runbooks = Path.of(getClass().getResource("/test-runbooks").toURI());
    options = new EngineOptions(home, null, runbooks, null, TestSteps.all(), RunListener.NONE);
  }

  @Test
  void aNewHomeKeepsNoHistory() throws Exception {
    assertThat(runToTheGate()).isEqualTo(RunState.WAITING);
    assertThat(storedLevel()).isEqualTo("0");
  }

  @Test
  void theEngineDatabaseIsTheOwnersOnly() throws Exception {
    // It holds the run's variables (secret ones sealed, still its owner's only); H2 makes them
    // 0644.
    assertThat(runToTheGate()).isEqualTo(RunState.WAITING);
    assertThat(Files.getPosixFilePermissions(home.resolve("engine.mv.db")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.getPosixFilePermissions(home.resolve("runs")))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    assertThat(Files.getPosixFilePermissions(home))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
  }

  @Test
  void aHomeMadeWithFullHistoryOpensAndKeepsIt() throws Exception {
    // Earlier versions made every home with history FULL.
    StandaloneProcessEngineConfiguration earlier = new StandaloneProcessEngineConfiguration();
    Database.configure(earlier, options);
    earlier.setDatabaseSchemaUpdate(ProcessEngineConfiguration.DB_SCHEMA_UPDATE_TRUE);
    earlier.setHistory(ProcessEngineConfiguration.HISTORY_FULL);
    earlier.setProcessEngineName("earlier");
    earlier.buildProcessEngine().close();
    assertThat(storedLevel()).isEqualTo("3");

    assertThat(runToTheGate()).isEqualTo(RunState.WAITING);
    assertThat(storedLevel()).isEqualTo("3");
  }

  private RunState runToTheGate() {
    try (RunbookEngine engine = RunbookEngine.open(options)) {
      RunOutcome o = engine.start("gate-test", inventory, Map.of("dir", tmp.toString()), "alice");
      return o.state();
    }
  }

  private String storedLevel() throws Exception {
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:h2:file:" + home.toAbsolutePath().resolve("engine") + ";AUTO_SERVER=TRUE",
                "sa",
                "");
        ResultSet r =
            c.createStatement()
                .executeQuery("select VALUE_ from ACT_GE_PROPERTY where NAME_ = 'historyLevel'")) {
      assertThat(r.next()).isTrue();
      return r.getString(1);
    }
  }
}
