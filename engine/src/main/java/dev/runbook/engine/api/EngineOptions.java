package dev.runbook.engine.api;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How to open the engine.
 *
 * @param home the runbook home: the H2 database and {@code runs/} live here
 * @param dbUrl a JDBC URL (PostgreSQL) for a shared engine database, or null for H2 in the home
 * @param runbooksDir extra BPMN files (a runbook here with a shipped id replaces it), or null
 * @param templatesDir command templates looked up before the built-ins, or null
 * @param extraSteps steps beyond those of the packs found on the classpath (tests)
 */
public record EngineOptions(
    Path home,
    String dbUrl,
    Path runbooksDir,
    Path templatesDir,
    List<Step<?, ?>> extraSteps,
    RunListener listener) {

  public EngineOptions {
    Objects.requireNonNull(home, "home");
    extraSteps = List.copyOf(extraSteps == null ? List.of() : extraSteps);
    listener = listener == null ? RunListener.NONE : listener;
  }

  public static EngineOptions of(Path home) {
    return new EngineOptions(home, null, null, null, List.of(), RunListener.NONE);
  }

  public EngineOptions withListener(RunListener l) {
    return new EngineOptions(home, dbUrl, runbooksDir, templatesDir, extraSteps, l);
  }

  public EngineOptions withDb(String url) {
    return new EngineOptions(home, url, runbooksDir, templatesDir, extraSteps, listener);
  }

  public EngineOptions withRunbooksDir(Path dir) {
    return new EngineOptions(home, dbUrl, dir, templatesDir, extraSteps, listener);
  }

  public EngineOptions withTemplatesDir(Path dir) {
    return new EngineOptions(home, dbUrl, runbooksDir, dir, extraSteps, listener);
  }
}
