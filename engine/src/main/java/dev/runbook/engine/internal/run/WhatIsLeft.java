package dev.runbook.engine.internal.run;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.internal.catalog.Catalog;
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
  static List<String> destructiveStarted(List<JsonNode> evidence) {
    List<String> ids = new ArrayList<>();
    for (JsonNode r : evidence) {
      if (r.path("type").asText().equals("step.started")
          && r.path("effect").asText().equals(Effect.DESTRUCTIVE.name())
          && !ids.contains(r.path("activityId").asText())) {
        ids.add(r.path("activityId").asText());
      }
    }
    return ids;
  }

  /**
   * One line per MUTATING or DESTRUCTIVE step that started, in the order they first did: its name,
   * id and effect, the nodes it ran on, how its last attempt ended, and what its documentation says
   * it changes. A step that started and did not finish may have changed part of it.
   */
  static List<String> lines(List<JsonNode> evidence, BpmnModelInstance model) {
    Map<String, JsonNode> started = new LinkedHashMap<>();
    Map<String, String> outcome = new LinkedHashMap<>();
    for (JsonNode r : evidence) {
      String type = r.path("type").asText();
      String id = r.path("activityId").asText();
      if (type.equals("step.started")
          && !r.path("effect").asText().equals(Effect.READ_ONLY.name())) {
        started.put(id, r);
        outcome.remove(id);
      } else if (type.equals("step.finished") && started.containsKey(id)) {
        outcome.put(id, r.path("outcome").asText());
      }
    }
    List<String> lines = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : started.entrySet()) {
      JsonNode r = e.getValue();
      List<String> nodes = new ArrayList<>();
      r.path("nodes").forEach(n -> nodes.add(n.asText()));
      String how =
          switch (outcome.getOrDefault(e.getKey(), "")) {
            case "done", "already-done" -> "done";
            case "failed" -> "failed part way (some of it may be done)";
            default -> "started and did not finish (some of it may be done)";
          };
      StringBuilder line =
          new StringBuilder()
              .append(r.path("name").asText(e.getKey()))
              .append(" (")
              .append(e.getKey())
              .append(", ")
              .append(r.path("effect").asText())
              .append(")")
              .append(nodes.isEmpty() ? "" : " on " + String.join(", ", nodes))
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
