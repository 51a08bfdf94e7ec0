package dev.runbook.engine.internal.run;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The open run sessions of this engine process, by run id (the process instance's business key).
 * Delegates and listeners find their run here; one engine per JVM.
 */
public final class Sessions {

  private static final Map<String, RunSession> OPEN = new ConcurrentHashMap<>();
  private static volatile Function<String, RunSession> opener;

  private Sessions() {}

  static void opener(Function<String, RunSession> f) {
    opener = f;
  }

  /** The session of {@code runId}, opened from the engine's records when not open yet. */
  public static RunSession get(String runId) {
    return OPEN.computeIfAbsent(
        runId,
        id -> {
          if (opener == null) {
            throw new IllegalStateException("no engine is open in this process");
          }
          return opener.apply(id);
        });
  }

  static void put(RunSession s) {
    OPEN.put(s.runId, s);
  }

  static void closeAll() {
    OPEN.values().forEach(RunSession::close);
    OPEN.clear();
  }
}
