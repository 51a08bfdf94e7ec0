package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.Identity;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunbookInfo;
import dev.runbook.engine.api.Step;
import dev.runbook.engine.internal.catalog.Catalog;
import dev.runbook.engine.internal.evidence.EngineKey;
import dev.runbook.engine.internal.evidence.EvidenceJournal;
import dev.runbook.engine.internal.evidence.Redactor;
import dev.runbook.engine.internal.plan.Plan;
import dev.runbook.engine.internal.template.TemplateRenderer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.camunda.bpm.engine.ProcessEngine;

/**
 * The embedded Camunda engine and the runbook operations on it: the one door the client API goes
 * through. Each operation checks what a person gave, takes the run's driver lock and session, and
 * hands the work to the part that owns it:
 *
 * <ul>
 *   <li>{@link EngineBoot}: the steps, the runbooks and their lint, Camunda's boot and deploy;
 *   <li>{@link RunInputs}: parameters, the plan a run is bound to, statements to sign;
 *   <li>{@link RunLauncher}: starting a run;
 *   <li>{@link Gatekeeper} and {@link HeldApprovals}: the gates and who may decide them;
 *   <li>{@link Aborts}: ending a run before its end;
 *   <li>{@link Recovery}: the database brought level with the evidence;
 *   <li>{@link JobDriver}: executing a run's jobs in this process;
 *   <li>{@link SessionOpener}: a session on a run that exists.
 * </ul>
 */
public final class EngineCore implements AutoCloseable {

  /** The process variable holding the hash of the plan the run is bound to. */
  static final String PLAN_VARIABLE = "planSha256";

  static final String RECONCILE = "reconcile";

  /** The action a person signs to end a run without its abort path (a plain abort is "abort"). */
  static final String ABORT_NO_ROLLBACK = "abort-no-rollback";

  private final EngineOptions options;
  final Sessions sessions;

  EngineOptions options() {
    return options;
  }

  private final CompletableFuture<EngineBoot.Booted> boot;
  final Catalog catalog;
  final Map<String, Step<?, ?>> steps;
  private final Map<Path, DriverLock> driverLocks = new java.util.concurrent.ConcurrentHashMap<>();
  final TemplateRenderer templates;
  final JobDriver driver = new JobDriver(this);
  final Aborts aborts = new Aborts(this);
  final Gatekeeper gates = new Gatekeeper(this);
  final HeldApprovals held = new HeldApprovals(this);
  final Recovery recovery = new Recovery(this);
  private final RunLauncher launcher = new RunLauncher(this);

  private EngineCore(
      EngineOptions options,
      CompletableFuture<EngineBoot.Booted> boot,
      Catalog catalog,
      Map<String, Step<?, ?>> steps,
      Sessions sessions) {
    this.options = options;
    this.sessions = sessions;
    this.boot = boot;
    this.catalog = catalog;
    this.steps = steps;
    this.templates = new TemplateRenderer(options.templatesDir());
  }

  /** Waits for the boot started by {@link #open}; its failure is thrown here, as it was thrown. */
  private EngineBoot.Booted booted() {
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

  ProcessEngine engine() {
    return booted().engine();
  }

  ClusterLock locks() {
    return booted().locks();
  }

  /** All steps known: those of the packs on the classpath and the options' extra ones. */
  public static Map<String, Step<?, ?>> steps(EngineOptions options) {
    return EngineBoot.steps(options);
  }

  public static Catalog catalog(EngineOptions options) {
    return EngineBoot.catalog(options);
  }

  public static List<RunbookInfo> list(EngineOptions options) {
    return EngineBoot.list(options);
  }

  public static List<String> lint(EngineOptions options) {
    return EngineBoot.lint(options);
  }

  /** What {@link #start} refuses before it makes anything (see {@link RunInputs#check}). */
  public static void check(
      EngineOptions options,
      String runbook,
      Path inventoryFile,
      Map<String, String> given,
      String startedBy) {
    RunInputs.check(options, runbook, inventoryFile, given, startedBy);
  }

  /** Plans a run without starting it; with {@code probe}, reads the nodes (read-only). */
  public static Plan plan(
      EngineOptions options,
      String runbook,
      Path inventoryFile,
      Map<String, String> given,
      boolean probe) {
    return RunInputs.plan(options, runbook, inventoryFile, given, probe);
  }

  /**
   * Opens the engine. Camunda's boot (MyBatis parsing its mappings, H2, the schema check) is most
   * of a command's start-up and needs neither the runbooks nor the inventory: it runs in a thread
   * of its own while this thread reads and lints the runbooks and, in {@link #start}, loads the
   * inventory and plans the run, which need no engine either. The first use of the engine waits for
   * the boot (bench/snapshot-small).
   */
  public static EngineCore open(EngineOptions options) {
    Map<String, Step<?, ?>> steps = EngineBoot.steps(options);
    // This engine's sessions, given to its delegates and listeners: nothing is kept per JVM.
    Sessions sessions = new Sessions();
    EngineBoot.Opening opening = EngineBoot.open(options, steps, sessions);
    EngineCore core = new EngineCore(options, opening.booted(), opening.catalog(), steps, sessions);
    sessions.opener(new SessionOpener(core)::openSession);
    return core;
  }

  // ---- start -----------------------------------------------------------------------------

  public RunOutcome start(
      String runbook,
      Path inventoryFile,
      Map<String, String> given,
      String startedBy,
      String approvedPlan,
      Identity identity) {
    return launcher.start(runbook, inventoryFile, given, startedBy, approvedPlan, identity);
  }

  void shells(RunSession s) {
    if (options.shells() != null) {
      s.shells(options.shells());
    }
  }

  /**
   * The statement a person signs elsewhere for an action on a run, read from the run's evidence (no
   * engine needed).
   */
  public static String statement(
      EngineOptions options, String runId, String action, String gate, String by, String comment) {
    return RunInputs.statementFor(options, runId, action, gate, null, by, comment);
  }

  /** The statement to break {@code holder}'s lock on {@code node}, for {@link #unlock}. */
  public static String unlockStatement(
      EngineOptions options, String runId, String node, String holder, String by, String comment) {
    return RunInputs.statementFor(options, runId, NodeLock.BREAK, node, holder, by, comment);
  }

  // ---- the gates -------------------------------------------------------------------------

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
    return withRun(runId, s -> gates.approve(s, gate, by, comment, identity, reviewedPlan));
  }

  public RunOutcome reject(
      String runId, String gate, String by, String comment, Identity identity) {
    requireName(by, "--as");
    if (comment == null || comment.isBlank()) {
      throw new BadInputException("a rejection needs a comment: --comment \"why\"");
    }
    return withRun(runId, s -> gates.reject(s, gate, by, comment, identity));
  }

  public RunOutcome resume(String runId, String by, Identity identity) {
    requireName(by, "--as");
    return withRun(
        runId,
        s -> {
          recovery.recover(s);
          Gatekeeper.recordVerified(s, gates.attest(s, "resume", "", "", "", by, identity));
          s.emit(new RunEvent.RunResumed(by));
          driver.retryFailedJobs(s);
          return driver.drive(s);
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
          recovery.recover(s);
          if (s.inventory.node(node).isEmpty()) {
            throw new BadInputException(
                "no node '"
                    + node
                    + "' in inventory "
                    + s.inventory.source()
                    + ": its nodes are "
                    + s.inventory.nodes().stream().map(Inventory.Member::name).toList());
          }
          if (holder.equals(s.runId)) {
            throw new BadInputException(
                "that is run " + s.runId + "'s own lock: it goes when the run ends");
          }
          Gatekeeper.requireDecider(s, by, node);
          Gatekeeper.recordVerified(
              s,
              gates.attest(
                  s, NodeLock.BREAK, node, NodeLock.breakDecision(holder), comment, by, identity));
          String message = s.nodeLock.breakLock(node, holder, by, comment);
          RunOutcome now = driver.settle(s);
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
    return withRun(runId, s -> aborts.abort(s, by, comment, noRollback, confirmed, identity));
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
      RunSession s = sessions.get(runId);
      return op.apply(s);
    } finally {
      sessions.closeAll();
    }
  }

  // A run's driver lock is let go only after the engine is closed. With H2 this process may be
  // serving the database to the process that waits for the lock; a waiter let in while that
  // server shuts down failed mid-command (the two-process test caught it in CI).
  void holdDriverLock(Path runDir) {
    driverLocks.computeIfAbsent(
        runDir.toAbsolutePath().normalize(), d -> DriverLock.acquire(d, options.listener()));
  }

  Path runDir(String runId) {
    return options.home().resolve("runs").resolve(runId);
  }

  EvidenceJournal openJournal(Path runDir, Redactor redactor) {
    try {
      // The home's key signs the evidence's checkpoints; made by the first run of a new home.
      return EvidenceJournal.open(runDir, redactor, EngineKey.loadOrCreate(options.home()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the evidence of " + runDir, e);
    }
  }

  static final Pattern RUN_ID = Pattern.compile("[0-9a-f]{8}");

  static void requireName(String name, String option) {
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

  static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }

  static String rootMessage(Throwable t) {
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
    sessions.closeAll();
    try {
      EngineBoot.Booted b = null;
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
