package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.StepContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts the control plane again on every member: the manifests the stop moved into the run's dir
 * go back into the manifest dir, then waits until each member runs each of them. Safe to run again.
 */
@Doc(
    "Starts the control plane again on every member: the manifests the stop set aside go back, then it waits until each member runs them.")
final class StartControlPlane
    extends DeclaredStep<StartControlPlane.Input, StartControlPlane.Output> {

  record Input(
      @Doc(
              value =
                  "How long to wait for the control plane, as an ISO-8601 duration such as PT2M.",
              required = true)
          String timeout) {
    Input {
      Restore.duration(timeout, "timeout");
    }
  }

  /**
   * @param started per member, the manifests now back in the manifest dir
   */
  record Output(Map<String, List<String>> started) {}

  StartControlPlane() {
    super("etcdStartControlPlane", Input.class, Effect.MUTATING);
  }

  @Override
  public Output run(Input input, StepContext context) {
    Duration timeout = Restore.duration(input.timeout(), "timeout");
    List<Inventory.Member> nodes = apiServerNodes(context.inventory(), context.nodes());
    Map<String, List<String>> started = start(context, nodes, Restore.CONTROL_PLANE);
    Restore.waitFor(context, nodes, Restore.CONTROL_PLANE, "running", timeout);
    return new Output(started);
  }

  /**
   * Running it again is always safe, so the probe need not look: putting a manifest back is a no-op
   * once made, refuses to overwrite one someone put in the manifest dir meanwhile (exit 3, the step
   * fails), and skips one in neither place, as the first run did for a component the node does not
   * run (the stop moved only what was there); the wait only reads.
   */
  @Override
  public Probe probe(Input input, StepContext context) {
    return Probe.NOT_DONE;
  }

  /**
   * Puts {@code files} back on every targeted member, all at once; returns what each member now has
   * back.
   */
  static Map<String, List<String>> start(StepContext context, List<String> files) {
    return start(context, context.nodes(), files);
  }

  /** Puts {@code files} back on {@code nodes}, all at once. */
  static Map<String, List<String>> start(
      StepContext context, List<Inventory.Member> nodes, List<String> files) {
    Map<String, List<String>> started = new LinkedHashMap<>();
    EachMember.inParallel(nodes, m -> Restore.move(context, m.name(), "put-back.ftl", files))
        .forEach(
            (node, r) ->
                started.put(
                    node,
                    java.util.stream.Stream.concat(
                            r.get("moved").stream(), r.get("already").stream())
                        .toList()));
    return started;
  }

  /**
   * Where the API servers run: the targeted members (stacked), or the control-plane nodes (external
   * etcd).
   */
  static List<Inventory.Member> apiServerNodes(Inventory inv, List<Inventory.Member> members) {
    return ExternalRestore.external(inv) ? ExternalRestore.controlPlanes(inv) : members;
  }

  @Override
  public void plan(PlanContext plan) {
    List<Inventory.Member> nodes = apiServerNodes(plan.inventory(), plan.nodes());
    Restore.planMove(plan, nodes, "put-back.ftl", Restore.CONTROL_PLANE);
    Restore.planWait(
        plan, nodes, Restore.CONTROL_PLANE, "running", Restore.planDuration(plan, "timeout"));
    plan.note(
        "after a crash or a broken connection, runs again without asking: every move above is a"
            + " no-op once made and never overwrites a manifest");
    plan.note(
        "on each node, waits only for the components whose manifests are in the manifest dir");
  }
}
