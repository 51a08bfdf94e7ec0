package dev.runbook.engine.internal.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What a run's evidence says about one visit of a gate: who approved it, and whether it was
 * decided. The evidence is fsynced before the engine database commits the decision, and a SIGKILL
 * can cost the database (H2) its last commit; so the evidence, not a task variable, is what counts,
 * and a gate the evidence shows decided is not asked of a person again.
 *
 * <p>A visit is the gate's task: its {@code gate.pending} record names the task id, and every
 * {@code gate.decision} for that gate after it belongs to that visit.
 */
final class GateLedger {

  /** A gate visit the evidence shows decided: {@code approved} or {@code rejected}. */
  record Decided(String decision, String by, String comment, String at) {}

  private final List<String> approvals;
  private final Decided rejected;
  private final String lastApprovalAt;
  private final boolean announced;

  private GateLedger(
      List<String> approvals, Decided rejected, String lastApprovalAt, boolean announced) {
    this.approvals = approvals;
    this.rejected = rejected;
    this.lastApprovalAt = lastApprovalAt;
    this.announced = announced;
  }

  /** The ledger of the visit that task {@code taskId} of gate {@code activityId} is. */
  static GateLedger of(List<JsonNode> evidence, String activityId, String taskId) {
    List<String> approvals = new ArrayList<>();
    Decided rejected = null;
    String lastAt = null;
    boolean announced = false;
    for (JsonNode r : evidence) {
      String type = r.path("type").asText();
      if (type.equals("gate.pending") && r.path("activityId").asText().equals(activityId)) {
        // A later visit of the same gate starts a new ledger; only this task's visit counts.
        announced = r.path("taskId").asText().equals(taskId);
        approvals.clear();
        rejected = null;
        lastAt = null;
      } else if (announced
          && type.equals("gate.decision")
          && r.path("activityId").asText().equals(activityId)
          && !EngineCore.RECONCILE.equals(r.path("name").asText())) {
        String by = r.path("by").asText();
        switch (r.path("decision").asText()) {
          case "approved" -> {
            if (!approvals.contains(by)) {
              approvals.add(by);
            }
            lastAt = r.path("at").asText();
          }
          case "rejected" ->
              rejected =
                  new Decided("rejected", by, r.path("comment").asText(""), r.path("at").asText());
          default -> {} // expired: the gate's timer is still due in the database and fires again
        }
      }
    }
    return new GateLedger(approvals, rejected, lastAt, announced);
  }

  /** Whether this task's visit was announced ({@code gate.pending}) in the evidence. */
  boolean announced() {
    return announced;
  }

  /** The people who approved this visit, in order, each once. */
  List<String> approvals() {
    return List.copyOf(approvals);
  }

  /**
   * The decision the evidence holds for this visit, if it closed the gate: a rejection, or as many
   * approvals as the gate needs; null while the gate still waits.
   */
  Decided decided(int approversRequired) {
    if (rejected != null) {
      return rejected;
    }
    if (!approvals.isEmpty() && approvals.size() >= approversRequired) {
      return new Decided(
          "approved", String.join(", ", approvals), "approved by " + approvals, lastApprovalAt);
    }
    return null;
  }
}
