package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.api.StepOutcome;
import dev.runbook.engine.internal.catalog.Catalog;
import dev.runbook.engine.internal.evidence.EvidenceEvents;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.FlowNode;

/**
 * What a run's changing steps did, and where, read from its evidence (which steps started, with
 * their effect and nodes, and how each ended) and from each task's own documentation (its "Blast
 * radius:" part, which every task of a runbook states): what an abort without rollback leaves
 * behind, said per step, for any runbook.
 */
final class WhatIsLeft {

  private static final Pattern BLAST_RADIUS =
      Pattern.compile("Blast radius:\\s*(.*?)\\s*(?:Rollback:|$)", Pattern.DOTALL);

  private WhatIsLeft() {}

  /** The activity ids of the DESTRUCTIVE steps that started, in the order they first did. */
  static List<String> destructiveStarted(List<EvidenceEvents.Recorded> evidence) {
    List<String> ids = new ArrayList<>();
    for (EvidenceEvents.Recorded r : evidence) {
      if (r.event() instanceof RunEvent.StepStarted s
          && s.effect() == Effect.DESTRUCTIVE
          && !ids.contains(s.activityId())) {
        ids.add(s.activityId());
      }
    }
    return ids;
  }

  /**
   * One line per MUTATING or DESTRUCTIVE step that started, in the order they first did: its name,
   * id and effect, the nodes it ran on, how its last attempt ended, and what its documentation says
   * it changes. A step that started and did not finish may have changed part of it.
   */
  static List<String> lines(List<EvidenceEvents.Recorded> evidence, BpmnModelInstance model) {
    Map<String, RunEvent.StepStarted> started = new LinkedHashMap<>();
    Map<String, StepOutcome> outcome = new LinkedHashMap<>();
    for (EvidenceEvents.Recorded r : evidence) {
      if (r.event() instanceof RunEvent.StepStarted s && s.effect() != Effect.READ_ONLY) {
        started.put(s.activityId(), s);
        outcome.remove(s.activityId());
      } else if (r.event() instanceof RunEvent.StepFinished f
          && started.containsKey(f.activityId())) {
        outcome.put(f.activityId(), f.outcome());
      }
    }
    List<String> lines = new ArrayList<>();
    for (Map.Entry<String, RunEvent.StepStarted> e : started.entrySet()) {
      RunEvent.StepStarted r = e.getValue();
      String how =
          outcome.get(e.getKey()) == StepOutcome.FAILED
              ? "failed part way (some of it may be done)"
              : outcome.get(e.getKey()) != null && outcome.get(e.getKey()).done()
                  ? "done"
                  : "started and did not finish (some of it may be done)";
      StringBuilder line =
          new StringBuilder()
              .append(r.name() == null || r.name().isEmpty() ? e.getKey() : r.name())
              .append(" (")
              .append(e.getKey())
              .append(", ")
              .append(r.effect())
              .append(")")
              .append(r.nodes().isEmpty() ? "" : " on " + String.join(", ", r.nodes()))
              .append(": ")
              .append(how);
      blastRadius(model, e.getKey()).ifPresent(b -> line.append(". It changes: ").append(b));
      lines.add(line.toString());
    }
    return lines;
  }

  private static java.util.Optional<String> blastRadius(BpmnModelInstance model, String id) {
    if (!(model.getModelElementById(id) instanceof FlowNode task)) {
      return java.util.Optional.empty();
    }
    Matcher m = BLAST_RADIUS.matcher(Catalog.documentation(task));
    return m.find() && !m.group(1).isBlank()
        ? java.util.Optional.of(m.group(1))
        : java.util.Optional.empty();
  }
}
