package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.RunbookInfo;
import dev.runbook.engine.api.Step;
import dev.runbook.engine.internal.catalog.Catalog;
import dev.runbook.engine.internal.evidence.HomeDir;
import dev.runbook.engine.internal.lint.BpmnLint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.ProcessEngineConfiguration;
import org.camunda.bpm.engine.impl.bpmn.parser.BpmnParseListener;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.cfg.StandaloneProcessEngineConfiguration;
import org.camunda.bpm.engine.impl.history.HistoryLevel;
import org.camunda.bpm.engine.repository.DeploymentBuilder;

/**
 * How the engine comes up: the steps and runbooks it knows, the lint that refuses a bad set, and
 * Camunda's configuration, boot and deployment. Nothing here knows a run.
 */
final class EngineBoot {

  private EngineBoot() {}

  /** The boot under way and the runbooks read and linted meanwhile. */
  record Opening(CompletableFuture<Booted> booted, Catalog catalog) {}

  /**
   * Starts the boot in a thread of its own, reads and lints the runbooks meanwhile, and deploys
   * them once the engine is built.
   */
  static Opening open(EngineOptions options, Map<String, Step<?, ?>> steps, Sessions sessions) {
    try {
      Files.createDirectories(HomeDir.ensure(options.home()).resolve("runs"));
    } catch (IOException e) {
      throw new BadInputException(
          "cannot create the runbook home " + options.home() + ": " + e.getMessage());
    }
    CompletableFuture<ProcessEngine> built = new CompletableFuture<>();
    Thread boot =
        new Thread(
            () -> {
              try {
                ProcessEngine engine = build(options, steps, sessions);
                // H2 made its files with the umask's mode (0644): they hold the run's variables.
                try {
                  HomeDir.tighten(options.home());
                } catch (IOException e) {
                  engine.close();
                  throw e;
                }
                built.complete(engine);
              } catch (Throwable t) {
                built.completeExceptionally(t);
              }
            },
            "engine-boot");
    boot.setDaemon(true);
    boot.start();
    Catalog catalog;
    try {
      catalog = catalog(options);
      lintAll(catalog, steps);
    } catch (RuntimeException e) {
      built.thenAccept(ProcessEngine::close).exceptionally(t -> null).join();
      throw e;
    }
    CompletableFuture<Booted> booted =
        built.thenApply(
            engine -> {
              try {
                whileServerExits(
                    () -> {
                      deploy(engine, catalog);
                      return null;
                    });
                return new Booted(
                    engine,
                    new ClusterLock(
                        ((ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration())
                            .getDataSource()));
              } catch (RuntimeException e) {
                engine.close();
                throw e;
              }
            });
    return new Opening(booted, catalog);
  }

  /**
   * The Camunda engine, booted and the runbooks deployed, and the cluster locks in its database.
   */
  record Booted(ProcessEngine engine, ClusterLock locks) {}

  /** All steps known: those of the packs on the classpath and the options' extra ones. */
  public static Map<String, Step<?, ?>> steps(EngineOptions options) {
    Map<String, Step<?, ?>> steps = new TreeMap<>();
    Catalog.packs().forEach(p -> p.steps().forEach(s -> steps.put(s.name(), s)));
    options.extraSteps().forEach(s -> steps.put(s.name(), s));
    return steps;
  }

  public static Catalog catalog(EngineOptions options) {
    return Catalog.load(Catalog.packs(), options.runbooksDir());
  }

  public static List<RunbookInfo> list(EngineOptions options) {
    return catalog(options).entries().stream().map(Catalog.Entry::info).toList();
  }

  public static List<String> lint(EngineOptions options) {
    return lint(catalog(options), steps(options));
  }

  private static List<String> lint(Catalog catalog, Map<String, Step<?, ?>> steps) {
    Map<String, Effect> effects = new HashMap<>();
    steps.forEach((n, s) -> effects.put(n, s.effect()));
    List<String> problems = new ArrayList<>();
    catalog.entries().forEach(e -> problems.addAll(BpmnLint.check(e, effects)));
    return problems;
  }

  /** Lints every runbook; problems of any of them refuse the whole set (nothing is deployed). */
  static void lintAll(Catalog catalog, Map<String, Step<?, ?>> steps) {
    List<String> problems = lint(catalog, steps);
    if (!problems.isEmpty()) {
      throw new BadInputException(
          "runbooks failed the BPMN lint; fix them:\n  " + String.join("\n  ", problems));
    }
  }

  /**
   * Builds the Camunda engine. With H2, the first process to open the file serves it to the others;
   * when that process exits while this one boots (a `run` ending as an `approve` starts), the
   * connection it served is closed under the boot. The next attempt reconnects, or serves the file
   * itself, so the boot tries again (a few times) instead of failing the person's command.
   */
  static ProcessEngine build(
      EngineOptions options, Map<String, Step<?, ?>> steps, Sessions sessions) {
    return whileServerExits(() -> configuration(options, steps, sessions).buildProcessEngine());
  }

  /**
   * Runs {@code work}, again (a few times) if the process serving the H2 file exited under it. Only
   * for work that is safe to repeat: the boot, and the deploy (one transaction, with duplicate
   * filtering), which run before this process drives anything.
   */
  static <T> T whileServerExits(java.util.function.Supplier<T> work) {
    for (int attempt = 1; ; attempt++) {
      try {
        return work.get();
      } catch (RuntimeException e) {
        if (attempt >= 3 || !servingProcessWentAway(e)) {
          throw e;
        }
      }
    }
  }

  /**
   * H2's DATABASE_CALLED_AT_SHUTDOWN (90121) or CONNECTION_BROKEN_1 (90067, "session closed"): the
   * process serving the file closed it, or exited, under a query of the boot. Both were seen in CI
   * when the serving process ended during the boot.
   */
  static boolean servingProcessWentAway(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof java.sql.SQLException sql
          && (sql.getErrorCode() == 90121 || sql.getErrorCode() == 90067)) {
        return true;
      }
    }
    return false;
  }

  static StandaloneProcessEngineConfiguration configuration(
      EngineOptions options, Map<String, Step<?, ?>> steps, Sessions sessions) {
    StandaloneProcessEngineConfiguration cfg =
        new StandaloneProcessEngineConfiguration() {
          @Override
          public HistoryLevel getDefaultHistoryLevel() {
            return HistoryLevel.HISTORY_LEVEL_NONE;
          }

          @Override
          protected java.io.InputStream getMyBatisXmlConfigurationSteam() {
            return Mappings.keepsHistory(getDataSource())
                ? super.getMyBatisXmlConfigurationSteam()
                : Mappings.withoutHistory();
          }
        };
    Database.configure(cfg, options);
    cfg.setDatabaseSchemaUpdate(ProcessEngineConfiguration.DB_SCHEMA_UPDATE_TRUE);
    cfg.setJobExecutorActivate(false);
    // Evidence is the run's record, not Camunda's history (ADR 3), and nothing reads the
    // history: a new home keeps none (the default level above). FULL wrote every variable change
    // and a job log row, about 2 ms per step; ACTIVITY still wrote an activity row and its
    // indexes on every commit (bench/step-overhead). AUTO: a home made by an earlier version
    // keeps its level, as Camunda refuses to open a database with another one, and its runs
    // waiting at gates must go on.
    cfg.setHistory(ProcessEngineConfiguration.HISTORY_AUTO);
    cfg.setMetricsEnabled(false);
    cfg.setDbMetricsReporterActivate(false);
    cfg.setEnforceHistoryTimeToLive(true);
    // An error no boundary event catches must stop the run, not end it quietly.
    cfg.setEnableExceptionsAfterUnhandledBpmnError(true);
    cfg.setProcessEngineName("runbook");
    Map<Object, Object> beans = new HashMap<>();
    steps.forEach((name, step) -> beans.put(name, new StepDelegate(step, sessions)));
    cfg.setBeans(beans);
    List<BpmnParseListener> listeners = new ArrayList<>();
    listeners.add(new RunbookParseListener(sessions));
    cfg.setCustomPostBPMNParseListeners(listeners);
    return cfg;
  }

  static void deploy(ProcessEngine engine, Catalog catalog) {
    if (catalog.entries().isEmpty()) {
      return;
    }
    DeploymentBuilder d =
        engine
            .getRepositoryService()
            .createDeployment()
            .name("runbooks")
            .enableDuplicateFiltering(true);
    catalog
        .entries()
        .forEach(e -> d.addString(e.id() + ".bpmn", new String(e.bpmn(), StandardCharsets.UTF_8)));
    d.deploy();
  }
}
