package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.EngineOptions;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.RunbookInfo;
import dev.runbook.engine.api.Step;
import dev.runbook.engine.internal.catalog.Catalog;
import dev.runbook.engine.internal.catalog.ParameterType;
import dev.runbook.engine.internal.evidence.Redactor;
import dev.runbook.engine.internal.plan.Plan;
import dev.runbook.engine.internal.plan.PlanDiff;
import dev.runbook.engine.internal.plan.PlanStore;
import dev.runbook.engine.internal.plan.Planner;
import dev.runbook.engine.internal.template.TemplateRenderer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * What a run is given and bound to, checked before anything of it exists: its parameters, its plan
 * (made, or matched against the approved one), the plan a person says they reviewed, and the
 * statements people sign for their actions on it.
 */
final class RunInputs {

  private static final Pattern PARAM_NAME = Pattern.compile("[a-z][A-Za-z0-9]*");

  private RunInputs() {}

  /** SSH with strict host keys, or what the engine was opened with (tests). */
  static dev.runbook.engine.api.RemoteShell shellFor(EngineOptions options, Inventory inventory) {
    return options.shells() == null
        ? new dev.runbook.engine.internal.ssh.SshRemoteShell(inventory)
        : options.shells().apply(inventory);
  }

  /**
   * What {@link #start} refuses before it makes anything, checked without the engine: so a run with
   * a bad inventory or parameter leaves no database, no runs dir and no lock behind.
   */
  static void check(
      EngineOptions options,
      String runbook,
      Path inventoryFile,
      Map<String, String> given,
      String startedBy) {
    Catalog.Entry entry = EngineBoot.catalog(options).get(runbook);
    Attestor.requireApprovalSection(Inventory.load(inventoryFile));
    parameters(entry, given);
    EngineCore.requireName(startedBy, "--as");
  }

  /** Plans a run without starting it; with {@code probe}, reads the nodes (read-only). */
  static Plan plan(
      EngineOptions options,
      String runbook,
      Path inventoryFile,
      Map<String, String> given,
      boolean probe) {
    Catalog.Entry entry = EngineBoot.catalog(options).get(runbook);
    Inventory inventory = Inventory.load(inventoryFile);
    Map<String, String> params = parameters(entry, given);
    Function<Planner.Reader, Plan> planner =
        reader ->
            Planner.plan(
                entry,
                EngineBoot.steps(options),
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
  static void requireReviewedPlan(RunSession s, String reviewed) {
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

  static String statementFor(
      EngineOptions options,
      String runId,
      String action,
      String gate,
      String holder,
      String by,
      String comment) {
    EngineCore.requireName(by, "--as");
    Path runDir = options.home().resolve("runs").resolve(runId);
    if (!EngineCore.RUN_ID.matcher(runId).matches() || !Files.isDirectory(runDir)) {
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

  /**
   * The plan the run is bound to: the approved one (which must be what this run would do, or the
   * run is refused before anything runs, with the difference), or the run's own plan when none was
   * approved. Kept in the home by hash, where gates and the per-step check find it.
   */
  static Plan bindPlan(
      EngineOptions options,
      Map<String, Step<?, ?>> steps,
      TemplateRenderer templates,
      Catalog.Entry entry,
      Inventory inventory,
      Map<String, String> params,
      String approvedHash) {
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
}
