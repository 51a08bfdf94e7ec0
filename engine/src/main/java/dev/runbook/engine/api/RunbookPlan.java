package dev.runbook.engine.api;

import dev.runbook.engine.internal.plan.Plan;
import dev.runbook.engine.internal.plan.PlanMarkdown;
import dev.runbook.engine.internal.plan.PlanStore;

/**
 * A plan as {@code runbook plan} prints it.
 *
 * @param sha256 the plan hash: SHA-256 over the plan's canonical JSON, what reviewers approve
 * @param markdown for a change ticket
 * @param json the plan as indented JSON, with its hash
 */
public record RunbookPlan(String sha256, String markdown, String json) {

  static RunbookPlan of(Plan plan) {
    String hash = plan.sha256();
    return new RunbookPlan(
        hash,
        PlanMarkdown.render(plan),
        PlanStore.pretty(java.util.Map.of("planSha256", hash, "plan", plan)));
  }
}
