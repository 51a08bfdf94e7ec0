package dev.runbook.engine.internal.run;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The open run sessions of one engine, by run id (the process instance's business key). The
 * engine's delegates and listeners are given this when the engine is configured, and find their run
 * here.
 */
final class Sessions {

  private final Map<String, RunSession> open = new ConcurrentHashMap<>();
  private volatile Function<String, RunSession> opener;

  /** How a run not open yet is opened: set once the engine exists (it opens from its records). */
  void opener(Function<String, RunSession> f) {
    opener = f;
  }

  /** The session of {@code runId}, opened from the engine's records when not open yet. */
  RunSession get(String runId) {
    return open.computeIfAbsent(
        runId,
        id -> {
          if (opener == null) {
            throw new IllegalStateException("the engine is not open yet");
          }
          return opener.apply(id);
        });
  }

  void put(RunSession s) {
    open.put(s.runId, s);
  }

  void closeAll() {
    open.values().forEach(RunSession::close);
    open.clear();
  }
}
