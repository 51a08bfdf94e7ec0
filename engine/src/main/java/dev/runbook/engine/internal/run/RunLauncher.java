package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.Identity;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.RunOutcome;
import dev.runbook.engine.api.RunbookInfo;
import dev.runbook.engine.internal.catalog.Catalog;
import dev.runbook.engine.internal.plan.Plan;
import dev.runbook.engine.internal.plan.PlanStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.camunda.bpm.engine.runtime.ProcessInstance;

/**
 * Starts a run: its inputs checked and its plan bound before anything exists, then the person's
 * statement verified, the cluster locked, the evidence opened, and the process started and driven.
 */
final class RunLauncher {

  private final EngineCore core;

  RunLauncher(EngineCore core) {
    this.core = core;
  }

  /** Starts a run (see {@link EngineCore#start}). */
  RunOutcome start(
      String runbook,
      Path inventoryFile,
      Map<String, String> given,
      String startedBy,
      String approvedPlan,
      Identity identity) {
    Catalog.Entry entry = core.catalog.get(runbook);
    Inventory inventory = Inventory.load(inventoryFile);
    Map<String, String> params = RunInputs.parameters(entry, given);
    EngineCore.requireName(startedBy, "--as");
    Attestor.requireApprovalSection(inventory);
    Plan plan =
        RunInputs.bindPlan(
            core.options(), core.steps, core.templates, entry, inventory, params, approvedPlan);
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
    Path runDir = core.runDir(runId);
    core.locks().acquire(inventory.cluster(), runId, startedBy, this::alive);
    RunSession session = null;
    try {
      core.holdDriverLock(runDir);
      session =
          new RunSession(
              runId,
              null,
              entry,
              inventory,
              params,
              startedBy,
              runDir,
              core.openJournal(runDir, RunInputs.redactor(inventory, entry, params)),
              core.templates,
              core.options().listener(),
              Sealer.of(core.options().home(), runId));
      core.shells(session);
      session.bind(
          plan,
          core.steps,
          RunInputs.redactor(inventory, entry, params),
          RunInputs.secretDigest(core.options().home()),
          true);
      core.sessions.put(session);
      session.emit(
          new RunEvent.RunStarted(
              runId,
              entry.id(),
              inventory.cluster(),
              startedBy,
              params,
              inventory.source().toString(),
              EngineCore.sha256(inventory.source()),
              plan.sha256(),
              inventory.approval().identity(),
              inventory.approval().allowedSigners() == null
                  ? null
                  : inventory.approval().allowedSigners().toString(),
              inventory.approval().allowedSignersSha256()));
      session.emit(
          new RunEvent.RunPinned(
              entry.id(), plan.runbookSha256(), EngineVersion.get(), plan.templates()));
      Gatekeeper.recordVerified(session, who);
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
      vars.put("inventorySha256", EngineCore.sha256(inventory.source()));
      vars.put(EngineCore.PLAN_VARIABLE, plan.sha256());
      ProcessInstance pi =
          core.engine().getRuntimeService().startProcessInstanceByKey(entry.id(), runId, vars);
      session.processInstanceId = pi.getId();
      return core.driver.drive(session);
    } catch (RuntimeException e) {
      if (session == null || session.processInstanceId == null) {
        if (session != null) {
          session.nodeLock.releaseAll();
        }
        core.locks().release(inventory.cluster(), runId);
      }
      throw e;
    } finally {
      core.sessions.closeAll();
    }
  }

  boolean alive(String runId) {
    return core.engine()
            .getRuntimeService()
            .createProcessInstanceQuery()
            .processInstanceBusinessKey(runId)
            .count()
        > 0;
  }

  String newRunId() {
    SecureRandom random = new SecureRandom();
    while (true) {
      byte[] b = new byte[4];
      random.nextBytes(b);
      String id = HexFormat.of().formatHex(b);
      if (!Files.exists(core.runDir(id))) {
        return id;
      }
    }
  }
}
