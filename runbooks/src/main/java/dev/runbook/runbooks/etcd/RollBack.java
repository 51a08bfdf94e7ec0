package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts the cluster back on its original data after a failure or a rejection past the stop: stops
 * whatever runs (the control plane, and etcd wherever it runs on a restored dir: its patched
 * manifest is set aside into the run's dir, never deleted), puts the original etcd.yaml back (it
 * still points at the original data dir, untouched), waits for a healthy quorum, puts the control
 * plane back, and checks the original state: same cluster id as before the run, and the marker
 * reads what it read before. Every move is a no-op when already made, so it can run again.
 */
@Doc(
    "Puts the cluster back as it was before the restore: the original etcd.yaml (still pointing at the untouched data dir), a healthy quorum, the control plane; then checks the cluster id and marker read before the run.")
final class RollBack extends DeclaredStep<RollBack.Input, RollBack.Output> {

  /**
   * @param clusterIdBefore the cluster id read before the run ("" when etcd did not answer)
   * @param markerRead whether the marker was read before the run
   * @param markerBefore its value then
   */
  record Input(
      @Doc(
              value = "How long to wait for health, as an ISO-8601 duration such as PT2M.",
              required = true)
          String timeout,
      @Doc("The cluster id read before the run (empty when etcd did not answer).")
          String clusterIdBefore,
      @Doc(value = "Whether the marker key was read before the run.", defaultValue = "false")
          boolean markerRead,
      @Doc("The marker's value read before the run.") String markerBefore) {
    Input {
      Restore.duration(timeout, "timeout");
      clusterIdBefore = clusterIdBefore == null ? "" : clusterIdBefore;
      markerBefore = markerBefore == null ? "" : markerBefore;
    }
  }

  record Output(
      Map<String, String> setAside,
      List<MemberClient.Status> statuses,
      Map<String, List<String>> started,
      String marker) {}

  RollBack() {
    super("etcdRollBack", Input.class, Effect.MUTATING);
  }

  @Override
  public Output run(Input input, StepContext context) {
    Duration timeout = Restore.duration(input.timeout(), "timeout");
    Inventory inv = context.inventory();
    if (ExternalRestore.external(inv)) {
      return external(input, context, timeout);
    }
    Map<String, String> setAside = new LinkedHashMap<>();
    for (Inventory.Member m : context.nodes()) {
      context.progress("rolling back " + m.name() + ": stopping what runs");
      Restore.move(context, m.name(), "move-aside.ftl", Restore.CONTROL_PLANE);
      String moved =
          NodeCommands.check(
                  context,
                  m.name(),
                  SET_ASIDE,
                  setAsideModel(inv, context.runId()),
                  Restore.COMMAND)
              .getOrDefault("setAside", "");
      if (!moved.isEmpty()) {
        setAside.put(m.name(), moved);
      }
    }
    List<String> all = new ArrayList<>(Restore.CONTROL_PLANE);
    all.add(Restore.ETCD);
    // Where nothing was set aside, etcd.yaml in place is the original: the wait skips etcd there.
    Restore.waitFor(context, all, "gone", timeout);
    StartControlPlane.start(context, List.of(Restore.ETCD));
    return checkOriginal(
        input,
        context,
        timeout,
        setAside,
        context.nodes(),
        "the original manifests are in the manifest dir");
  }

  /**
   * External etcd: the API servers on the control-plane nodes stop again (if the run had started
   * them); on every member at once, where the run's drop-in is installed the unit stops and the
   * drop-in is moved into the run's dir (never deleted); daemon-reload and start on the unit as it
   * was, on the untouched original data dir. Then the same checks as stacked.
   */
  private static Output external(Input input, StepContext context, Duration timeout) {
    Inventory inv = context.inventory();
    ExternalRestore.stopApiServers(context, timeout);
    String cmd =
        context.render(
            ExternalRestore.ROLL_BACK, ExternalRestore.rollBackModel(inv, context.runId()));
    Map<String, String[]> done =
        EachMember.inParallel(
            context.nodes(),
            m -> {
              context.progress("rolling back " + m.name() + ": the unit on its original data");
              dev.runbook.engine.api.CommandResult r =
                  context.exec(m.name(), cmd, timeout.plusSeconds(30));
              return r.ok()
                  ? new String[] {KeyValues.parse(r.stdout()).getOrDefault("setAside", ""), ""}
                  : new String[] {"", m.name() + ": " + r.stderr().strip()};
            });
    Map<String, String> setAside = new LinkedHashMap<>();
    List<String> failures = new ArrayList<>();
    done.forEach(
        (node, r) -> {
          if (!r[0].isEmpty()) {
            setAside.put(node, r[0]);
          }
          if (!r[1].isEmpty()) {
            failures.add(r[1]);
          }
        });
    if (!failures.isEmpty()) {
      throw new RunbookError(
          ErrorCode.STEP_FAILED,
          "rollback: etcd did not start on its original data: " + String.join("; ", failures));
    }
    return checkOriginal(
        input,
        context,
        timeout,
        setAside,
        ExternalRestore.controlPlanes(inv),
        "every member's unit is as it was (the run's drop-in set aside)");
  }

  /**
   * Waits for a healthy quorum on the original data, starts the API servers on {@code apiServers},
   * and checks that the cluster is the one from before the run: same cluster id, same marker.
   */
  private static Output checkOriginal(
      Input input,
      StepContext context,
      Duration timeout,
      Map<String, String> setAside,
      List<Inventory.Member> apiServers,
      String where) {
    Inventory inv = context.inventory();
    String runDir = Restore.runDir(inv, context.runId());
    List<MemberClient.Status> statuses;
    String marker = "";
    List<String> problems = new ArrayList<>();
    try (EtcdAccess etcd = EtcdAccess.of(context)) {
      statuses = ClusterHealth.await(context, etcd, context.nodes(), timeout);
      Map<String, List<String>> started =
          StartControlPlane.start(context, apiServers, Restore.CONTROL_PLANE);
      Restore.waitFor(context, apiServers, Restore.CONTROL_PLANE, "running", timeout);
      for (MemberClient.Status s : statuses) {
        if (!input.clusterIdBefore().isEmpty() && !input.clusterIdBefore().equals(s.clusterId())) {
          problems.add(
              s.name()
                  + " is in cluster "
                  + s.clusterId()
                  + ", not the original "
                  + input.clusterIdBefore());
        }
      }
      Inventory.Marker wanted = inv.validate() == null ? null : inv.validate().marker();
      if (wanted != null && input.markerRead()) {
        String v = etcd.member(context.nodes().get(0)).get(wanted.key());
        marker = v == null ? "" : v;
        if (!marker.equals(input.markerBefore())) {
          problems.add(
              "the marker reads '" + marker + "', before the run '" + input.markerBefore() + "'");
        }
      }
      if (!problems.isEmpty()) {
        throw new RunbookError(
            ErrorCode.VALIDATION_FAILED,
            "rolled back, but the cluster is not as it was: "
                + String.join("; ", problems)
                + "; "
                + where
                + " and the run's dir "
                + runDir
                + " holds the rest: look before resuming");
      }
      return new Output(setAside, statuses, started, marker);
    } catch (EtcdUnreachable e) {
      throw new RunbookError(ErrorCode.STEP_FAILED, "rollback: " + e.getMessage());
    }
  }

  /**
   * Every move of the rollback is a no-op once made, and its waits and checks only read, so it may
   * run again after a crash or a broken connection, as long as each member's etcd.yaml is still
   * where the run put it: in the manifest dir, or in the run's dir, or both. A member that has it
   * in neither place was changed by someone else: a person must look.
   */
  @Override
  public Probe probe(Input input, StepContext context) {
    if (ExternalRestore.external(context.inventory())) {
      // Setting aside a drop-in already set aside, reloading and starting a started unit are
      // no-ops; nothing else it does changes a member.
      return Probe.NOT_DONE;
    }
    return etcdManifestsFound(context) ? Probe.NOT_DONE : Probe.UNKNOWN;
  }

  /** Whether every member's etcd.yaml is in its manifest dir or in the run's dir (or both). */
  static boolean etcdManifestsFound(StepContext context) {
    return found(context, List.of(Restore.ETCD), false);
  }

  /**
   * Whether every member has each of {@code files} in the run's dir ({@code runDirOnly}), or in
   * either its manifest dir or the run's dir: where a probe of a step that moves them expects them.
   */
  static boolean found(StepContext context, List<String> files, boolean runDirOnly) {
    for (Inventory.Member m : context.nodes()) {
      Map<String, String> r =
          NodeCommands.check(
              context,
              m.name(),
              FIND,
              findModel(context.inventory(), context.runId(), files),
              Restore.COMMAND);
      for (int i = 0; i < files.size(); i++) {
        boolean inRunDir = "true".equals(r.get("inRunDir" + i));
        if (!inRunDir && (runDirOnly || !"true".equals(r.get("inPlace" + i)))) {
          return false;
        }
      }
    }
    return true;
  }

  /** The probe's reading of {@link #etcdManifestsFound}, as the plan shows it for each member. */
  static void planFind(PlanContext plan) {
    planFind(plan, List.of(Restore.ETCD));
  }

  /** The probe's reading of {@link #found} for {@code files}, as the plan shows it. */
  static void planFind(PlanContext plan, List<String> files) {
    Map<String, Object> model = findModel(plan.inventory(), PlanContext.RUN_ID, files);
    for (Inventory.Member m : plan.nodes()) {
      plan.probe(m.name(), plan.render(FIND, model));
    }
  }

  private static Map<String, Object> findModel(
      Inventory inventory, String runId, List<String> files) {
    Map<String, Object> model = setAsideModel(inventory, runId);
    model.remove("file");
    model.put("files", files);
    return model;
  }

  private static final String FIND = "commands/etcd-restore/find-manifest.ftl";
  private static final String SET_ASIDE = "commands/etcd-restore/set-aside.ftl";

  static Map<String, Object> setAsideModel(Inventory inventory, String runId) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("manifestDir", inventory.etcd().manifestDir());
    model.put("runDir", Restore.runDir(inventory, runId));
    model.put("file", Restore.ETCD);
    return model;
  }

  @Override
  public void plan(PlanContext plan) {
    Duration timeout = Restore.planDuration(plan, "timeout");
    if (ExternalRestore.external(plan.inventory())) {
      ExternalRestore.planStopApiServers(plan, timeout);
      List<Inventory.Member> cps = ExternalRestore.controlPlanes(plan.inventory());
      ExternalRestore.planOnMembers(
          plan,
          ExternalRestore.ROLL_BACK,
          ExternalRestore.rollBackModel(plan.inventory(), PlanContext.RUN_ID));
      plan.note(
          "on every member at once: where the run's drop-in is installed, stops the unit and moves"
              + " the drop-in into the run's dir (never deleted); daemon-reload; starts the unit on"
              + " its original, untouched data dir");
      plan.note("waits until every member is healthy with a quorum on its original data (jetcd)");
      Restore.planMove(plan, cps, "put-back.ftl", Restore.CONTROL_PLANE);
      Restore.planWait(plan, cps, Restore.CONTROL_PLANE, "running", timeout);
      plan.note(
          "checks that every member is in the cluster it was in before the run and that the marker"
              + " reads as it did before the run");
      return;
    }
    Restore.planMove(plan, "move-aside.ftl", Restore.CONTROL_PLANE);
    Map<String, Object> model = setAsideModel(plan.inventory(), PlanContext.RUN_ID);
    for (Inventory.Member m : plan.nodes()) {
      plan.command(m.name(), plan.render(SET_ASIDE, model));
    }
    planFind(plan);
    List<String> stopping = new ArrayList<>(Restore.CONTROL_PLANE);
    stopping.add(Restore.ETCD);
    Restore.planWait(plan, stopping, "gone", timeout);
    plan.note(
        "on a node where nothing was set aside (its etcd.yaml is the original), the wait skips"
            + " etcd: it runs on the original data");
    Restore.planMove(plan, "put-back.ftl", List.of(Restore.ETCD));
    plan.note("waits until every member is healthy with a quorum on its original data (jetcd)");
    Restore.planMove(plan, "put-back.ftl", Restore.CONTROL_PLANE);
    Restore.planWait(plan, Restore.CONTROL_PLANE, "running", timeout);
    plan.note(
        "checks that every member is in the cluster it was in before the run and that the marker"
            + " reads as it did before the run");
  }
}
