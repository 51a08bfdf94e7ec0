package dev.runbook.engine.internal.plan;

import dev.runbook.engine.api.Inventory;
import java.util.HashMap;
import java.util.Map;

/** The model every command template sees, in a run and in a plan alike. */
public final class TemplateModel {

  private TemplateModel() {}

  /**
   * {@code run} (id, cluster, startedBy), {@code params}, {@code inventory}, then {@code extra}.
   */
  public static Map<String, Object> of(
      String runId,
      Inventory inventory,
      Map<String, String> parameters,
      String startedBy,
      Map<String, Object> extra) {
    Map<String, Object> m = new HashMap<>();
    m.put("run", Map.of("id", runId, "cluster", inventory.cluster(), "startedBy", startedBy));
    m.put("params", parameters);
    m.put("inventory", inventory);
    m.putAll(extra);
    return m;
  }
}
