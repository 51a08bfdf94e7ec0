package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import dev.runbook.engine.api.WaitProgress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Starts the replaced member on its empty data dir: writes into the run's dir a copy of its
 * original etcd.yaml with only --initial-cluster (every member now listed, itself included) and
 * --initial-cluster-state=existing changed, reads it back and checks it, installs a copy as the
 * manifest dir's etcd.yaml, and waits until the new member answers (as a learner it serves its
 * status, not reads).
 */
@Doc(
    "Starts the replaced member on its empty data dir from a copy of its etcd.yaml with only --initial-cluster and --initial-cluster-state=existing changed, and waits until it answers.")
final class ReplaceStart extends EtcdReplaceStep<ReplaceStart.Input, ReplaceStart.Output> {

  record Input(
      @Doc(
              value = "--initial-cluster for the new member: name=peerURL of every listed member.",
              required = true)
          String initialCluster,
      @Doc(
              value = "How long to wait for it to answer, as an ISO-8601 duration such as PT2M.",
              required = true)
          String timeout) {
    Input {
      if (initialCluster == null || initialCluster.isBlank()) {
        throw new IllegalArgumentException("initialCluster is required");
      }
      Restore.duration(timeout, "timeout");
    }
  }

  record Output(String manifest, String diff, MemberClient.Status status, long waitedMillis) {}

  ReplaceStart() {
    // Writing the same file again and installing the same copy again are no-ops.
    super("etcdReplaceStart", Input.class, Effect.MUTATING, Rerun.SAFE);
  }

  @Override
  Output replace(Input input, StepContext context) {
    Duration timeout = Restore.duration(input.timeout(), "timeout");
    Inventory.Member m = NodeCommands.single(context);
    String runDir = Replace.runDir(context.inventory(), context.runId());
    String file = runDir + "/" + Replace.REPLACED;
    EtcdManifest original = Restore.readManifest(context, m.name(), runDir + "/" + Restore.ETCD);
    EtcdManifest patched = patch(m.name(), original, input.initialCluster());
    NodeCommands.check(context, m.name(), WRITE, writeModel(file, patched), Restore.COMMAND);
    EtcdManifest reread = Restore.readManifest(context, m.name(), file);
    if (!input.initialCluster().equals(reread.flag("initial-cluster"))
        || !"existing".equals(reread.flag("initial-cluster-state"))) {
      throw new RunbookError(
          ErrorCode.VALIDATION_FAILED, m.name() + ": " + file + " does not read back as written");
    }
    String diff = EtcdManifest.diff(Restore.ETCD, original, reread, "replaced");
    context.artifact("manifest-" + m.name() + ".diff", diff.getBytes(StandardCharsets.UTF_8));
    context.progress(m.name() + ": starting etcd on the empty data dir");
    NodeCommands.check(
        context, m.name(), INSTALL, installModel(context.inventory(), runDir), Restore.COMMAND);
    long start = System.nanoTime();
    MemberClient.Status s = awaitAnswer(context, m, timeout);
    return new Output(
        Restore.manifest(context.inventory(), Restore.ETCD),
        diff,
        s,
        (System.nanoTime() - start) / 1_000_000);
  }

  /** Waits until the member serves its status; a learner refuses reads but answers that. */
  private static MemberClient.Status awaitAnswer(
      StepContext context, Inventory.Member m, Duration timeout) {
    long start = System.nanoTime();
    String last = "";
    while (true) {
      // A fresh access each round: a client made while nothing listened keeps failing fast.
      try (EtcdAccess etcd = EtcdAccess.of(context)) {
        return etcd.member(m).status();
      } catch (EtcdUnreachable e) {
        last = e.getMessage();
      }
      Duration waited = Duration.ofNanos(System.nanoTime() - start);
      if (waited.compareTo(timeout) > 0) {
        throw new RunbookError(
            ErrorCode.WAIT_TIMED_OUT,
            m.name() + " does not answer " + timeout.toSeconds() + " s after its start: " + last);
      }
      context.progress(
          new WaitProgress("waiting for the new member", 0, 1, "answering", waited, timeout));
      sleep(Duration.ofMillis(500));
    }
  }

  static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RunbookError(ErrorCode.STEP_FAILED, "interrupted while waiting for etcd");
    }
  }

  static EtcdManifest patch(String node, EtcdManifest original, String initialCluster) {
    Map<String, String> flags = new LinkedHashMap<>();
    flags.put("initial-cluster", initialCluster);
    flags.put("initial-cluster-state", "existing");
    try {
      return original.withFlags(flags);
    } catch (IllegalArgumentException e) {
      throw new RunbookError(
          ErrorCode.VALIDATION_FAILED, node + ": cannot patch etcd.yaml: " + e.getMessage());
    }
  }

  private static final String WRITE = "commands/etcd-restore/write-file.ftl";
  private static final String INSTALL = "commands/etcd-restore/install-manifest.ftl";

  static Map<String, Object> writeModel(String file, EtcdManifest patched) {
    return Map.of("file", file, "content", patched.text());
  }

  static Map<String, Object> installModel(Inventory inv, String runDir) {
    return Map.of(
        "source",
        runDir + "/" + Replace.REPLACED,
        "target",
        Restore.manifest(inv, Restore.ETCD),
        "runDir",
        runDir);
  }

  @Override
  public void plan(PlanContext plan) {
    Inventory inv = plan.inventory();
    String runDir = Replace.runDir(inv, PlanContext.RUN_ID);
    String file = runDir + "/" + Replace.REPLACED;
    String manifest = ReplacePreflight.manifestPath(inv, plan.parameters().get("manifest"));
    for (Inventory.Member m : plan.nodes()) {
      String node = m.name();
      plan.command(
          node,
          plan.render(RestorePlan.CAT_FILE, RestorePlan.catModel(runDir + "/" + Restore.ETCD)));
      Optional<EtcdManifest> original =
          ReplacePreflight.parsed(
              plan, node, plan.render(RestorePlan.CAT_FILE, RestorePlan.catModel(manifest)));
      if (original.isPresent()) {
        EtcdManifest patched = patch(node, original.get(), plan.input("initialCluster"));
        plan.command(node, plan.render(WRITE, writeModel(file, patched)));
        plan.diff(node, EtcdManifest.diff(Restore.ETCD, original.get(), patched, "replaced"));
      } else {
        plan.unknown(
            node
                + ": writes "
                + file
                + ": its etcd.yaml with only --initial-cluster and --initial-cluster-state=existing"
                + " changed (plan with --probe for the exact file and its diff)");
      }
      plan.command(node, plan.render(RestorePlan.CAT_FILE, RestorePlan.catModel(file)));
      plan.command(node, plan.render(INSTALL, installModel(inv, runDir)));
    }
    plan.note(
        "waits until the new member answers its status (jetcd), at most " + plan.input("timeout"));
  }
}
