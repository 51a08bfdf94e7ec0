package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.BadInputException;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.RunbookInfo;
import dev.runbook.engine.internal.catalog.Catalog;
import dev.runbook.engine.internal.evidence.EvidenceEvents;
import dev.runbook.engine.internal.plan.PlanStore;
import dev.runbook.engine.internal.template.TemplateRenderer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;

/**
 * Opens a session on a run that exists, in any process: its variables (secret ones opened from
 * their seal), inventory and plan as the run started with them, refused when the inventory, the
 * runbook, its templates or the engine changed since.
 */
final class SessionOpener {

  private final EngineCore core;

  SessionOpener(EngineCore core) {
    this.core = core;
  }

  RunSession openSession(String runId) {
    RuntimeService runtime = core.engine().getRuntimeService();
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
    if (!Files.isReadable(inventoryPath) || !EngineCore.sha256(inventoryPath).equals(recorded)) {
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
        core.engine()
            .getRepositoryService()
            .getProcessDefinition(pi.getProcessDefinitionId())
            .getKey();
    Catalog.Entry entry =
        new Catalog.Entry(
            key,
            "deployment:" + pi.getProcessDefinitionId(),
            new byte[0],
            deployedModel(key, pi.getProcessDefinitionId()));
    // Opened in memory only: the database keeps secret parameters sealed (see Sealer).
    Sealer sealer = Sealer.of(core.options().home(), runId);
    Map<String, String> params = new LinkedHashMap<>();
    for (RunbookInfo.Parameter p : entry.parameters()) {
      Object v = vars.get(p.name());
      if (v != null) {
        params.put(p.name(), sealer.open(v.toString()));
      }
    }
    Path runDir = core.runDir(runId);
    RunSession s =
        new RunSession(
            runId,
            pi.getId(),
            entry,
            inventory,
            params,
            (String) vars.get("startedBy"),
            runDir,
            core.openJournal(runDir, RunInputs.redactor(inventory, entry, params)),
            core.templates,
            core.options().listener(),
            sealer);
    core.shells(s);
    requireSamePins(s, entry);
    Object plan = vars.get(EngineCore.PLAN_VARIABLE);
    if (plan != null) {
      s.bind(
          PlanStore.load(core.options().home(), plan.toString()),
          core.steps,
          RunInputs.redactor(inventory, entry, params),
          RunInputs.secretDigest(core.options().home()),
          false);
    }
    return s;
  }

  /**
   * Refuses (exit 2) to act on a run with a runbook, templates or engine other than those it
   * started with: what this process would send is not what was approved. Names the first file that
   * differs and how to get back to the run's own.
   */
  void requireSamePins(RunSession s, Catalog.Entry entry) {
    RunEvent.RunPinned pins = null;
    for (EvidenceEvents.Recorded r : s.events()) {
      if (r.event() instanceof RunEvent.RunPinned p) {
        pins = p;
        break;
      }
    }
    if (pins == null) {
      return; // a run started before runs pinned what they are made of
    }
    List<String> differ = new ArrayList<>();
    Catalog.Entry current =
        core.catalog.entries().stream()
            .filter(e -> e.id().equals(entry.id()))
            .findFirst()
            .orElse(null);
    String bpmn = current == null ? null : EngineCore.sha256(current.bpmn());
    if (current == null) {
      differ.add("runbook " + entry.id() + ": not among this process's runbooks");
    } else if (!bpmn.equals(pins.runbookSha256())) {
      differ.add(
          "runbook "
              + entry.id()
              + " ("
              + current.source()
              + "): SHA-256 "
              + bpmn
              + ", the run started with "
              + pins.runbookSha256());
    }
    if (!EngineVersion.get().equals(pins.engineVersion())) {
      differ.add(
          "engine version "
              + EngineVersion.get()
              + ", the run started with "
              + pins.engineVersion());
    }
    pins.templates()
        .forEach(
            (name, sha256) -> {
              TemplateRenderer.Source now;
              try {
                now = core.templates.source(name);
              } catch (dev.runbook.engine.internal.template.RenderException e) {
                differ.add("template " + name + ": not found by this process");
                return;
              }
              if (!now.sha256().equals(sha256)) {
                differ.add(
                    "template "
                        + name
                        + " ("
                        + now.origin()
                        + "): SHA-256 "
                        + now.sha256()
                        + ", the run started with "
                        + sha256);
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
  BpmnModelInstance deployedModel(String key, String processDefinitionId) {
    for (Catalog.Entry e : core.catalog.entries()) {
      if (e.id().equals(key)) {
        try (java.io.InputStream in =
            core.engine().getRepositoryService().getProcessModel(processDefinitionId)) {
          if (Arrays.equals(in.readAllBytes(), e.bpmn())) {
            return e.model();
          }
        } catch (IOException ignored) {
          // Read below by the engine, which reports what is wrong with it.
        }
      }
    }
    return core.engine().getRepositoryService().getBpmnModelInstance(processDefinitionId);
  }
}
