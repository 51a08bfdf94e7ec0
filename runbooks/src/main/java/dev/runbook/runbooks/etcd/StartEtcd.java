package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.CommandResult;
import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RemoteFailure;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Starts etcd on the restored data on every member: a copy of the patched manifest goes into the
 * manifest dir as etcd.yaml (the run's dir keeps the original and the patched one), then waits
 * until every member is healthy with a quorum. The API servers stay stopped until the restored
 * cluster has been checked.
 */
@Doc(
    "Starts etcd on the restored data on every member from its patched manifest and waits until every member is healthy with a quorum; the API servers stay stopped.")
final class StartEtcd extends DeclaredStep<StartEtcd.Input, StartEtcd.Output> {

  record Input(
      @Doc(
              value = "How long to wait for health, as an ISO-8601 duration such as PT2M.",
              required = true)
          String timeout) {
    Input {
      Restore.duration(timeout, "timeout");
    }
  }

  record Output(List<MemberClient.Status> statuses, long waitedMillis) {}

  StartEtcd() {
    super("etcdStartEtcd", Input.class, Effect.MUTATING);
  }

  @Override
  public Output run(Input input, StepContext context) {
    Duration timeout = Restore.duration(input.timeout(), "timeout");
    if (ExternalRestore.external(context.inventory())) {
      return external(context, timeout);
    }
    // The etcd containers that had exited before (the original etcd, stopped by the run): an exit
    // the watch sees later is the restored member's.
    Map<String, String> before =
        EachMember.inParallel(
            context.nodes(),
            m ->
                NodeCommands.check(context, m.name(), LIST_EXITED, listModel(), Restore.COMMAND)
                    .getOrDefault("exited", ""));
    for (Inventory.Member m : context.nodes()) {
      context.progress(m.name() + ": starting etcd on the restored data");
      NodeCommands.check(
          context,
          m.name(),
          INSTALL,
          installModel(context.inventory(), context.runId()),
          Restore.COMMAND);
    }
    long start = System.nanoTime();
    try (EtcdAccess etcd = EtcdAccess.of(context)) {
      ExitWatch watch = new ExitWatch(context, before);
      List<MemberClient.Status> s =
          ClusterHealth.await(context, etcd, context.nodes(), timeout, watch::check);
      return new Output(s, (System.nanoTime() - start) / 1_000_000);
    }
  }

  /**
   * External etcd: on every member at once (a {@code Type=notify} start waits for a quorum), the
   * staged drop-in is installed, the unit reloaded and started; a member whose start fails fails
   * the step at once, with its last log lines. Then waits until every member is healthy with a
   * quorum.
   */
  private static Output external(StepContext context, Duration timeout) {
    String unit = ExternalRestore.unit(context.inventory());
    String cmd =
        context.render(
            ExternalRestore.START,
            ExternalRestore.startModel(context.inventory(), context.runId()));
    Map<String, String> failed =
        EachMember.inParallel(
            context.nodes(),
            m -> {
              context.progress(m.name() + ": starting " + unit + " on the restored data");
              CommandResult r = context.exec(m.name(), cmd, timeout.plusSeconds(30));
              return r.ok()
                  ? ""
                  : m.name()
                      + ": "
                      + unit
                      + " did not start on the restored data (exit "
                      + r.exitStatus()
                      + "):\n"
                      + r.stderr().strip().indent(2).stripTrailing();
            });
    List<String> failures = failed.values().stream().filter(f -> !f.isEmpty()).toList();
    if (!failures.isEmpty()) {
      throw new RunbookError(ErrorCode.STEP_FAILED, String.join("\n", failures));
    }
    long start = System.nanoTime();
    try (EtcdAccess etcd = EtcdAccess.of(context)) {
      List<MemberClient.Status> s = ClusterHealth.await(context, etcd, context.nodes(), timeout);
      return new Output(s, (System.nanoTime() - start) / 1_000_000);
    }
  }

  /**
   * Installing the patched copy is a no-op once made (and refused if someone put another etcd.yaml
   * there), the exit watch and the health wait only read: the step may run again after a crash or a
   * broken connection, as long as every member's run dir still holds the patched manifest it copies
   * from. A member without it was changed by someone else: a person must look. On a second run, an
   * exit of the restored etcd before it counts as one the watch knew of; the health wait still
   * judges that member.
   */
  @Override
  public Probe probe(Input input, StepContext context) {
    if (ExternalRestore.external(context.inventory())) {
      // Installing the same drop-in again is a no-op, starting a started unit too.
      return Probe.NOT_DONE;
    }
    return RollBack.found(context, List.of(Restore.PATCHED), true) ? Probe.NOT_DONE : Probe.UNKNOWN;
  }

  private static final String INSTALL = "commands/etcd-restore/install-manifest.ftl";
  private static final String LIST_EXITED = "commands/etcd-restore/list-exited.ftl";
  private static final String WATCH_EXITED = "commands/etcd-restore/watch-exited.ftl";

  /**
   * How often the wait asks the nodes whether a restored etcd exited, and how much log it shows.
   */
  static final Duration WATCH_EVERY = Duration.ofSeconds(2);

  static final int LOG_LINES = 20;

  private static Map<String, Object> listModel() {
    return Map.of("name", Restore.container(Restore.ETCD));
  }

  private static Map<String, Object> watchModel(String known) {
    return Map.of("name", Restore.container(Restore.ETCD), "known", known, "tail", LOG_LINES);
  }

  /**
   * Fails the wait as soon as a member's restored etcd exits, with its last log lines, instead of
   * letting the health wait run to its end while the kubelet restarts it again and again: the
   * rollback then starts within seconds of the first exit.
   */
  private static final class ExitWatch {
    private final StepContext context;
    private final Map<String, String> before;
    private long next = System.nanoTime();

    ExitWatch(StepContext context, Map<String, String> before) {
      this.context = context;
      this.before = before;
    }

    void check() {
      if (System.nanoTime() < next) {
        return;
      }
      Map<String, String> exits =
          EachMember.inParallel(
              context.nodes(),
              m -> {
                CommandResult r;
                try {
                  r =
                      context.exec(
                          m.name(),
                          context.render(WATCH_EXITED, watchModel(before.get(m.name()))),
                          Restore.COMMAND);
                } catch (RemoteFailure e) {
                  return ""; // a node not answering now is the health wait's to judge
                }
                String id = KeyValues.parse(r.stdout()).getOrDefault("exited", "");
                if (!r.ok() || id.isEmpty()) {
                  return ""; // a failed look is not an exit: the health wait still decides
                }
                return m.name()
                    + ": etcd exited after the start on the restored data (container "
                    + id
                    + "); its last log lines:\n"
                    + r.stderr().strip().indent(2).stripTrailing();
              });
      List<String> exited = exits.values().stream().filter(e -> !e.isEmpty()).toList();
      if (!exited.isEmpty()) {
        throw new RunbookError(ErrorCode.STEP_FAILED, String.join("\n", exited));
      }
      next = System.nanoTime() + WATCH_EVERY.toNanos();
    }
  }

  /** A copy of the patched manifest goes into the manifest dir as etcd.yaml. */
  static Map<String, Object> installModel(Inventory inventory, String runId) {
    String runDir = Restore.runDir(inventory, runId);
    return Map.of(
        "source",
        runDir + "/" + Restore.PATCHED,
        "target",
        Restore.manifest(inventory, Restore.ETCD),
        "runDir",
        runDir);
  }

  @Override
  public void plan(PlanContext plan) {
    if (ExternalRestore.external(plan.inventory())) {
      ExternalRestore.planOnMembers(
          plan,
          ExternalRestore.START,
          ExternalRestore.startModel(plan.inventory(), PlanContext.RUN_ID));
      plan.note(
          "on every member at once: installs the staged drop-in as "
              + ExternalRestore.dropIn(plan.inventory(), PlanContext.RUN_ID)
              + ", daemon-reload, systemctl start; a member that does not start fails the step at"
              + " once with its last "
              + LOG_LINES
              + " log lines, and the rollback starts");
      planHealthWait(plan);
      return;
    }
    for (Inventory.Member m : plan.nodes()) {
      plan.command(m.name(), plan.render(LIST_EXITED, listModel()));
      plan.command(
          m.name(), plan.render(INSTALL, installModel(plan.inventory(), PlanContext.RUN_ID)));
      plan.command(
          m.name(), plan.render(WATCH_EXITED, watchModel("⟨etcd containers exited before⟩")));
    }
    RollBack.planFind(plan, List.of(Restore.PATCHED));
    plan.note(
        "while it waits, asks every member each "
            + WATCH_EVERY.toSeconds()
            + " s whether its etcd exited since the start (watch-exited.ftl): one that did fails"
            + " the step at once, with its last "
            + LOG_LINES
            + " log lines, and the rollback starts");
    planHealthWait(plan);
  }

  private static void planHealthWait(PlanContext plan) {
    plan.note(
        "waits until every member is healthy with a quorum (jetcd, over "
            + plan.inventory().etcd().access().mode()
            + " access), at most "
            + plan.input("timeout"));
  }
}
