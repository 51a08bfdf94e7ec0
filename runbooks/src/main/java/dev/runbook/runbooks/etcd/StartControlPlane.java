package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.Step;
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
final class StartControlPlane implements Step<StartControlPlane.Input, StartControlPlane.Output> {

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

  @Override
  public String name() {
    return "etcdStartControlPlane";
  }

  @Override
  public Class<Input> inputType() {
    return Input.class;
  }

  @Override
  public Effect effect() {
    return Effect.MUTATING;
  }

  @Override
  public Output run(Input input, StepContext context) {
    Duration timeout = Restore.duration(input.timeout(), "timeout");
    Map<String, List<String>> started = start(context, Restore.CONTROL_PLANE);
    Restore.waitFor(context, Restore.CONTROL_PLANE, "running", timeout);
    return new Output(started);
  }

  /**
   * Putting the manifests back is a no-op once made and the wait only reads, so the step may run
   * again after a crash or a broken connection, as long as every member's control-plane manifests
   * are each in the manifest dir or the run's dir. One in neither place was moved by someone else:
   * a person must look.
   */
  @Override
  public Probe probe(Input input, StepContext context) {
    return RollBack.found(context, Restore.CONTROL_PLANE, false) ? Probe.NOT_DONE : Probe.UNKNOWN;
  }

  /**
   * Puts {@code files} back on every targeted member, all at once; returns what each member now has
   * back.
   */
  static Map<String, List<String>> start(StepContext context, List<String> files) {
    Map<String, List<String>> started = new LinkedHashMap<>();
    EachMember.inParallel(
            context.nodes(), m -> Restore.move(context, m.name(), "put-back.ftl", files))
        .forEach(
            (node, r) ->
                started.put(
                    node,
                    java.util.stream.Stream.concat(
                            r.get("moved").stream(), r.get("already").stream())
                        .toList()));
    return started;
  }

  @Override
  public void plan(PlanContext plan) {
    Restore.planMove(plan, "put-back.ftl", Restore.CONTROL_PLANE);
    Restore.planWait(plan, Restore.CONTROL_PLANE, "running", Restore.planDuration(plan, "timeout"));
    RollBack.planFind(plan, Restore.CONTROL_PLANE);
    plan.note(
        "on each node, waits only for the components whose manifests are in the manifest dir");
  }
}
