package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.EngineOptions;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;

/** Where the engine keeps its state: H2 in the runbook home, or a shared PostgreSQL. */
final class Database {

  private Database() {}

  static void configure(ProcessEngineConfigurationImpl cfg, EngineOptions options) {
    String url = options.dbUrl();
    if (url == null) {
      // AUTO_SERVER: the first process to open the file serves it to the others (say `approve`
      // while `run` is still executing steps), on loopback only.
      // AUTO_RECONNECT: when the serving process exits, the others reconnect (one takes over the
      // file) instead of failing mid-command; the two-process test caught a broken connection.
      // WRITE_DELAY=0: H2 otherwise flushes a commit up to 500 ms later, and a process killed in
      // that window forgets that the previous step finished (the crash tests caught it).
      // QUERY_CACHE_SIZE: a step runs more distinct statements than H2's default cache of 8
      // parsed ones, so H2 parsed nearly every statement again: a tenth of a step's CPU time
      // (profiled with bench/step-overhead's runbook on local steps).
      System.setProperty("h2.bindAddress", "127.0.0.1");
      cfg.setJdbcUrl(
          "jdbc:h2:file:"
              + options.home().toAbsolutePath().resolve("engine")
              + ";AUTO_SERVER=TRUE;AUTO_RECONNECT=TRUE;WRITE_DELAY=0;QUERY_CACHE_SIZE=128");
      cfg.setJdbcDriver("org.h2.Driver");
      // A pooled connection may lead to a serving process that has exited since (the process
      // that drove the run before us): AUTO_RECONNECT did not save the first query on it ("session
      // closed", caught in CI). A ping before each use drops such a connection for a new one.
      cfg.setJdbcPingEnabled(true);
      cfg.setJdbcPingQuery("SELECT 1");
      cfg.setJdbcPingConnectionNotUsedFor(0);
      cfg.setJdbcUsername("sa");
      cfg.setJdbcPassword("");
      return;
    }
    if (!url.startsWith("jdbc:postgresql:")) {
      throw new BadInputException(
          "--db "
              + url
              + ": only PostgreSQL is supported (jdbc:postgresql://host:5432/db?user=..)");
    }
    cfg.setJdbcUrl(url);
    cfg.setJdbcDriver("org.postgresql.Driver");
    // The driver reads user and password from the URL; Camunda would otherwise send its "sa".
    cfg.setJdbcUsername(query(url, "user"));
    cfg.setJdbcPassword(query(url, "password"));
  }

  private static String query(String url, String key) {
    int q = url.indexOf('?');
    if (q < 0) {
      return null;
    }
    for (String kv : url.substring(q + 1).split("&")) {
      int eq = kv.indexOf('=');
      if (eq > 0 && kv.substring(0, eq).equals(key)) {
        return URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }
}
