package dev.runbook.engine.internal.run;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;

/**
 * Camunda's MyBatis mappings without the mapper files of what a runbook home that keeps no history
 * never uses: history, CMMN, DMN, users and groups, filters, reports, statistics, batches, external
 * tasks, forms. MyBatis parsing all 55 files was most of the engine's boot (about 1.2 s of CPU of a
 * command's 5 with C1; the XML and XPath work of about 1,000 statements); the 17 files kept hold
 * every statement the engine runs: executions, jobs, tasks, variables, incidents, deployments,
 * properties, byte arrays, event subscriptions, identity links, and the fragments (Commons,
 * Authorization, Tenant) that other statements include.
 *
 * <p>A home made by an earlier version keeps history FULL (EngineCore), and Camunda then writes
 * history rows: such a home gets all of Camunda's mappings.
 */
final class Mappings {

  private static final Pattern UNUSED =
      Pattern.compile(
          "<mapper resource=\"org/camunda/bpm/engine/impl/mapping/entity/(Historic\\w*|Case\\w*"
              + "|Decision\\w*|Group|User|Membership|TenantMembership|IdentityInfo|Filter|Report"
              + "|Statistics|Batch|ExternalTask|CamundaFormDefinition)\\.xml\" */>");

  private Mappings() {}

  /** Camunda's mappings file with the unused mapper lines left out. */
  static InputStream withoutHistory() {
    try (InputStream in =
        ProcessEngineConfigurationImpl.class
            .getClassLoader()
            .getResourceAsStream(ProcessEngineConfigurationImpl.DEFAULT_MYBATIS_MAPPING_FILE)) {
      String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      String kept =
          all.lines()
              .filter(l -> !UNUSED.matcher(l.trim()).matches())
              .collect(Collectors.joining("\n"));
      return new ByteArrayInputStream(kept.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read Camunda's MyBatis mappings", e);
    }
  }

  /**
   * Whether the database keeps history: its stored history level is not none (0). A database
   * without Camunda's tables yet (a new home) gets the default level, none.
   */
  static boolean keepsHistory(DataSource dataSource) {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      try (ResultSet r =
          s.executeQuery("SELECT VALUE_ FROM ACT_GE_PROPERTY WHERE NAME_ = 'historyLevel'")) {
        return r.next() && !"0".equals(r.getString(1).trim());
      } catch (SQLException e) {
        return false; // no ACT_GE_PROPERTY: a new database, made with the default level (none)
      }
    } catch (SQLException e) {
      // Not even a connection: the boot fails on it next, with Camunda's own message.
      return true;
    }
  }
}
