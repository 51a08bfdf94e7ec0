package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Proves the restored copy holds what the snapshot holds: the throwaway etcd is healthy, its
 * revision equals the snapshot's, its key count equals the snapshot's live keys, Kubernetes
 * namespaces are there, and the inventory's marker key reads as it should. Every mismatch is listed
 * at once.
 */
@Doc(
    "Proves the rehearsal's restored copy holds what the snapshot holds: healthy, same revision, same key count, Kubernetes namespaces present, marker key as expected.")
final class RehearsalCheck extends DeclaredStep<RehearsalCheck.Input, RehearsalCheck.Output> {

  record Input(
      @Doc("Path of etcdctl on the node (from tool detection).") String etcdctl,
      @Doc(value = "Client URL of the throwaway etcd (from the start step).", required = true)
          String endpoint,
      @Doc("The revision the snapshot holds.") Long revision,
      @Doc("The number of live keys the snapshot holds.") Long keys,
      @Doc(
              value =
                  "The fewest keys under /registry/namespaces/ the copy must hold (a Kubernetes"
                      + " cluster has at least default, kube-system, kube-public).",
              defaultValue = "1")
          Long minNamespaces,
      @Doc(
              "The marker key to read instead of the inventory's validate.marker; empty: the"
                  + " inventory's (if any).")
          String markerKey,
      @Doc("The text markerKey's value must contain (with markerKey).") String markerContains) {
    Input {
      if (endpoint == null) {
        throw new IllegalArgumentException("endpoint is required");
      }
      minNamespaces = minNamespaces == null ? 1 : minNamespaces;
      if (minNamespaces < 0) {
        throw new IllegalArgumentException("minNamespaces must be 0 or more");
      }
      if (markerKey != null && !markerKey.isBlank() && markerContains == null) {
        markerContains = "";
      }
    }

    /** The marker to read: the one given, else the inventory's, else none. */
    Inventory.Marker marker(Inventory inventory) {
      if (markerKey != null && !markerKey.isBlank()) {
        return new Inventory.Marker(markerKey, markerContains);
      }
      return inventory.validate() == null ? null : inventory.validate().marker();
    }
  }

  /**
   * @param summary {@code checked} in one line ({@code ; } between), for a step that takes text
   */
  record Output(
      long revision,
      long keys,
      long namespaces,
      String marker,
      List<String> checked,
      String summary) {}

  RehearsalCheck() {
    super("etcdRehearsalCheck", Input.class, Effect.READ_ONLY);
  }

  @Override
  public Output run(Input input, StepContext context) {
    String node = NodeCommands.single(context).name();
    Inventory.Marker marker = input.marker(context.inventory());
    Map<String, String> kv =
        NodeCommands.check(
            context,
            node,
            CHECK,
            checkModel(input.etcdctl(), input.endpoint(), marker),
            Duration.ofSeconds(60));
    List<String> problems = new ArrayList<>();
    List<String> checked = new ArrayList<>();
    long revision = Long.parseLong(NodeCommands.require(kv, "revision", "throwaway check"));
    long keys = Long.parseLong(NodeCommands.require(kv, "keys", "throwaway check"));
    long namespaces = Long.parseLong(NodeCommands.require(kv, "namespaces", "throwaway check"));
    compare("revision", revision, input.revision(), problems, checked);
    compare("key count", keys, input.keys(), problems, checked);
    if (namespaces < input.minNamespaces()) {
      problems.add(
          namespaces < 1
              ? "no key under /registry/namespaces/: this is not a Kubernetes etcd snapshot"
              : namespaces
                  + " keys under /registry/namespaces/, fewer than the "
                  + input.minNamespaces()
                  + " expected");
    } else {
      checked.add(namespaces + " namespaces under /registry/namespaces/");
    }
    String value = null;
    if (marker != null) {
      if (!"true".equals(kv.get("markerFound"))) {
        problems.add("the marker key " + marker.key() + " does not exist in the restored copy");
      } else {
        value =
            new String(
                Base64.getDecoder().decode(kv.getOrDefault("marker", "")), StandardCharsets.UTF_8);
        if (!value.contains(marker.contains())) {
          problems.add(
              "the marker key "
                  + marker.key()
                  + " reads '"
                  + value
                  + "', which does not contain '"
                  + marker.contains()
                  + "'");
        } else {
          checked.add("marker " + marker.key() + " contains '" + marker.contains() + "'");
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new RunbookError(
          ErrorCode.VALIDATION_FAILED,
          "the restored copy does not hold what the snapshot holds: "
              + String.join("; ", problems));
    }
    return new Output(revision, keys, namespaces, value, checked, String.join("; ", checked));
  }

  private static void compare(
      String what, long actual, Long expected, List<String> problems, List<String> checked) {
    if (expected == null) {
      return;
    }
    if (actual != expected) {
      problems.add(what + " is " + actual + ", the snapshot's is " + expected);
    } else {
      checked.add(what + " " + actual + " equals the snapshot's");
    }
  }

  private static final String CHECK = "commands/etcd/throwaway-check.ftl";

  static Map<String, Object> checkModel(String etcdctl, String endpoint, Inventory.Marker marker) {
    Map<String, Object> model = new HashMap<>();
    model.put("etcdctl", etcdctl);
    model.put("endpoint", endpoint);
    if (marker != null) {
      model.put("markerKey", marker.key());
    }
    return model;
  }

  @Override
  public void plan(PlanContext plan) {
    String key = plan.input("markerKey");
    Inventory.Marker marker =
        !key.isBlank() && !key.startsWith("⟨")
            ? new Inventory.Marker(key, plan.input("markerContains"))
            : plan.inventory().validate() == null ? null : plan.inventory().validate().marker();
    for (Inventory.Member m : plan.nodes()) {
      plan.command(
          m.name(),
          plan.render(CHECK, checkModel(plan.input("etcdctl"), plan.input("endpoint"), marker)));
    }
    plan.note("compares revision and key count with the snapshot's and reads the marker");
  }
}
