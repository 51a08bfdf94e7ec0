package dev.runbook.engine.api;

import dev.runbook.engine.internal.catalog.Catalog;
import dev.runbook.engine.internal.catalog.Descriptions;
import dev.runbook.engine.internal.run.EngineCore;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The runbook engine: starts runs and carries them through their gates. Each operation drives the
 * run as far as it can go without a person, then returns where it stands. Opening it boots the
 * embedded process engine (a second or two); reading runs (status, evidence) does not need it: see
 * {@link Runs}.
 */
public final class RunbookEngine implements AutoCloseable {

  private final EngineCore core;

  private RunbookEngine(EngineCore core) {
    this.core = core;
  }

  /**
   * Boots the engine on the home's H2 database (or {@code --db}), after linting every runbook.
   *
   * @throws BadInputException for runbooks that fail the lint or an unusable home or database URL
   */
  public static RunbookEngine open(EngineOptions options) {
    return new RunbookEngine(EngineCore.open(options));
  }

  /** The runbooks available, read from their BPMN without booting the engine. */
  public static List<RunbookInfo> list(EngineOptions options) {
    return EngineCore.list(options);
  }

  /**
   * One runbook explained: steps in process order, gates and their rules, error and rollback paths,
   * read from its BPMN without booting the engine.
   *
   * @throws BadInputException for an unknown runbook, naming the known ones
   */
  public static RunbookDetail show(EngineOptions options, String runbook) {
    Catalog.Entry entry = EngineCore.catalog(options).get(runbook);
    Map<String, Effect> effects = new HashMap<>();
    EngineCore.steps(options).forEach((name, step) -> effects.put(name, step.effect()));
    return Descriptions.describe(entry, effects);
  }

  /**
   * Camunda 7 element templates for every step known (the packs' and {@link
   * EngineOptions#extraSteps}), as the JSON array the Camunda Modeler loads: one template per step
   * binding a service task to it, with its inputs described. Made from the steps' code and {@link
   * Doc}s, so they match what the engine runs.
   */
  public static String elementTemplates(EngineOptions options) {
    return dev.runbook.engine.internal.modeler.ElementTemplates.json(
        EngineCore.steps(options).values());
  }

  /**
   * Lints every runbook (shipped and {@code --runbooks}) against the steps known: readable ids,
   * documentation on every task, known steps and error codes, async steps, and no DESTRUCTIVE step
   * reachable without an approval gate. The build runs it over the shipped runbooks.
   *
   * @return every problem found, empty when all runbooks pass
   */
  public static List<String> lint(EngineOptions options) {
    return EngineCore.lint(options);
  }

  /**
   * Starts a run and drives it to its first gate, its end or a failure. Inventory and parameters
   * are checked first; nothing runs on any host when they are wrong.
   *
   * @throws BadInputException unknown runbook, undeclared or missing parameter, cluster busy
   * @throws InventoryException the inventory cannot be used
   */
  public RunOutcome start(
      String runbook, Path inventory, Map<String, String> parameters, String startedBy) {
    return core.start(runbook, inventory, parameters, startedBy, null, Identity.none());
  }

  /**
   * Starts a run bound to a reviewed plan: refused before anything runs when no stored plan has
   * that hash or when this run would differ from it (the difference is in the message); later, each
   * MUTATING or DESTRUCTIVE step whose commands no longer render as planned does not run.
   *
   * @throws BadInputException as {@link #start(String, Path, Map, String)}, and for the plan
   */
  public RunOutcome start(
      String runbook,
      Path inventory,
      Map<String, String> parameters,
      String startedBy,
      String approvedPlanSha256) {
    return core.start(
        runbook, inventory, parameters, startedBy, approvedPlanSha256, Identity.none());
  }

  /**
   * Starts a run as {@link #start(String, Path, Map, String, String)}, the starter proving who they
   * are with {@code identity} (the inventory's {@code approval}): the run's statement is signed and
   * verified before anything is made.
   *
   * @param approvedPlanSha256 null when no plan was reviewed
   * @throws IdentityException the statement is refused (its {@link IdentityException#reason()})
   */
  public RunOutcome start(
      String runbook,
      Path inventory,
      Map<String, String> parameters,
      String startedBy,
      String approvedPlanSha256,
      Identity identity) {
    return core.start(runbook, inventory, parameters, startedBy, approvedPlanSha256, identity);
  }

  /**
   * Checks what {@link #start} checks first (runbook, inventory, parameters, who starts it) without
   * opening the engine: call it before {@link #open} and a refusal leaves the home untouched.
   *
   * @throws BadInputException as {@link #start(String, Path, Map, String)}
   * @throws InventoryException the inventory cannot be used (every problem listed)
   */
  public static void check(
      EngineOptions options,
      String runbook,
      Path inventory,
      Map<String, String> parameters,
      String startedBy) {
    EngineCore.check(options, runbook, inventory, parameters, startedBy);
  }

  /**
   * Plans a run without starting one and keeps the plan in the home under its hash (for {@code run
   * --approved-plan}). Connects nowhere unless {@code probe}: then only read-only discovery
   * commands run on the nodes.
   *
   * @throws BadInputException unknown runbook, parameter problems (all listed), unreachable node
   * @throws InventoryException the inventory cannot be used (every problem listed)
   */
  public static RunbookPlan plan(
      EngineOptions options,
      String runbook,
      Path inventory,
      Map<String, String> parameters,
      boolean probe) {
    return RunbookPlan.of(EngineCore.plan(options, runbook, inventory, parameters, probe));
  }

  /** Approves a gate (or the only pending one when {@code gate} is null) as {@code by}. */
  public RunOutcome approve(String runId, String gate, String by, String comment) {
    return approve(runId, gate, by, comment, Identity.none());
  }

  /**
   * Approves a gate as {@code by}, proven by {@code identity}. Every refusal (a key not in the
   * allowed-signers file, a principal other than {@code by}, an expired key, a statement for
   * another run, gate or plan, a replayed one, a bad signature, the starter, a second approval by
   * the same person) is an {@link IdentityException} with its reason, recorded in the run's
   * evidence, and nothing else changes.
   */
  public RunOutcome approve(
      String runId, String gate, String by, String comment, Identity identity) {
    return core.approve(runId, gate, by, comment, identity, null);
  }

  /**
   * Approves as {@link #approve(String, String, String, String, Identity)}, stating the plan the
   * approver reviewed ({@code runbook approve --plan HASH}): its full SHA-256 or its first 12 or
   * more hex digits.
   *
   * @throws BadInputException the run is bound to another plan (nothing is recorded)
   */
  public RunOutcome approve(
      String runId,
      String gate,
      String by,
      String comment,
      Identity identity,
      String reviewedPlanSha256) {
    return core.approve(runId, gate, by, comment, identity, reviewedPlanSha256);
  }

  /** Rejects a gate: the run takes the gate's reject path. A comment is required. */
  public RunOutcome reject(String runId, String gate, String by, String comment) {
    return reject(runId, gate, by, comment, Identity.none());
  }

  /** Rejects a gate as {@code by}, proven by {@code identity} (as {@link #approve}). */
  public RunOutcome reject(
      String runId, String gate, String by, String comment, Identity identity) {
    return core.reject(runId, gate, by, comment, identity);
  }

  /** Picks up a run after a crash or a failed step. */
  public RunOutcome resume(String runId, String by) {
    return resume(runId, by, Identity.none());
  }

  /** Picks up a run as {@code by}, proven by {@code identity}. */
  public RunOutcome resume(String runId, String by, Identity identity) {
    return core.resume(runId, by, identity);
  }

  /**
   * Ends a run. Before any DESTRUCTIVE step started it ends now and releases its cluster. Past one,
   * the runbook's abort path runs (the run is {@code rolling-back}) and the cluster is released
   * when that path ends; a runbook without an abort path refuses (see {@link
   * #abortWithoutRollback}). A comment is required.
   */
  public RunOutcome abort(String runId, String by, String comment) {
    return abort(runId, by, comment, Identity.none());
  }

  /**
   * Ends a run (as {@link #abort(String, String, String)}) as {@code by}, proven by {@code
   * identity}.
   */
  public RunOutcome abort(String runId, String by, String comment, Identity identity) {
    return core.abort(runId, by, comment, false, false, identity);
  }

  /**
   * Ends a run now, without its abort path, and releases its cluster; the outcome and the evidence
   * say what its changing steps left where. Past a DESTRUCTIVE step it needs {@code confirmed}
   * (without: refused, saying what would be left).
   */
  public RunOutcome abortWithoutRollback(
      String runId, String by, String comment, boolean confirmed) {
    return abortWithoutRollback(runId, by, comment, confirmed, Identity.none());
  }

  /**
   * Ends a run without rollback (as {@link #abortWithoutRollback(String, String, String, boolean)})
   * as {@code by}, proven by {@code identity}: the signed statement's action is {@code
   * abort-no-rollback}, so a signed plain abort cannot be used to skip the rollback.
   */
  public RunOutcome abortWithoutRollback(
      String runId, String by, String comment, boolean confirmed, Identity identity) {
    return core.abort(runId, by, comment, true, confirmed, identity);
  }

  /**
   * Breaks another run's node lock on {@code node}, which refused this run ({@code runId}): for a
   * lock whose run is gone. A person's signed, recorded action; the lock is removed only if it
   * still names {@code holder}. The run stays where it is: {@link #resume} takes the lock and goes
   * on (docs/engine.md, "One run per node").
   */
  public RunOutcome unlock(
      String runId, String node, String holder, String by, String comment, Identity identity) {
    return core.unlock(runId, node, holder, by, comment, identity);
  }

  /**
   * The statement to sign elsewhere for {@code action} (approve, reject, resume, abort,
   * abort-no-rollback) on a run, as the run stands: {@code ssh-keygen -Y sign -n runbook -f KEY
   * FILE} signs it, and the signature is given back with {@link Identity.Signed}. Reads the run's
   * evidence only.
   *
   * @param gate null for the gate the run waits at
   */
  public static String statement(
      EngineOptions options, String runId, String action, String gate, String by, String comment) {
    return EngineCore.statement(options, runId, action, gate, by, comment);
  }

  /**
   * The statement to sign elsewhere for {@link #unlock}: action {@code unlock}, its gate the node,
   * its decision {@code break HOLDER}.
   */
  public static String unlockStatement(
      EngineOptions options, String runId, String node, String holder, String by, String comment) {
    return EngineCore.unlockStatement(options, runId, node, holder, by, comment);
  }

  @Override
  public void close() {
    core.close();
  }
}
