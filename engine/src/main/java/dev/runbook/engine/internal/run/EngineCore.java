package dev.runbook.engine.internal.run;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.Identity;
import dev.runbook.engine.api.IdentityException;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.Refusal;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunState;
import dev.runbook.engine.api.RunbookInfo;
import dev.runbook.engine.api.Step;
import dev.runbook.engine.internal.catalog.AbortPath;
import dev.runbook.engine.internal.catalog.Catalog;
import dev.runbook.engine.internal.catalog.Gates;
import dev.runbook.engine.internal.catalog.ParameterType;
import dev.runbook.engine.internal.evidence.EngineKey;
import dev.runbook.engine.internal.evidence.EvidenceJournal;
import dev.runbook.engine.internal.evidence.HomeDir;
import dev.runbook.engine.internal.evidence.Redactor;
import dev.runbook.engine.internal.lint.BpmnLint;
import dev.runbook.engine.internal.plan.Plan;
import dev.runbook.engine.internal.plan.PlanDiff;
import dev.runbook.engine.internal.plan.PlanStore;
import dev.runbook.engine.internal.plan.Planner;
import dev.runbook.engine.internal.template.TemplateRenderer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.ProcessEngineConfiguration;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.impl.bpmn.parser.BpmnParseListener;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.cfg.StandaloneProcessEngineConfiguration;
import org.camunda.bpm.engine.impl.history.HistoryLevel;
import org.camunda.bpm.engine.management.JobDefinition;
import org.camunda.bpm.engine.repository.DeploymentBuilder;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.task.Task;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.BoundaryEvent;
import org.camunda.bpm.model.bpmn.instance.UserTask;

/**
 * The embedded Camunda engine and the runbook operations on it. Jobs are executed by the calling
 * process, one at a time, until the run needs a person (a gate), ends, or fails; the job executor
 * stays off so that a CLI command does its work and exits.
 */
public final class EngineCore implements AutoCloseable {

  /** The process variable holding the hash of the plan the run is bound to. */
  static final String PLAN_VARIABLE = "planSha256";

  private static final Pattern PARAM_NAME = Pattern.compile("[a-z][A-Za-z0-9]*");
  static final String RECONCILE = "reconcile";

  /** The action a person signs to end a run without its abort path (a plain abort is "abort"). */
  static final String ABORT_NO_ROLLBACK = "abort-no-rollback";

  private final EngineOptions options;
  private final CompletableFuture<Booted> boot;
  private final Catalog catalog;
  private final Map<String, Step<?, ?>> steps;
  private final Map<Path, DriverLock> driverLocks = new java.util.concurrent.ConcurrentHashMap<>();
  private final TemplateRenderer templates;

  private EngineCore(
      EngineOptions options,
      CompletableFuture<Booted> boot,
      Catalog catalog,
      Map<String, Step<?, ?>> steps) {
    this.options = options;
    this.boot = boot;
    this.catalog = catalog;
    this.steps = steps;
    this.templates = new TemplateRenderer(options.templatesDir());
  }

  /**
   * The Camunda engine, booted and the runbooks deployed, and the cluster locks in its database.
   */
  private record Booted(ProcessEngine engine, ClusterLock locks) {}

  /** Waits for the boot started by {@link #open}; its failure is thrown here, as it was thrown. */
  private Booted booted() {
    try {
      return boot.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  private ProcessEngine engine() {
    return booted().engine();
  }

  private ClusterLock locks() {
    return booted().locks();
  }

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
   * Opens the engine. Camunda's boot (MyBatis parsing its mappings, H2, the schema check) is most
   * of a command's start-up and needs neither the runbooks nor the inventory: it runs in a thread
   * of its own while this thread reads and lints the runbooks and, in {@link #start}, loads the
   * inventory and plans the run, which need no engine either. The first use of the engine waits for
   * the boot (bench/snapshot-small).
   */
  /**
   * Builds the Camunda engine. With H2, the first process to open the file serves it to the others;
   * when that process exits while this one boots (a `run` ending as an `approve` starts), the
   * connection it served is closed under the boot. The next attempt reconnects, or serves the file
   * itself, so the boot tries again (a few times) instead of failing the person's command.
   */
  private static ProcessEngine build(EngineOptions options, Map<String, Step<?, ?>> steps) {
    return whileServerExits(() -> configuration(options, steps).buildProcessEngine());
  }

  /**
   * Runs {@code work}, again (a few times) if the process serving the H2 file exited under it. Only
   * for work that is safe to repeat: the boot, and the deploy (one transaction, with duplicate
   * filtering), which run before this process drives anything.
   */
  private static <T> T whileServerExits(java.util.function.Supplier<T> work) {
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
  private static boolean servingProcessWentAway(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof java.sql.SQLException sql
          && (sql.getErrorCode() == 90121 || sql.getErrorCode() == 90067)) {
        return true;
      }
    }
    return false;
  }

  public static EngineCore open(EngineOptions options) {
    Map<String, Step<?, ?>> steps = steps(options);
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
                ProcessEngine engine = build(options, steps);
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
    EngineCore core = new EngineCore(options, booted, catalog, steps);
    Sessions.opener(core::openSession);
    return core;
  }

  private static StandaloneProcessEngineConfiguration configuration(
      EngineOptions options, Map<String, Step<?, ?>> steps) {
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
    steps.forEach((name, step) -> beans.put(name, new StepDelegate(step)));
    cfg.setBeans(beans);
    List<BpmnParseListener> listeners = new ArrayList<>();
    listeners.add(new RunbookParseListener());
    cfg.setCustomPostBPMNParseListeners(listeners);
    return cfg;
  }

  private static void deploy(ProcessEngine engine, Catalog catalog) {
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

  // ---- start -----------------------------------------------------------------------------

  public RunOutcome start(
      String runbook,
      Path inventoryFile,
      Map<String, String> given,
      String startedBy,
      String approvedPlan,
      Identity identity) {
    Catalog.Entry entry = catalog.get(runbook);
    Inventory inventory = Inventory.load(inventoryFile);
    Map<String, String> params = parameters(entry, given);
    requireName(startedBy, "--as");
    Attestor.requireApprovalSection(inventory);
    Plan plan = bindPlan(entry, inventory, params, approvedPlan);
    String runId = newRunId();
    // Verified before anything is made: a refused start leaves no run (so nowhere to record it).
    Attestor.Attested who =
        Attestor.attest(
            inventory,
            dev.runbook.engine.internal.evidence.EvidenceReader.Chain.EMPTY,
            new Attestor.Expected("run", runId, "", plan.sha256(), "", "", startedBy),
            identity,
            Instant.now(),
            null);
    Path runDir = runDir(runId);
    locks().acquire(inventory.cluster(), runId, startedBy, this::alive);
    RunSession session = null;
    try {
      holdDriverLock(runDir);
      session =
          new RunSession(
              runId,
              null,
              entry,
              inventory,
              params,
              startedBy,
              runDir,
              openJournal(runDir, redactor(inventory, entry, params)),
              templates,
              options.listener(),
              Sealer.of(options.home(), runId));
      shells(session);
      session.bind(
          plan, steps, redactor(inventory, entry, params), secretDigest(options.home()), true);
      Sessions.put(session);
      session.emit(
          new RunEvent.RunStarted(
              runId,
              entry.id(),
              inventory.cluster(),
              startedBy,
              params,
              inventory.source().toString(),
              sha256(inventory.source()),
              plan.sha256(),
              inventory.approval().identity(),
              inventory.approval().allowedSigners() == null
                  ? null
                  : inventory.approval().allowedSigners().toString(),
              inventory.approval().allowedSignersSha256()));
      session.emit(
          new RunEvent.RunPinned(
              entry.id(), plan.runbookSha256(), EngineVersion.get(), plan.templates()));
      recordVerified(session, who);
      session.artifact("plan.json", PlanStore.pretty(plan).getBytes(StandardCharsets.UTF_8));
      // Secret parameters reach the engine database sealed only; the session has them in clear.
      Map<String, Object> vars = new LinkedHashMap<>(params);
      for (RunbookInfo.Parameter p : entry.parameters()) {
        if (p.secret() && params.get(p.name()) != null) {
          vars.put(p.name(), session.sealer.seal(p.name(), params.get(p.name())));
        }
      }
      vars.put("runId", runId);
      vars.put("cluster", inventory.cluster());
      vars.put("startedBy", startedBy);
      vars.put("inventoryPath", inventory.source().toString());
      vars.put("inventorySha256", sha256(inventory.source()));
      vars.put(PLAN_VARIABLE, plan.sha256());
      ProcessInstance pi =
          engine().getRuntimeService().startProcessInstanceByKey(entry.id(), runId, vars);
      session.processInstanceId = pi.getId();
      return drive(session);
    } catch (RuntimeException e) {
      if (session == null || session.processInstanceId == null) {
        if (session != null) {
          session.nodeLock.releaseAll();
        }
        locks().release(inventory.cluster(), runId);
      }
      throw e;
    } finally {
      Sessions.closeAll();
    }
  }

  /**
   * The plan the run is bound to: the approved one (which must be what this run would do, or the
   * run is refused before anything runs, with the difference), or the run's own plan when none was
   * approved. Kept in the home by hash, where gates and the per-step check find it.
   */
  /** SSH with strict host keys, or what the engine was opened with (tests). */
  private static dev.runbook.engine.api.RemoteShell shellFor(
      EngineOptions options, Inventory inventory) {
    return options.shells() == null
        ? new dev.runbook.engine.internal.ssh.SshRemoteShell(inventory)
        : options.shells().apply(inventory);
  }

  private void shells(RunSession s) {
    if (options.shells() != null) {
      s.shells(options.shells());
    }
  }

  private Plan bindPlan(
      Catalog.Entry entry, Inventory inventory, Map<String, String> params, String approvedHash) {
    Plan approved = approvedHash == null ? null : PlanStore.load(options.home(), approvedHash);
    if (approved != null && !approved.incomplete().isEmpty()) {
      throw new BadInputException(
          "plan "
              + approved.sha256()
              + " does not show everything its steps would send ("
              + approved.incomplete().stream().map(Plan.Entry::id).toList()
              + "): a run sends only what its plan shows, so it cannot be bound to this one;"
              + " nothing was run. Make the plan with --probe and approve that one.");
    }
    Function<Planner.Reader, Plan> planner =
        reader ->
            Planner.plan(
                entry,
                steps,
                inventory,
                params,
                templates,
                reader,
                redactor(inventory, entry, params),
                secretDigest(options.home()));
    Plan own =
        planner.apply(approved == null ? Planner.Reader.NONE : Planner.Reader.replay(approved));
    if (approved == null && !own.incomplete().isEmpty()) {
      // The run's own plan must show every command it will allow: read the nodes as a probed plan
      // does (read-only commands only), over the run's own strict-host-key connections.
      try (dev.runbook.engine.api.RemoteShell shell = shellFor(options, inventory)) {
        own = planner.apply(dev.runbook.engine.internal.plan.Probe.over(shell));
      }
    }
    if (approved != null && !approved.sha256().equals(own.sha256())) {
      throw new BadInputException(
          "this run would not do what plan "
              + approved.sha256()
              + " says; nothing was run. What differs (- approved, + this run):\n"
              + PlanDiff.of(approved, own));
    }
    PlanStore.save(options.home(), own);
    return own;
  }

  /** Plans a run without starting it; with {@code probe}, reads the nodes (read-only). */
  /**
   * What {@link #start} refuses before it makes anything, checked without the engine: so a run with
   * a bad inventory or parameter leaves no database, no runs dir and no lock behind.
   */
  public static void check(
      EngineOptions options,
      String runbook,
      Path inventoryFile,
      Map<String, String> given,
      String startedBy) {
    Catalog.Entry entry = catalog(options).get(runbook);
    Attestor.requireApprovalSection(Inventory.load(inventoryFile));
    parameters(entry, given);
    requireName(startedBy, "--as");
  }

  public static Plan plan(
      EngineOptions options,
      String runbook,
      Path inventoryFile,
      Map<String, String> given,
      boolean probe) {
    Catalog.Entry entry = catalog(options).get(runbook);
    Inventory inventory = Inventory.load(inventoryFile);
    Map<String, String> params = parameters(entry, given);
    Function<Planner.Reader, Plan> planner =
        reader ->
            Planner.plan(
                entry,
                steps(options),
                inventory,
                params,
                new TemplateRenderer(options.templatesDir()),
                reader,
                redactor(inventory, entry, params),
                secretDigest(options.home()));
    Plan plan;
    if (probe) {
      try (dev.runbook.engine.api.RemoteShell shell = shellFor(options, inventory)) {
        plan = planner.apply(dev.runbook.engine.internal.plan.Probe.over(shell));
      }
    } else {
      plan = planner.apply(Planner.Reader.NONE);
    }
    PlanStore.save(options.home(), plan);
    return plan;
  }

  static Map<String, String> parameters(Catalog.Entry entry, Map<String, String> given) {
    Map<String, RunbookInfo.Parameter> declared = new LinkedHashMap<>();
    entry.parameters().forEach(p -> declared.put(p.name(), p));
    Map<String, ParameterType.Spec> specs = entry.parameterSpecs();
    List<String> problems = new ArrayList<>();
    for (String name : given.keySet()) {
      if (!declared.containsKey(name)) {
        problems.add(
            "parameter '"
                + name
                + "' is not declared by runbook "
                + entry.id()
                + "; it declares "
                + declared.keySet()
                + " (runbook list)");
      }
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (RunbookInfo.Parameter p : declared.values()) {
      if (!PARAM_NAME.matcher(p.name()).matches()) {
        problems.add(
            "runbook " + entry.id() + " declares a parameter with a bad name: " + p.name());
      }
      String v = given.getOrDefault(p.name(), p.defaultValue());
      if (v == null || (v.isEmpty() && !"".equals(p.defaultValue()))) {
        if (p.required() || v != null) {
          problems.add(
              "parameter '"
                  + p.name()
                  + "' "
                  + (v == null ? "is required" : "must not be empty")
                  + ": -p "
                  + p.name()
                  + "=... ("
                  + p.documentation()
                  + ")");
        }
        continue;
      }
      // An empty value where the default is empty means "not used"; anything else has its type.
      ParameterType.Spec spec = specs.get(p.name());
      if (!v.isEmpty() && spec != null) {
        spec.problem(v, p.secret())
            .ifPresent(
                why ->
                    problems.add(
                        "parameter '" + p.name() + "' must be " + spec.describe() + ": " + why));
      }
      params.put(p.name(), v);
    }
    if (!problems.isEmpty()) {
      throw new BadInputException(String.join("\n", problems));
    }
    return params;
  }

  /** Refuses an approval stating another plan than the one the run is bound to. */
  private static void requireReviewedPlan(RunSession s, String reviewed) {
    if (reviewed == null) {
      return;
    }
    String bound = s.planSha256();
    if (bound == null) {
      throw new BadInputException(
          "run "
              + s.runId
              + " started before runs were bound to plans: there is no plan to match --plan"
              + " against; nothing was approved");
    }
    String r = reviewed.strip().toLowerCase(java.util.Locale.ROOT);
    if (r.length() < 12 || !r.matches("[0-9a-f]+")) {
      throw new BadInputException(
          "--plan takes the plan's SHA-256 (64 hex digits, or at least its first 12), not '"
              + reviewed
              + "'; nothing was approved");
    }
    if (!bound.startsWith(r)) {
      throw new BadInputException(
          "you reviewed plan "
              + reviewed
              + ", but run "
              + s.runId
              + " is bound to plan "
              + bound
              + ": nothing was approved. Review that plan (plan.json in the run's evidence,"
              + " `runbook show "
              + s.runId
              + "`) before approving it");
    }
  }

  /** How plans in this home record secret parameters: keyed by the home's engine key. */
  static dev.runbook.engine.internal.plan.SecretDigest secretDigest(Path home) {
    try {
      return dev.runbook.engine.internal.plan.SecretDigest.of(
          dev.runbook.engine.internal.evidence.EngineKey.loadOrCreate(home)
              .derive("plan secret parameters"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Redactor redactor(Inventory inventory, Catalog.Entry entry, Map<String, String> params) {
    Set<String> secrets = new java.util.HashSet<>();
    for (RunbookInfo.Parameter p : entry.parameters()) {
      if (p.secret() && params.get(p.name()) != null) {
        secrets.add(params.get(p.name()));
      }
    }
    return Redactor.of(secrets, inventory.secretPatterns());
  }

  /**
   * The statement a person signs elsewhere for an action on a run, read from the run's evidence (no
   * engine needed).
   */
  public static String statement(
      EngineOptions options, String runId, String action, String gate, String by, String comment) {
    return statement(options, runId, action, gate, null, by, comment);
  }

  /** The statement to break {@code holder}'s lock on {@code node}, for {@link #unlock}. */
  public static String unlockStatement(
      EngineOptions options, String runId, String node, String holder, String by, String comment) {
    return statement(options, runId, NodeLock.BREAK, node, holder, by, comment);
  }

  private static String statement(
      EngineOptions options,
      String runId,
      String action,
      String gate,
      String holder,
      String by,
      String comment) {
    requireName(by, "--as");
    Path runDir = options.home().resolve("runs").resolve(runId);
    if (!RUN_ID.matcher(runId).matches() || !Files.isDirectory(runDir)) {
      throw new BadInputException(
          "unknown run '" + runId + "': `runbook status` lists the runs in " + options.home());
    }
    try {
      return Attestor.statement(
              runId,
              dev.runbook.engine.internal.evidence.EvidenceReader.chain(runDir),
              action,
              gate,
              holder,
              by,
              comment,
              Instant.now())
          .text();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the evidence of run " + runId, e);
    }
  }

  // ---- the gates -------------------------------------------------------------------------

  /** The statement a person signs for an action on a run, with what it binds. */
  private Attestor.Attested attest(
      RunSession s,
      String action,
      String gate,
      String decision,
      String comment,
      String by,
      Identity identity) {
    return Attestor.attest(
        s.inventory,
        s.chain(),
        new Attestor.Expected(action, s.runId, gate, s.planSha256(), decision, comment, by),
        identity,
        Instant.now(),
        s::emit);
  }

  /** Refuses a person's action for a gate rule, recording the attempt in the run's evidence. */
  private static IdentityException refuse(
      RunSession s, Attestor.Attested who, String gate, Refusal reason, String message) {
    s.emit(
        new RunEvent.StatementRefused(
            "approve", gate, who.principal(), who.keyFingerprint(), reason, message));
    return new IdentityException(reason, message);
  }

  /**
   * Records a verified statement, after a copy of the allowed-signers file it was checked against
   * when the run has none yet: the evidence alone then shows whose key was whose.
   */
  private static void recordVerified(RunSession s, Attestor.Attested who) {
    if (who.event() != null) {
      if (who.signers() != null) {
        s.keepAllowedSigners(who.signers().bytes());
      }
      s.emit(who.event());
    }
  }

  public RunOutcome approve(
      String runId, String gate, String by, String comment, Identity identity) {
    return approve(runId, gate, by, comment, identity, null);
  }

  /**
   * @param reviewedPlan the plan hash (or its first 12+ characters) the approver says they
   *     reviewed, or null: another plan than the run's is refused before anything is recorded
   */
  public RunOutcome approve(
      String runId,
      String gate,
      String by,
      String comment,
      Identity identity,
      String reviewedPlan) {
    requireName(by, "--as");
    return withRun(
        runId,
        s -> {
          requireReviewedPlan(s, reviewedPlan);
          if (recover(s)) {
            // The gate was decided already (the evidence says so): go on as that decision did.
            return drive(s);
          }
          fireDueTimers(s);
          settle(s); // the gate is announced in the evidence before anyone's decision on it
          if (reconcilePending(s) != null && (gate == null || gate.equals(RECONCILE))) {
            return approveReconcile(s, by, comment, identity);
          }
          if (gate != null && !pending(s, gate) && gateModel(s, gate) != null) {
            return approveAhead(s, gateModel(s, gate), by, comment, identity);
          }
          Task task = pendingTask(s, gate);
          UserTask model = s.runbook.model().getModelElementById(task.getTaskDefinitionKey());
          Gates.Rules rules = Gates.rules(model);
          Attestor.Attested who =
              attest(s, "approve", model.getId(), "approved", comment, by, identity);
          List<String> approvals = approvals(s, task);
          checkApprover(s, who, model, rules, by, approvals);
          approvals.add(by);
          recordVerified(s, who);
          s.emit(
              new RunEvent.GateDecision(
                  model.getId(),
                  model.getName(),
                  "approved",
                  by,
                  rules.role(),
                  comment,
                  s.planSha256(),
                  approvals.size(),
                  rules.approvers(),
                  who.keyFingerprint()));
          if (approvals.size() >= rules.approvers()) {
            engine().getTaskService().complete(task.getId());
            return drive(s);
          }
          return settle(s);
        });
  }

  public RunOutcome reject(
      String runId, String gate, String by, String comment, Identity identity) {
    requireName(by, "--as");
    if (comment == null || comment.isBlank()) {
      throw new BadInputException("a rejection needs a comment: --comment \"why\"");
    }
    return withRun(
        runId,
        s -> {
          if (recover(s)) {
            throw new BadInputException(
                "run "
                    + s.runId
                    + "'s gate was decided already: the evidence records it (see above), and the"
                    + " engine's database, which had lost it, now holds it too. Nothing was"
                    + " rejected. To stop the run: `runbook abort "
                    + s.runId
                    + " --as NAME --comment WHY`");
          }
          fireDueTimers(s);
          settle(s); // the gate is announced in the evidence before anyone's decision on it
          String reconcile = reconcilePending(s);
          if (reconcile != null && (gate == null || gate.equals(RECONCILE))) {
            // Rejecting a reconcile ends the run as an abort does: past a DESTRUCTIVE step by the
            // runbook's abort path. The statement is verified first (a refused one is recorded);
            // where an abort would be refused, nothing is recorded of the verified statement.
            Attestor.Attested who =
                attest(s, "reject", RECONCILE, "rejected", comment, by, identity);
            Abort how = abortKind(s, false, false);
            recordVerified(s, who);
            s.emit(
                new RunEvent.GateDecision(
                    reconcile,
                    RECONCILE,
                    "rejected",
                    by,
                    null,
                    comment,
                    s.planSha256(),
                    0,
                    1,
                    who.keyFingerprint()));
            return abortRun(s, by, "reconcile rejected: " + comment, how);
          }
          Task task = pendingTask(s, gate);
          UserTask model = s.runbook.model().getModelElementById(task.getTaskDefinitionKey());
          Gates.Rules rules = Gates.rules(model);
          Attestor.Attested who =
              attest(s, "reject", model.getId(), "rejected", comment, by, identity);
          recordVerified(s, who);
          s.emit(
              new RunEvent.GateDecision(
                  model.getId(),
                  model.getName(),
                  "rejected",
                  by,
                  null,
                  comment,
                  s.planSha256(),
                  approvals(s, task).size(),
                  rules.approvers(),
                  who.keyFingerprint()));
          engine().getTaskService().handleBpmnError(task.getId(), "GATE_REJECTED", comment);
          return drive(s);
        });
  }

  public RunOutcome resume(String runId, String by, Identity identity) {
    requireName(by, "--as");
    return withRun(
        runId,
        s -> {
          recover(s);
          recordVerified(s, attest(s, "resume", "", "", "", by, identity));
          s.emit(new RunEvent.RunResumed(by));
          retryFailedJobs(s);
          return drive(s);
        });
  }

  /**
   * Breaks the node lock of another run ({@code holder}) on {@code node}, as {@code by}: for a lock
   * whose run is gone (its engine host died, its home was lost), which refused this run. A signed,
   * recorded action of a person (statement action {@value NodeLock#BREAK}, gate the node, decision
   * {@code break HOLDER}); the node's lock is removed only if it still names {@code holder}. The
   * run stays where it is: resume takes the lock.
   */
  public RunOutcome unlock(
      String runId, String node, String holder, String by, String comment, Identity identity) {
    requireName(by, "--as");
    if (comment == null || comment.isBlank()) {
      throw new BadInputException(
          "breaking a node lock removes another run's claim on the node: say how you know run "
              + holder
              + " is gone with --comment");
    }
    if (holder == null || !RUN_ID.matcher(holder).matches()) {
      throw new BadInputException(
          "--holder must be the run id the node's lock names (8 hex digits, as the refusal"
              + " said), not '"
              + holder
              + "'");
    }
    return withRun(
        runId,
        s -> {
          recover(s);
          if (s.inventory.member(node).isEmpty()) {
            throw new BadInputException(
                "no member '"
                    + node
                    + "' in inventory "
                    + s.inventory.source()
                    + ": its members are "
                    + s.inventory.members().stream().map(Inventory.Member::name).toList());
          }
          if (holder.equals(s.runId)) {
            throw new BadInputException(
                "that is run " + s.runId + "'s own lock: it goes when the run ends");
          }
          requireDecider(s, by, node);
          recordVerified(
              s,
              attest(
                  s, NodeLock.BREAK, node, NodeLock.breakDecision(holder), comment, by, identity));
          String message = s.nodeLock.breakLock(node, holder, by, comment);
          RunOutcome now = settle(s);
          return new RunOutcome(now.runId(), now.state(), s.redact(message), null);
        });
  }

  public RunOutcome abort(
      String runId,
      String by,
      String comment,
      boolean noRollback,
      boolean confirmed,
      Identity identity) {
    requireName(by, "--as");
    if (comment == null || comment.isBlank()) {
      throw new BadInputException("an abort needs a comment: --comment \"why\"");
    }
    return withRun(
        runId,
        s -> {
          recover(s);
          // A plain abort's statement cannot be used to skip the rollback: it is another action.
          Attestor.Attested who =
              attest(s, noRollback ? ABORT_NO_ROLLBACK : "abort", "", "", comment, by, identity);
          Abort how = abortKind(s, noRollback, confirmed);
          if (how == Abort.NO_ROLLBACK && !s.inventory.approval().unsigned()) {
            String first = askedWithoutRollback(s, by);
            if (first == null) {
              recordVerified(s, who);
              return askSecondPerson(s, by, comment);
            }
            recordVerified(s, who);
            return abortRun(s, by, comment + " (asked first by " + first + ")", how);
          }
          recordVerified(s, who);
          return abortRun(s, by, comment, how);
        });
  }

  /**
   * Who asked to end the run without rollback since it last moved (no step, decision or resume
   * after the ask), other than {@code by}; null if nobody did.
   *
   * @throws BadInputException if {@code by} asked already: a second person must
   */
  private static String askedWithoutRollback(RunSession s, String by) {
    JsonNode asked = dev.runbook.engine.internal.evidence.EvidenceReader.abortAsked(s.evidence());
    if (asked == null) {
      return null;
    }
    String first = asked.path("by").asText();
    if (first.equals(by)) {
      throw new BadInputException(
          by
              + " asked already (at "
              + asked.path("at").asText()
              + ") to end run "
              + s.runId
              + " without rollback: a second person must ask it too, with their own signed"
              + " `runbook abort "
              + s.runId
              + " --as NAME --comment WHY --no-rollback --confirm`. Nothing was changed.");
    }
    return first;
  }

  /** Records the first person's ask to end without rollback; the run stays as it is. */
  private RunOutcome askSecondPerson(RunSession s, String by, String comment) {
    List<String> left = WhatIsLeft.lines(s.evidence(), s.runbook.model());
    s.emit(new RunEvent.AbortNoRollbackAsked(by, comment, left));
    RunOutcome now = settle(s);
    String message =
        "ending it without rollback was asked by "
            + by
            + " and needs a second person, so nothing was changed yet: another person ends it"
            + " with `runbook abort "
            + s.runId
            + " --as NAME --comment WHY --no-rollback --confirm`, leaving:\n"
            + leftText(left)
            + "\nor the run goes on (approve, resume, or a plain abort to roll back), which"
            + " withdraws the ask";
    return new RunOutcome(now.runId(), now.state(), s.redact(message), null);
  }

  /** How an abort ends a run. */
  private enum Abort {
    /** No DESTRUCTIVE step started: nothing to undo, the run ends now. */
    NOTHING_TO_UNDO,
    /** The runbook's abort path runs; the run and its cluster lock end when it ends. */
    ROLL_BACK,
    /** Past a DESTRUCTIVE step, ended now as asked and confirmed, leaving what is left. */
    NO_ROLLBACK
  }

  /**
   * Decides how an abort of {@code s} goes, or refuses it before anything is recorded: past a
   * DESTRUCTIVE step a run ends only by the runbook's abort path, or by {@code --no-rollback} with
   * {@code --confirm}.
   */
  private Abort abortKind(RunSession s, boolean noRollback, boolean confirmed) {
    List<JsonNode> evidence = s.evidence();
    List<String> destructive = WhatIsLeft.destructiveStarted(evidence);
    if (destructive.isEmpty()) {
      return Abort.NOTHING_TO_UNDO;
    }
    String left = leftText(WhatIsLeft.lines(evidence, s.runbook.model()));
    if (noRollback) {
      if (!confirmed) {
        // Signed, the person signed abort-no-rollback already; the confirmation says they read
        // what is left. A signed run then also needs a second person (askedWithoutRollback).
        throw new BadInputException(
            "run "
                + s.runId
                + " is past DESTRUCTIVE step(s) "
                + destructive
                + "; ending it without rollback leaves:\n"
                + left
                + "\nNothing was changed. If that is what you want, say so: add --confirm.");
      }
      return Abort.NO_ROLLBACK;
    }
    java.util.Optional<org.camunda.bpm.model.bpmn.instance.SubProcess> path =
        AbortPath.of(s.runbook.process());
    String noRollbackHint =
        "`runbook abort "
            + s.runId
            + " --as NAME --comment WHY --no-rollback --confirm` ends it and leaves that as it is.";
    if (path.isEmpty()) {
      throw new BadInputException(
          "run "
              + s.runId
              + " is past DESTRUCTIVE step(s) "
              + destructive
              + " and runbook "
              + s.runbook.id()
              + " models no abort path (an event subprocess started by the message '"
              + AbortPath.MESSAGE
              + "', docs/engine.md), so an abort cannot undo what it did:\n"
              + left
              + "\nNothing was changed. Finish the run (approve, resume), or "
              + noRollbackHint);
    }
    if (inAbortPath(s)) {
      throw new BadInputException(
          "run "
              + s.runId
              + " is already rolling back after an abort; its cluster stays locked until that"
              + " ends. `runbook resume "
              + s.runId
              + " --as NAME` tries a failed rollback step again; "
              + noRollbackHint
              + " What the run changed:\n"
              + left);
    }
    return Abort.ROLL_BACK;
  }

  private static String leftText(List<String> lines) {
    return lines.isEmpty() ? "  nothing" : "  - " + String.join("\n  - ", lines);
  }

  /** Whether the run is on its runbook's abort path (the abort path's scope is active). */
  private boolean inAbortPath(RunSession s) {
    return AbortPath.of(s.runbook.process())
        .map(
            sp -> {
              org.camunda.bpm.engine.runtime.ActivityInstance tree =
                  engine().getRuntimeService().getActivityInstance(s.processInstanceId);
              return tree != null && tree.getActivityInstances(sp.getId()).length > 0;
            })
        .orElse(false);
  }

  private RunOutcome abortRun(RunSession s, String by, String comment, Abort how) {
    List<String> left = WhatIsLeft.lines(s.evidence(), s.runbook.model());
    if (how == Abort.ROLL_BACK) {
      s.emit(new RunEvent.AbortRequested(by, comment, true, left));
      engine()
          .getRuntimeService()
          .createMessageCorrelation(AbortPath.MESSAGE)
          .processInstanceId(s.processInstanceId)
          .correlateWithResult();
      return drive(s);
    }
    s.emit(new RunEvent.AbortRequested(by, comment, false, left));
    engine()
        .getRuntimeService()
        .deleteProcessInstance(s.processInstanceId, "aborted by " + by + ": " + comment, true);
    String message =
        how == Abort.NO_ROLLBACK
            ? "aborted without rollback by "
                + by
                + ": "
                + comment
                + "; left as it is:\n"
                + leftText(left)
            : "aborted by " + by + ": " + comment;
    s.nodeLock.releaseAll();
    s.emit(new RunEvent.RunEnded(RunState.ABORTED.label(), message, by));
    locks().release(s.inventory.cluster(), s.runId);
    return new RunOutcome(s.runId, RunState.ABORTED, s.redact(message), null);
  }

  private RunOutcome approveReconcile(RunSession s, String by, String comment, Identity identity) {
    if (comment == null || comment.isBlank()) {
      throw new BadInputException(
          "approving a reconcile re-runs a step that may have run: say what you checked with --comment");
    }
    Attestor.Attested who = attest(s, "approve", RECONCILE, "approved", comment, by, identity);
    if (by.equals(s.startedBy)) {
      throw refuse(
          s,
          who,
          RECONCILE,
          Refusal.STARTER_FORBIDDEN,
          by + " started run " + s.runId + "; a reconcile needs someone else to check the host");
    }
    String activity = reconcilePending(s);
    recordVerified(s, who);
    s.emit(
        new RunEvent.GateDecision(
            activity,
            RECONCILE,
            "approved",
            by,
            null,
            comment,
            s.planSha256(),
            1,
            1,
            who.keyFingerprint()));
    retryFailedJobs(s);
    return drive(s);
  }

  /** The activity of a reconcile.required with no decision after it, or null. */
  private static String reconcilePending(RunSession s) {
    String pending = null;
    for (JsonNode r : s.evidence()) {
      String type = r.path("type").asText();
      if (type.equals("reconcile.required")) {
        pending = r.path("activityId").asText();
      } else if (type.equals("gate.decision") && RECONCILE.equals(r.path("name").asText())) {
        pending = null;
      }
    }
    return pending;
  }

  /** The run's gates waiting now. */
  private List<Task> activeGates(RunSession s) {
    return engine()
        .getTaskService()
        .createTaskQuery()
        .processInstanceId(s.processInstanceId)
        .active()
        .list();
  }

  private Task pendingTask(RunSession s, String gate) {
    List<Task> tasks = activeGates(s);
    if (gate != null) {
      tasks = tasks.stream().filter(t -> t.getTaskDefinitionKey().equals(gate)).toList();
    }
    if (tasks.isEmpty()) {
      throw new BadInputException(
          "run "
              + s.runId
              + " has no pending gate"
              + (gate == null ? "" : " " + gate)
              + " (it may have expired or been decided): see `runbook status "
              + s.runId
              + "`");
    }
    if (tasks.size() > 1) {
      throw new BadInputException(
          "run "
              + s.runId
              + " has several pending gates; name one: "
              + tasks.stream().map(Task::getTaskDefinitionKey).toList());
    }
    return tasks.get(0);
  }

  /**
   * Breaking another run's lock on a node is a decision about the cluster, so it is for a person
   * who may decide this runbook's gates: one holding a role a gate names. A runbook whose gates
   * name no role lets anyone named break it, as anyone named may approve its gates.
   */
  private static void requireDecider(RunSession s, String by, String node) {
    java.util.Set<String> roles = new java.util.TreeSet<>();
    for (UserTask gate : s.runbook.model().getModelElementsByType(UserTask.class)) {
      String role = Gates.rules(gate).role();
      if (role != null) {
        roles.add(role);
      }
    }
    if (roles.isEmpty()
        || roles.stream()
            .anyMatch(r -> s.inventory.roles().getOrDefault(r, List.of()).contains(by))) {
      return;
    }
    throw new IdentityException(
        Refusal.ROLE_MISSING,
        "breaking the lock on "
            + node
            + " is a decision for someone who may decide this runbook's gates: a role in "
            + roles
            + " of the inventory's roles, which "
            + by
            + " does not hold. Nothing was changed");
  }

  /** Refuses (recorded) an approver the gate's rules do not allow: the starter, a role, twice. */
  private static void checkApprover(
      RunSession s,
      Attestor.Attested who,
      UserTask model,
      Gates.Rules rules,
      String by,
      List<String> already) {
    if (!rules.starterMayApprove() && by.equals(s.startedBy)) {
      throw refuse(
          s,
          who,
          model.getId(),
          Refusal.STARTER_FORBIDDEN,
          by
              + " started run "
              + s.runId
              + "; gate "
              + model.getId()
              + " needs an approver other than the person who started the run");
    }
    if (rules.role() != null
        && !s.inventory.roles().getOrDefault(rules.role(), List.of()).contains(by)) {
      throw refuse(
          s,
          who,
          model.getId(),
          Refusal.ROLE_MISSING,
          "gate "
              + model.getId()
              + " needs role '"
              + rules.role()
              + "', which "
              + by
              + " does not hold in the inventory's roles ("
              + s.inventory.roles().getOrDefault(rules.role(), List.of())
              + ")");
    }
    if (already.contains(by)) {
      throw refuse(
          s,
          who,
          model.getId(),
          Refusal.ALREADY_APPROVED,
          by
              + " already approved gate "
              + model.getId()
              + "; it needs "
              + rules.approvers()
              + " distinct approvers");
    }
  }

  /** Whether {@code gate} is a gate waiting now. */
  private boolean pending(RunSession s, String gate) {
    return engine()
            .getTaskService()
            .createTaskQuery()
            .processInstanceId(s.processInstanceId)
            .taskDefinitionKey(gate)
            .active()
            .count()
        > 0;
  }

  private static UserTask gateModel(RunSession s, String gate) {
    return s.runbook.model().getModelElementById(gate) instanceof UserTask u ? u : null;
  }

  /**
   * Holds an approval for a gate the run has not reached yet: verified and recorded now, it opens
   * the gate when the run gets there (in the process driving it, no new CLI start inside the
   * downtime), as long as the run is still bound to the plan it was given for.
   */
  private RunOutcome approveAhead(
      RunSession s, UserTask model, String by, String comment, Identity identity) {
    Gates.Rules rules = Gates.rules(model);
    boolean reached =
        s.evidence().stream()
            .anyMatch(
                r ->
                    r.path("type").asText().equals("gate.pending")
                        && r.path("activityId").asText().equals(model.getId()));
    if (reached) {
      throw new BadInputException(
          "run "
              + s.runId
              + " has no pending gate "
              + model.getId()
              + ": the run passed it already (decided or expired); see `runbook status "
              + s.runId
              + "`");
    }
    if (!rules.approveAhead()) {
      throw new BadInputException(
          "gate "
              + model.getId()
              + " may not be approved before the run reaches it (gate.approveAhead: false):"
              + " someone must look at the live state first. Approve it when `runbook status "
              + s.runId
              + "` shows it waiting; nothing was recorded");
    }
    Attestor.Attested who = attest(s, "approve", model.getId(), "approved", comment, by, identity);
    List<String> held = new ArrayList<>();
    heldAhead(s, model.getId()).forEach(r -> held.add(r.path("by").asText()));
    checkApprover(s, who, model, rules, by, held);
    recordVerified(s, who);
    s.emit(
        new RunEvent.GateApprovedAhead(
            model.getId(),
            model.getName(),
            by,
            rules.role(),
            comment,
            s.planSha256(),
            held.size() + 1,
            rules.approvers(),
            who.keyFingerprint()));
    return settle(s);
  }

  /** The approvals held for {@code gate}, given for the plan the run is bound to, in order. */
  private static List<JsonNode> heldAhead(RunSession s, String gate) {
    List<JsonNode> held = new ArrayList<>();
    for (JsonNode r : s.evidence()) {
      if (r.path("type").asText().equals("gate.approved-ahead")
          && r.path("activityId").asText().equals(gate)
          && java.util.Objects.equals(r.path("planSha256").asText(null), s.planSha256())) {
        held.add(r);
      }
    }
    return held;
  }

  /**
   * When the run has just reached a gate that holds approvals given ahead, decides it with them as
   * if each person approved now (the decision says when they did). True when the gate opened.
   */
  private boolean openHeldGate(RunSession s) {
    List<Task> tasks = activeGates(s);
    if (tasks.size() != 1) {
      return false;
    }
    Task task = tasks.get(0);
    List<JsonNode> held = heldAhead(s, task.getTaskDefinitionKey());
    if (held.isEmpty()) {
      return false;
    }
    settle(s); // records gate.pending first: the evidence shows the gate reached, then decided
    UserTask model = gateModel(s, task.getTaskDefinitionKey());
    Gates.Rules rules = Gates.rules(model);
    List<String> approvals = approvals(s, task);
    for (JsonNode h : held) {
      String by = h.path("by").asText();
      if (approvals.contains(by)) {
        continue;
      }
      approvals.add(by);
      String comment = h.path("comment").asText("");
      s.emit(
          new RunEvent.GateDecision(
              model.getId(),
              model.getName(),
              "approved",
              by,
              rules.role(),
              "approved ahead at "
                  + h.path("at").asText()
                  + (comment.isEmpty() ? "" : ": " + comment),
              s.planSha256(),
              approvals.size(),
              rules.approvers(),
              h.path("keyFingerprint").asText(null)));
    }
    if (approvals.size() >= rules.approvers()) {
      engine().getTaskService().complete(task.getId());
      return true;
    }
    return false;
  }

  /** Who approved this visit of the gate so far, from the evidence (see {@link GateLedger}). */
  private static List<String> approvals(RunSession s, Task task) {
    return new ArrayList<>(
        GateLedger.of(s.evidence(), task.getTaskDefinitionKey(), task.getId()).approvals());
  }

  /**
   * Brings the engine database level with the run's evidence, before a process acts on the run. The
   * evidence is fsynced before the database commits, and a SIGKILL can cost H2 its last commit even
   * so (seen in the fault matrix: a resume found the run still waiting at a gate whose approval,
   * and the first command after it, were in the evidence). So what the evidence shows decided is
   * not asked of anyone again:
   *
   * <ul>
   *   <li>a run the evidence shows ended is removed from the database (its end was recorded, so
   *       nothing more is written to its evidence), its cluster released, and the action refused as
   *       for any ended run;
   *   <li>a waiting gate whose visit the evidence shows decided (rejected, or approved by as many
   *       people as it needs) is closed as decided, recorded as {@code run.recovered}.
   * </ul>
   *
   * A gate's expiry is left to its timer, still due in the database. True when a gate was closed.
   */
  private boolean recover(RunSession s) {
    List<JsonNode> evidence = s.evidence();
    JsonNode end = null;
    for (JsonNode r : evidence) {
      if (r.path("type").asText().equals("run.ended")) {
        end = r;
      }
    }
    RuntimeService runtime = engine().getRuntimeService();
    if (end != null) {
      if (runtime.createProcessInstanceQuery().processInstanceId(s.processInstanceId).count() > 0) {
        // Without its listeners: the end is in the evidence already, and nothing may follow it.
        runtime.deleteProcessInstance(
            s.processInstanceId, "ended per its evidence: " + end.path("outcome").asText(), true);
        options
            .listener()
            .notice(
                "run "
                    + s.runId
                    + " ended ("
                    + end.path("outcome").asText()
                    + ") per its evidence; the engine's database, which had lost that, now"
                    + " holds it too");
      }
      locks().release(s.inventory.cluster(), s.runId);
      throw new BadInputException(
          "run "
              + s.runId
              + " has ended ("
              + end.path("outcome").asText()
              + "): "
              + end.path("message").asText());
    }
    boolean closed = false;
    for (Task task : activeGates(s)) {
      UserTask model = gateModel(s, task.getTaskDefinitionKey());
      if (model == null) {
        continue;
      }
      GateLedger.Decided d =
          GateLedger.of(evidence, model.getId(), task.getId())
              .decided(Gates.rules(model).approvers());
      if (d == null) {
        continue;
      }
      s.emit(
          new RunEvent.RunRecovered(
              "gate-decision", model.getId(), d.decision() + " by " + d.by() + " at " + d.at()));
      if (d.decision().equals("rejected")) {
        engine().getTaskService().handleBpmnError(task.getId(), "GATE_REJECTED", d.comment());
      } else {
        engine().getTaskService().complete(task.getId());
      }
      closed = true;
    }
    return closed;
  }

  // ---- driving ---------------------------------------------------------------------------

  /** Executes the run's jobs until it waits for a person, ends or fails. */
  RunOutcome drive(RunSession s) {
    ManagementService mgmt = engine().getManagementService();
    while (true) {
      List<Job> jobs =
          mgmt.createJobQuery()
              .processInstanceId(s.processInstanceId)
              .executable()
              .orderByJobDuedate()
              .asc()
              .list();
      if (jobs.isEmpty()) {
        if (openHeldGate(s)) {
          continue;
        }
        return settle(s);
      }
      String jobId = jobs.get(0).getId();
      try {
        Driver.runJob(jobId, () -> mgmt.executeJob(jobId));
      } catch (RuntimeException e) {
        StepDelegate.ReconcileRequired reconcile = find(e, StepDelegate.ReconcileRequired.class);
        if (reconcile != null) {
          return new RunOutcome(
              s.runId,
              RunState.RECONCILE,
              s.redact(reconcile.getMessage()),
              new RunOutcome.PendingGate(
                  reconcile.activityId,
                  RECONCILE,
                  List.of(),
                  1,
                  null,
                  false,
                  List.of(),
                  null,
                  s.planSha256(),
                  s.inventory.approval().unsigned()));
        }
        String next =
            inAbortPath(s)
                ? "\nThe rollback after the abort stopped here; the cluster stays locked. `runbook"
                    + " resume "
                    + s.runId
                    + " --as NAME` tries the step again; `runbook abort "
                    + s.runId
                    + " --as NAME --comment WHY --no-rollback --confirm` ends the run as it is."
                : "\nThe run stopped here. `runbook resume "
                    + s.runId
                    + " --as NAME` tries the step"
                    + " again; `runbook abort "
                    + s.runId
                    + " --as NAME --comment WHY` ends the run (past a DESTRUCTIVE step, by the"
                    + " runbook's abort path).";
        return new RunOutcome(
            s.runId,
            RunState.FAILED,
            // A failure's message may quote a command's output: the console shows it redacted.
            s.redact(rootMessage(e)) + next,
            null);
      }
    }
  }

  private void fireDueTimers(RunSession s) {
    ManagementService mgmt = engine().getManagementService();
    for (Job job :
        mgmt.createJobQuery().processInstanceId(s.processInstanceId).timers().executable().list()) {
      Driver.runJob(job.getId(), () -> mgmt.executeJob(job.getId()));
    }
    if (engine()
            .getRuntimeService()
            .createProcessInstanceQuery()
            .processInstanceId(s.processInstanceId)
            .count()
        == 0) {
      RunOutcome o = settle(s);
      throw new BadInputException(
          "run " + s.runId + " has ended (" + o.state().label() + "): " + o.message());
    }
  }

  private void retryFailedJobs(RunSession s) {
    ManagementService mgmt = engine().getManagementService();
    for (Job job :
        mgmt.createJobQuery().processInstanceId(s.processInstanceId).noRetriesLeft().list()) {
      mgmt.setJobRetries(job.getId(), 1);
    }
  }

  /** Where the run stands now that nothing more can be executed without a person or a timer. */
  private RunOutcome settle(RunSession s) {
    RuntimeService runtime = engine().getRuntimeService();
    if (runtime.createProcessInstanceQuery().processInstanceId(s.processInstanceId).count() == 0) {
      locks().release(s.inventory.cluster(), s.runId);
      JsonNode end = null;
      for (JsonNode r : s.evidence()) {
        if (r.path("type").asText().equals("run.ended")) {
          end = r;
        }
      }
      if (end == null) {
        return new RunOutcome(s.runId, RunState.FAILED, "the run ended without an end event", null);
      }
      return new RunOutcome(
          s.runId,
          RunState.ofLabel(end.path("outcome").asText()),
          end.path("message").asText(),
          null);
    }
    List<Task> pending = activeGates(s);
    if (pending.isEmpty()) {
      return new RunOutcome(s.runId, RunState.WAITING, "waiting for a timer", null);
    }
    Task task = pending.get(0);
    UserTask model = s.runbook.model().getModelElementById(task.getTaskDefinitionKey());
    Gates.Rules rules = Gates.rules(model);
    String expiresAt = expiry(s, model);
    RunOutcome.PendingGate gate =
        new RunOutcome.PendingGate(
            model.getId(),
            model.getName(),
            approvals(s, task),
            rules.approvers(),
            rules.role(),
            rules.starterMayApprove(),
            Gates.releases(model),
            expiresAt,
            s.planSha256(),
            s.inventory.approval().unsigned());
    boolean announced =
        s.evidence().stream()
            .anyMatch(
                r ->
                    r.path("type").asText().equals("gate.pending")
                        && task.getId().equals(r.path("taskId").asText()));
    if (!announced) {
      s.emit(
          new RunEvent.GatePending(
              model.getId(),
              model.getName(),
              task.getId(),
              rules.approvers(),
              rules.role(),
              rules.starterMayApprove(),
              expiresAt,
              gate.releases(),
              s.inventory.approval().identity()));
    }
    return new RunOutcome(s.runId, RunState.WAITING, "waiting at gate " + model.getId(), gate);
  }

  private String expiry(RunSession s, UserTask gate) {
    ManagementService mgmt = engine().getManagementService();
    for (Job job : mgmt.createJobQuery().processInstanceId(s.processInstanceId).timers().list()) {
      JobDefinition def =
          mgmt.createJobDefinitionQuery().jobDefinitionId(job.getJobDefinitionId()).singleResult();
      if (def != null
          && s.runbook.model().getModelElementById(def.getActivityId()) instanceof BoundaryEvent b
          && b.getAttachedTo() == gate) {
        return job.getDuedate().toInstant().toString();
      }
    }
    return null;
  }

  // ---- sessions --------------------------------------------------------------------------

  private <T> T withRun(String runId, Function<RunSession, T> op) {
    Path runDir = options.home().resolve("runs").resolve(runId);
    if (!RUN_ID.matcher(runId).matches() || !Files.isDirectory(runDir)) {
      throw new BadInputException(
          "unknown run '" + runId + "': `runbook status` lists the runs in " + options.home());
    }
    try {
      holdDriverLock(runDir);
      RunSession s = Sessions.get(runId);
      return op.apply(s);
    } finally {
      Sessions.closeAll();
    }
  }

  // A run's driver lock is let go only after the engine is closed. With H2 this process may be
  // serving the database to the process that waits for the lock; a waiter let in while that
  // server shuts down failed mid-command (the two-process test caught it in CI).
  private void holdDriverLock(Path runDir) {
    driverLocks.computeIfAbsent(
        runDir.toAbsolutePath().normalize(), d -> DriverLock.acquire(d, options.listener()));
  }

  private RunSession openSession(String runId) {
    RuntimeService runtime = engine().getRuntimeService();
    ProcessInstance pi =
        runtime.createProcessInstanceQuery().processInstanceBusinessKey(runId).singleResult();
    if (pi == null) {
      throw new BadInputException(
          "run "
              + runId
              + " is not active (it ended or was aborted): `runbook status "
              + runId
              + "`");
    }
    Map<String, Object> vars = runtime.getVariables(pi.getId());
    Path inventoryPath = Path.of((String) vars.get("inventoryPath"));
    String recorded = (String) vars.get("inventorySha256");
    if (!Files.isReadable(inventoryPath) || !sha256(inventoryPath).equals(recorded)) {
      throw new BadInputException(
          "the inventory "
              + inventoryPath
              + " of run "
              + runId
              + " is missing or changed since the"
              + " run started: put back the file the run started with (SHA-256 "
              + recorded
              + ")"
              + " or abort the run");
    }
    Inventory inventory = Inventory.load(inventoryPath);
    String key =
        engine().getRepositoryService().getProcessDefinition(pi.getProcessDefinitionId()).getKey();
    Catalog.Entry entry =
        new Catalog.Entry(
            key,
            "deployment:" + pi.getProcessDefinitionId(),
            new byte[0],
            deployedModel(key, pi.getProcessDefinitionId()));
    // Opened in memory only: the database keeps secret parameters sealed (see Sealer).
    Sealer sealer = Sealer.of(options.home(), runId);
    Map<String, String> params = new LinkedHashMap<>();
    for (RunbookInfo.Parameter p : entry.parameters()) {
      Object v = vars.get(p.name());
      if (v != null) {
        params.put(p.name(), sealer.open(v.toString()));
      }
    }
    Path runDir = runDir(runId);
    RunSession s =
        new RunSession(
            runId,
            pi.getId(),
            entry,
            inventory,
            params,
            (String) vars.get("startedBy"),
            runDir,
            openJournal(runDir, redactor(inventory, entry, params)),
            templates,
            options.listener(),
            sealer);
    shells(s);
    requireSamePins(s, entry);
    Object plan = vars.get(PLAN_VARIABLE);
    if (plan != null) {
      s.bind(
          PlanStore.load(options.home(), plan.toString()),
          steps,
          redactor(inventory, entry, params),
          secretDigest(options.home()),
          false);
    }
    return s;
  }

  /**
   * Refuses (exit 2) to act on a run with a runbook, templates or engine other than those it
   * started with: what this process would send is not what was approved. Names the first file that
   * differs and how to get back to the run's own.
   */
  private void requireSamePins(RunSession s, Catalog.Entry entry) {
    JsonNode pins = null;
    for (JsonNode r : s.evidence()) {
      if (r.path("type").asText().equals("run.pinned")) {
        pins = r;
        break;
      }
    }
    if (pins == null) {
      return; // a run started before runs pinned what they are made of
    }
    List<String> differ = new ArrayList<>();
    Catalog.Entry current =
        catalog.entries().stream().filter(e -> e.id().equals(entry.id())).findFirst().orElse(null);
    String bpmn = current == null ? null : sha256(current.bpmn());
    if (current == null) {
      differ.add("runbook " + entry.id() + ": not among this process's runbooks");
    } else if (!bpmn.equals(pins.path("runbookSha256").asText())) {
      differ.add(
          "runbook "
              + entry.id()
              + " ("
              + current.source()
              + "): SHA-256 "
              + bpmn
              + ", the run started with "
              + pins.path("runbookSha256").asText());
    }
    if (!EngineVersion.get().equals(pins.path("engineVersion").asText())) {
      differ.add(
          "engine version "
              + EngineVersion.get()
              + ", the run started with "
              + pins.path("engineVersion").asText());
    }
    pins.path("templates")
        .fields()
        .forEachRemaining(
            t -> {
              TemplateRenderer.Source now;
              try {
                now = templates.source(t.getKey());
              } catch (dev.runbook.engine.internal.template.RenderException e) {
                differ.add("template " + t.getKey() + ": not found by this process");
                return;
              }
              if (!now.sha256().equals(t.getValue().asText())) {
                differ.add(
                    "template "
                        + t.getKey()
                        + " ("
                        + now.origin()
                        + "): SHA-256 "
                        + now.sha256()
                        + ", the run started with "
                        + t.getValue().asText());
              }
            });
    if (!differ.isEmpty()) {
      throw new BadInputException(
          "run "
              + s.runId
              + " was started with other runbook files than this process has, so nothing was"
              + " done:\n  "
              + String.join("\n  ", differ)
              + "\nAct on it with the same runbooks, --templates dir and release it was started"
              + " with.");
    }
  }

  /**
   * The model of the BPMN a run was started with. When it is byte for byte the catalog's runbook
   * (the usual case: the runbooks did not change since), the catalog's model, parsed and linted at
   * open, is that model; parsing the deployed copy again (schema validation included) was a
   * noticeable part of every approve's start.
   */
  private BpmnModelInstance deployedModel(String key, String processDefinitionId) {
    for (Catalog.Entry e : catalog.entries()) {
      if (e.id().equals(key)) {
        try (java.io.InputStream in =
            engine().getRepositoryService().getProcessModel(processDefinitionId)) {
          if (Arrays.equals(in.readAllBytes(), e.bpmn())) {
            return e.model();
          }
        } catch (IOException ignored) {
          // Read below by the engine, which reports what is wrong with it.
        }
      }
    }
    return engine().getRepositoryService().getBpmnModelInstance(processDefinitionId);
  }

  private boolean alive(String runId) {
    return engine()
            .getRuntimeService()
            .createProcessInstanceQuery()
            .processInstanceBusinessKey(runId)
            .count()
        > 0;
  }

  private Path runDir(String runId) {
    return options.home().resolve("runs").resolve(runId);
  }

  /**
   * Only one process drives a run at a time (say `run` still executing while someone types
   * `approve`): the second waits, and says so.
   */
  private EvidenceJournal openJournal(Path runDir, Redactor redactor) {
    try {
      // The home's key signs the evidence's checkpoints; made by the first run of a new home.
      return EvidenceJournal.open(runDir, redactor, EngineKey.loadOrCreate(options.home()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the evidence of " + runDir, e);
    }
  }

  static final Pattern RUN_ID = Pattern.compile("[0-9a-f]{8}");

  private String newRunId() {
    SecureRandom random = new SecureRandom();
    while (true) {
      byte[] b = new byte[4];
      random.nextBytes(b);
      String id = HexFormat.of().formatHex(b);
      if (!Files.exists(runDir(id))) {
        return id;
      }
    }
  }

  private static void requireName(String name, String option) {
    if (name == null || name.isBlank()) {
      throw new BadInputException("say who you are: " + option + " NAME");
    }
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sha256(Path file) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }

  private static String rootMessage(Throwable t) {
    String msg = t.getMessage();
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c.getMessage() != null) {
        msg = c.getMessage();
      }
    }
    return msg;
  }

  @Override
  public void close() {
    Sessions.closeAll();
    try {
      Booted b = null;
      try {
        b = boot.join();
      } catch (CompletionException e) {
        // The boot failed: nothing to close, and the failure was thrown where the engine was used.
      }
      if (b != null) {
        b.engine().close();
      }
    } finally {
      driverLocks.values().forEach(DriverLock::close);
      driverLocks.clear();
    }
  }
}
