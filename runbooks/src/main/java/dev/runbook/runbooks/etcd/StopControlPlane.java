package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.CommandResult;
import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stops the control plane on every member, API servers first: moves kube-apiserver.yaml (and the
 * controller manager's and scheduler's, where present) into the run's dir beside the manifest dir
 * and waits until no node runs them; then the same for etcd.yaml. Each phase runs on every member
 * at once. Returns only when no member runs etcd: the barrier before any restore. Moving again what
 * is already moved is a no-op, so the step can run again after a crash.
 */
@Doc(
    "Stops the control plane on every member, API servers first, then etcd, by setting their manifests aside into the run's dir; returns only when no member runs etcd.")
final class StopControlPlane extends DeclaredStep<StopControlPlane.Input, StopControlPlane.Output> {

  record Input(
      @Doc(
              value =
                  "How long to wait for each phase to stop, as an ISO-8601 duration such as PT2M.",
              required = true)
          String timeout) {
    Input {
      Restore.duration(timeout, "timeout");
    }
  }

  /**
   * @param moved per member, the manifests now in the run's dir
   * @param runDir where they are
   */
  record Output(Map<String, List<String>> moved, String runDir) {}

  StopControlPlane() {
    super("etcdStopControlPlane", Input.class, Effect.DESTRUCTIVE);
  }

  @Override
  public Output run(Input input, StepContext context) {
    Duration timeout = Restore.duration(input.timeout(), "timeout");
    if (ExternalRestore.external(context.inventory())) {
      return external(context, timeout);
    }
    Map<String, List<String>> stopped = new LinkedHashMap<>();
    // Each phase on every member at once; the next phase starts when all are done.
    EachMember.inParallel(
            context.nodes(),
            m -> {
              // One line per member for the step; the waits show the rest.
              context.progress(m.name() + ": stopping the API servers, then etcd");
              return Restore.move(context, m.name(), "move-aside.ftl", Restore.CONTROL_PLANE);
            })
        .forEach(
            (node, r) -> {
              stopped.put(
                  node, new java.util.ArrayList<>(concat(r.get("moved"), r.get("already"))));
            });
    Restore.waitFor(context, Restore.CONTROL_PLANE, "gone", timeout);
    EachMember.inParallel(
            context.nodes(),
            m -> {
              Map<String, List<String>> r =
                  Restore.move(context, m.name(), "move-aside.ftl", List.of(Restore.ETCD));
              if (!r.get("absent").isEmpty()) {
                throw new RunbookError(
                    ErrorCode.STEP_FAILED,
                    m.name()
                        + ": no "
                        + Restore.ETCD
                        + " in the manifest dir nor in the run's dir: someone moved it during the"
                        + " run");
              }
              return r;
            })
        .keySet()
        .forEach(node -> stopped.get(node).add(Restore.ETCD));
    Restore.waitFor(context, List.of(Restore.ETCD), "gone", timeout);
    return new Output(stopped, Restore.runDir(context.inventory(), context.runId()));
  }

  /**
   * External etcd: the API servers on the control-plane nodes first (their manifests moved into the
   * run's dir there), then {@code systemctl stop} on every member at once, each waiting until the
   * unit is no longer active. Returns only when no member runs etcd.
   */
  private static Output external(StepContext context, Duration timeout) {
    Map<String, List<String>> stopped = ExternalRestore.stopApiServers(context, timeout);
    String unit = ExternalRestore.unit(context.inventory());
    String cmd =
        context.render(
            ExternalRestore.STOP,
            ExternalRestore.stopModel(context.inventory(), context.runId(), timeout));
    List<String> late = new java.util.ArrayList<>();
    EachMember.inParallel(
            context.nodes(),
            m -> {
              context.progress(m.name() + ": systemctl stop " + unit);
              CommandResult r = context.exec(m.name(), cmd, timeout.plusSeconds(60));
              if (r.exitStatus() == 124) {
                return m.name() + ": " + r.stderr().strip();
              } else if (!r.ok()) {
                throw new RunbookError(
                    ErrorCode.STEP_FAILED,
                    m.name() + ": systemctl stop " + unit + " failed: " + r.stderr().strip());
              }
              return "";
            })
        .forEach(
            (node, lateness) -> {
              if (!lateness.isEmpty()) {
                late.add(lateness);
              }
              stopped.computeIfAbsent(node, n -> new java.util.ArrayList<>()).add(unit);
            });
    if (!late.isEmpty()) {
      throw new RunbookError(ErrorCode.WAIT_TIMED_OUT, String.join("; ", late));
    }
    return new Output(stopped, Restore.runDir(context.inventory(), context.runId()));
  }

  /**
   * Moving again what is already moved is a no-op and the waits only read, so after a crash or a
   * broken connection the step runs again, as long as every member's etcd.yaml is still where the
   * step leaves it (the manifest dir or the run's dir); one found in neither place was moved by
   * someone else, and a person must look.
   */
  @Override
  public Probe probe(Input input, StepContext context) {
    if (ExternalRestore.external(context.inventory())) {
      // Moving the API servers' manifests again and stopping a stopped unit are no-ops.
      return Probe.NOT_DONE;
    }
    return RollBack.etcdManifestsFound(context) ? Probe.NOT_DONE : Probe.UNKNOWN;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }

  @Override
  public void plan(PlanContext plan) {
    Duration timeout = Restore.planDuration(plan, "timeout");
    if (ExternalRestore.external(plan.inventory())) {
      ExternalRestore.planStopApiServers(plan, timeout);
      ExternalRestore.planOnMembers(
          plan,
          ExternalRestore.STOP,
          ExternalRestore.stopModel(plan.inventory(), PlanContext.RUN_ID, timeout));
      plan.note(
          "the API servers stop on the control-plane nodes first; then every member's "
              + ExternalRestore.unit(plan.inventory())
              + " stops at once, each waiting until systemd says it is inactive");
      return;
    }
    Restore.planMove(plan, "move-aside.ftl", Restore.CONTROL_PLANE);
    Restore.planWait(plan, Restore.CONTROL_PLANE, "gone", timeout);
    Restore.planMove(plan, "move-aside.ftl", List.of(Restore.ETCD));
    Restore.planWait(plan, List.of(Restore.ETCD), "gone", timeout);
    RollBack.planFind(plan);
  }
}
