package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.CommandResult;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;
import dev.runbook.engine.api.WaitProgress;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Where the etcd-restore runbook puts things on a node, and the node commands its steps share.
 * Every name carries the run id, so a run never meets another run's files, and a step that runs
 * again after a crash finds its own.
 */
final class Restore {

  /** The etcd manifest, in the manifest dir and (once stopped) in the run's dir. */
  static final String ETCD = "etcd.yaml";

  /** The patched copy of the etcd manifest, kept in the run's dir. */
  static final String PATCHED = "etcd.yaml.restored";

  /**
   * Stopped before etcd and started after it: every component that caches what it read from etcd
   * (those absent on a node are skipped and recorded).
   */
  static final List<String> CONTROL_PLANE =
      List.of("kube-apiserver.yaml", "kube-controller-manager.yaml", "kube-scheduler.yaml");

  static final Duration COMMAND = Duration.ofMinutes(10);

  private Restore() {}

  /** The run's dir beside the manifest dir, e.g. /etc/kubernetes/etcd-restore-RUN. */
  static String runDir(Inventory inventory, String runId) {
    return parent(inventory.etcd().manifestDir()) + "/etcd-restore-" + runId;
  }

  /** The new data dir beside the old one, e.g. /var/lib/etcd-restore-RUN. */
  static String restoredDir(String oldHostPath, String runId) {
    return parent(oldHostPath) + "/etcd-restore-" + runId;
  }

  static String partDir(String restoredDir) {
    return restoredDir + ".part";
  }

  /** The snapshot's copy on the node, kept beside the restored dir it was restored from. */
  static String snapshotOnNode(String restoredDir) {
    return restoredDir + ".db";
  }

  static String manifest(Inventory inventory, String file) {
    String dir = inventory.etcd().manifestDir();
    return (dir.endsWith("/") ? dir : dir + "/") + file;
  }

  static String container(String manifestFile) {
    return manifestFile.substring(0, manifestFile.length() - ".yaml".length());
  }

  /** Reads and parses an etcd manifest on a node. */
  static EtcdManifest readManifest(StepContext context, String node, String path) {
    String text =
        context
            .check(
                node,
                context.render(RestorePlan.CAT_FILE, RestorePlan.catModel(path)),
                Duration.ofSeconds(30))
            .stdout();
    try {
      return EtcdManifest.parse(text);
    } catch (IllegalArgumentException e) {
      throw new RunbookError(
          ErrorCode.VALIDATION_FAILED,
          node
              + ": "
              + path
              + " is not an etcd static pod manifest the restore can read: "
              + e.getMessage());
    }
  }

  /**
   * The member's original data dir on the node: the etcd-data hostPath of the original etcd.yaml
   * (stacked, once the stop moved it into the run's dir), or the unit's data dir (external).
   */
  static String dataDir(StepContext context, String node) {
    if (ExternalRestore.external(context.inventory())) {
      return ExternalRestore.read(context, node).dataDir();
    }
    return original(context, node).dataMount().hostPath();
  }

  /** The original manifest, once the stop moved it into the run's dir. */
  static EtcdManifest original(StepContext context, String node) {
    return readManifest(context, node, runDir(context.inventory(), context.runId()) + "/" + ETCD);
  }

  static Duration duration(String iso, String what) {
    try {
      Duration d = Duration.parse(iso);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, not " + iso);
      }
      return d;
    } catch (DateTimeParseException | NullPointerException e) {
      throw new IllegalArgumentException(
          what + " is an ISO-8601 duration such as PT2M, not '" + iso + "'");
    }
  }

  /**
   * Moves manifests on a node (templates move-aside and put-back).
   *
   * @return what the template printed: moved, already, absent (lists)
   */
  static Map<String, List<String>> move(
      StepContext context, String node, String template, List<String> files) {
    Map<String, String> kv =
        NodeCommands.check(
            context,
            node,
            "commands/etcd-restore/" + template,
            moveModel(context.inventory(), context.runId(), files),
            COMMAND);
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String key : List.of("moved", "already", "absent")) {
      out.put(
          key,
          Arrays.stream(kv.getOrDefault(key, "").split(",")).filter(s -> !s.isBlank()).toList());
    }
    return out;
  }

  /** The model of move-aside and put-back. */
  static Map<String, Object> moveModel(Inventory inventory, String runId, List<String> files) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("manifestDir", inventory.etcd().manifestDir());
    model.put("runDir", runDir(inventory, runId));
    model.put("files", files);
    return model;
  }

  /** Plans {@link #move} on every node the task targets. */
  static void planMove(PlanContext plan, String template, List<String> files) {
    planMove(plan, plan.nodes(), template, files);
  }

  /** Plans {@link #move} on {@code nodes}. */
  static void planMove(
      PlanContext plan, List<Inventory.Member> nodes, String template, List<String> files) {
    for (Inventory.Member m : nodes) {
      plan.command(
          m.name(),
          plan.render(
              "commands/etcd-restore/" + template,
              moveModel(plan.inventory(), PlanContext.RUN_ID, files)));
    }
  }

  /** The model of wait-containers. */
  static Map<String, Object> waitModel(
      Inventory inventory, List<String> files, String state, Duration t) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("manifestDir", inventory.etcd().manifestDir());
    model.put("files", files);
    model.put("state", state);
    model.put("seconds", Math.max(1, t.toSeconds()));
    return model;
  }

  /** Plans {@link #waitFor} on every node the task targets: the same command the run sends. */
  static void planWait(PlanContext plan, List<String> files, String state, Duration t) {
    planWait(plan, plan.nodes(), files, state, t);
  }

  /** Plans {@link #waitFor} on {@code nodes}. */
  static void planWait(
      PlanContext plan,
      List<Inventory.Member> nodes,
      List<String> files,
      String state,
      Duration t) {
    for (Inventory.Member m : nodes) {
      plan.command(m.name(), plan.render(WAIT, waitModel(plan.inventory(), files, state, t)));
    }
  }

  private static final String WAIT = "commands/etcd-restore/wait-containers.ftl";

  /** A duration parameter for a plan: its value, or the default when the input is not known yet. */
  static Duration planDuration(PlanContext plan, String input) {
    try {
      return Duration.parse(plan.input(input));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          input + " is an ISO-8601 duration such as PT2M, not '" + plan.input(input) + "'");
    }
  }

  /**
   * Waits on every node the task targets until the kubelet has done what the manifest dir asks of
   * each named static pod: gone where its manifest is not in the manifest dir, running where it is
   * (the others are skipped on the node itself). One command for every node, whatever each node's
   * moves found: the plan shows it exactly.
   *
   * @param files manifest file names (kube-apiserver.yaml): the containers are named after them
   * @throws RunbookError WAIT_TIMED_OUT when a node's wait ran out
   */
  static void waitFor(StepContext context, List<String> files, String state, Duration t) {
    waitFor(context, context.nodes(), files, state, t);
  }

  /** As {@link #waitFor(StepContext, List, String, Duration)}, on {@code waiting}. */
  static void waitFor(
      StepContext context,
      List<Inventory.Member> waiting,
      List<String> files,
      String state,
      Duration t) {
    // On every node at once: the kubelets stop and start their pods at the same time.
    long start = System.nanoTime();
    String what =
        "waiting for "
            + String.join(", ", files.stream().map(Restore::container).toList())
            + (state.equals("gone") ? " to stop" : " to run");
    String cmd = context.render(WAIT, waitModel(context.inventory(), files, state, t));
    Map<String, String> lateness =
        EachMember.inParallel(
            waiting,
            m -> {
              CommandResult r = context.exec(m.name(), cmd, t.plusSeconds(30));
              if (r.exitStatus() == 124) {
                return m.name() + ": " + r.stderr().strip();
              } else if (!r.ok()) {
                throw new RunbookError(
                    ErrorCode.STEP_FAILED,
                    m.name() + ": cannot watch the containers: " + r.stderr().strip());
              }
              return "";
            },
            done ->
                context.progress(
                    new WaitProgress(
                        what,
                        done,
                        waiting.size(),
                        "nodes",
                        Duration.ofNanos(System.nanoTime() - start),
                        t)));
    List<String> late = lateness.values().stream().filter(s -> !s.isEmpty()).toList();
    if (!late.isEmpty()) {
      throw new RunbookError(ErrorCode.WAIT_TIMED_OUT, String.join("; ", late));
    }
  }

  /** {@code name=peerUrl,...} for every member of the inventory, in its order. */
  static String initialCluster(Inventory inventory) {
    return inventory.members().stream()
        .map(m -> m.name() + "=" + m.peerUrl())
        .collect(Collectors.joining(","));
  }

  private static String parent(String path) {
    String p =
        path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
    int slash = p.lastIndexOf('/');
    return slash <= 0 ? "" : p.substring(0, slash);
  }
}
