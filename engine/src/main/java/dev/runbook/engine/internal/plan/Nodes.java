package dev.runbook.engine.internal.plan;

import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.RunbookError;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code nodes} input every step task has: {@code all}, {@code first}, {@code none} or names.
 */
public final class Nodes {

  public static final String INPUT = "nodes";

  private Nodes() {}

  /**
   * @throws RunbookError STEP_FAILED when a name is not a member of the inventory
   */
  public static List<Inventory.Member> of(Inventory inventory, Object spec) {
    String s = spec == null ? "all" : spec.toString().strip();
    if (s.equals("all")) {
      return inventory.members();
    }
    if (s.equals("none")) {
      return List.of();
    }
    if (s.equals("first")) {
      return List.of(inventory.members().get(0));
    }
    List<Inventory.Member> nodes = new ArrayList<>();
    for (String name : Arrays.stream(s.split(",")).map(String::strip).toList()) {
      nodes.add(
          inventory
              .member(name)
              .orElseThrow(
                  () ->
                      new RunbookError(
                          ErrorCode.STEP_FAILED,
                          "nodes: no member '" + name + "' in the inventory")));
    }
    return nodes;
  }
}
