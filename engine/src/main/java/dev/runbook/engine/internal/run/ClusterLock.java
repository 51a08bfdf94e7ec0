package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.BadInputException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Predicate;
import javax.sql.DataSource;

/**
 * One run at a time per cluster, held in the engine's database (so it holds across CLI processes
 * and, with PostgreSQL, across machines). The primary key does the work: a second insert for the
 * same cluster fails with SQLSTATE 23505 on H2 and PostgreSQL alike.
 */
final class ClusterLock {

  /** The holder of a cluster. */
  record Holder(String runId, String startedBy, String since) {}

  private static final String UNIQUE_VIOLATION = "23505";
  private final DataSource dataSource;

  ClusterLock(DataSource dataSource) {
    this.dataSource = dataSource;
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      c.setAutoCommit(true);
      s.execute(
          "CREATE TABLE IF NOT EXISTS RUNBOOK_CLUSTER_LOCK (CLUSTER_ VARCHAR(64) PRIMARY KEY,"
              + " RUN_ID_ VARCHAR(64) NOT NULL, STARTED_BY_ VARCHAR(255), SINCE_ VARCHAR(40))");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the cluster lock table: " + e.getMessage(), e);
    }
  }

  /**
   * Takes the cluster for {@code runId}, or refuses with the holder's run id. A holder whose run no
   * longer exists in the engine ({@code alive} false) left a stale row after a crash: taken over.
   */
  void acquire(String cluster, String runId, String startedBy, Predicate<String> alive) {
    for (int tries = 0; tries < 2; tries++) {
      try (Connection c = dataSource.getConnection()) {
        c.setAutoCommit(true);
        try (PreparedStatement ps =
            c.prepareStatement("INSERT INTO RUNBOOK_CLUSTER_LOCK VALUES (?, ?, ?, ?)")) {
          ps.setString(1, cluster);
          ps.setString(2, runId);
          ps.setString(3, startedBy);
          ps.setString(4, Instant.now().toString());
          ps.executeUpdate();
          return;
        } catch (SQLException e) {
          if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
            throw e;
          }
        }
        Optional<Holder> holder = holder(cluster);
        if (holder.isPresent() && alive.test(holder.get().runId())) {
          Holder h = holder.get();
          throw new BadInputException(
              "cluster '"
                  + cluster
                  + "' is held by run "
                  + h.runId()
                  + " (started by "
                  + h.startedBy()
                  + " at "
                  + h.since()
                  + "): one run per cluster. Wait for it to"
                  + " end, or `runbook abort "
                  + h.runId()
                  + " --as NAME --comment WHY`");
        }
        holder.ifPresent(h -> release(cluster, h.runId()));
      } catch (SQLException e) {
        throw new IllegalStateException("cluster lock: " + e.getMessage(), e);
      }
    }
    throw new IllegalStateException("could not take the cluster lock for " + cluster);
  }

  Optional<Holder> holder(String cluster) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT RUN_ID_, STARTED_BY_, SINCE_ FROM RUNBOOK_CLUSTER_LOCK WHERE CLUSTER_ = ?")) {
      ps.setString(1, cluster);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next()
            ? Optional.of(new Holder(rs.getString(1), rs.getString(2), rs.getString(3)))
            : Optional.empty();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cluster lock: " + e.getMessage(), e);
    }
  }

  /** Releases the cluster if {@code runId} holds it. */
  void release(String cluster, String runId) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(true);
      try (PreparedStatement ps =
          c.prepareStatement(
              "DELETE FROM RUNBOOK_CLUSTER_LOCK WHERE CLUSTER_ = ? AND RUN_ID_ = ?")) {
        ps.setString(1, cluster);
        ps.setString(2, runId);
        ps.executeUpdate();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cluster lock: " + e.getMessage(), e);
    }
  }
}
