package dev.runbook.engine.api;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * How to open the engine.
 *
 * @param home the runbook home: the H2 database and {@code runs/} live here
 * @param dbUrl a JDBC URL (PostgreSQL) for a shared engine database, or null for H2 in the home
 * @param runbooksDir extra BPMN files (a runbook here with a shipped id replaces it), or null
 * @param templatesDir command templates looked up before the built-ins, or null
 * @param extraSteps steps beyond those of the packs found on the classpath (tests)
 * @param shells how runs reach the nodes: null for SSH with strict host-key checking (always, in
 *     the product); tests of the engine pass a scripted shell
 */
public record EngineOptions(
    Path home,
    String dbUrl,
    Path runbooksDir,
    Path templatesDir,
    List<Step<?, ?>> extraSteps,
    RunListener listener,
    Function<Inventory, RemoteShell> shells) {

  public EngineOptions {
    Objects.requireNonNull(home, "home");
    extraSteps = List.copyOf(extraSteps == null ? List.of() : extraSteps);
    listener = listener == null ? RunListener.NONE : listener;
  }

  public EngineOptions(
      Path home,
      String dbUrl,
      Path runbooksDir,
      Path templatesDir,
      List<Step<?, ?>> extraSteps,
      RunListener listener) {
    this(home, dbUrl, runbooksDir, templatesDir, extraSteps, listener, null);
  }

  /** Runs reach the nodes through {@code shells} instead of SSH (engine tests). */
  public EngineOptions withShells(Function<Inventory, RemoteShell> f) {
    return new EngineOptions(home, dbUrl, runbooksDir, templatesDir, extraSteps, listener, f);
  }

  public static EngineOptions of(Path home) {
    return new EngineOptions(home, null, null, null, List.of(), RunListener.NONE);
  }

  public EngineOptions withListener(RunListener l) {
    return new EngineOptions(home, dbUrl, runbooksDir, templatesDir, extraSteps, l, shells);
  }

  public EngineOptions withDb(String url) {
    return new EngineOptions(home, url, runbooksDir, templatesDir, extraSteps, listener, shells);
  }

  public EngineOptions withRunbooksDir(Path dir) {
    return new EngineOptions(home, dbUrl, dir, templatesDir, extraSteps, listener, shells);
  }

  public EngineOptions withTemplatesDir(Path dir) {
    return new EngineOptions(home, dbUrl, runbooksDir, dir, extraSteps, listener, shells);
  }
}
