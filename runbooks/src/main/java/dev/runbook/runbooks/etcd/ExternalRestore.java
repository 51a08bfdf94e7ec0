package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.CommandResult;
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
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * etcd-restore on external etcd (a systemd unit on each member, the API servers on control-plane
 * nodes apart): where the run puts things, how it reads a member's unit, and the drop-in that
 * points the unit at the restored data dir without touching the unit or its environment file.
 *
 * <p>The run's drop-in is {@code /etc/systemd/system/UNIT.d/50-runbook-restore-RUN.conf}, staged
 * first in the run's dir on the member (as stacked stages its patched manifest) and installed by
 * the start. For a unit that passes etcd its data dir as a flag, it resets {@code ExecStart} and
 * repeats the unit's own with only {@code --data-dir} changed; for one that reads {@code
 * ETCD_DATA_DIR} from an environment file, it resets {@code EnvironmentFile} and names an edited
 * copy of that file kept in the run's dir (a drop-in's {@code Environment=} would lose to the
 * file); from {@code Environment=}, a later {@code Environment=} wins.
 */
final class ExternalRestore {

  static final String CAT = "commands/etcd-restore/unit-cat.ftl";
  static final String STOP = "commands/etcd-restore/unit-stop.ftl";
  static final String START = "commands/etcd-restore/unit-start.ftl";
  static final String ROLL_BACK = "commands/etcd-restore/unit-roll-back.ftl";

  /** The API server's static pod manifest on a control-plane node. */
  static final String API_SERVER = "kube-apiserver.yaml";

  private ExternalRestore() {}

  static boolean external(Inventory inv) {
    return inv.etcd().isExternal();
  }

  static String unit(Inventory inv) {
    return inv.etcd().external().unit();
  }

  static String dropInName(String runId) {
    return EtcdUnit.OWN_DROP_IN + runId + ".conf";
  }

  static String dropInDir(Inventory inv) {
    return "/etc/systemd/system/" + unit(inv) + ".d";
  }

  /** Where the run's drop-in is installed. */
  static String dropIn(Inventory inv, String runId) {
    return dropInDir(inv) + "/" + dropInName(runId);
  }

  /** Where the run's drop-in is staged, on the member, until the start installs it. */
  static String staged(Inventory inv, String runId) {
    return Restore.runDir(inv, runId) + "/" + dropInName(runId);
  }

  /** The edited copy of an environment file, kept in the run's dir (the drop-in names it). */
  static String envCopy(Inventory inv, String runId, String envFile) {
    return Restore.runDir(inv, runId) + "/" + envFile.substring(envFile.lastIndexOf('/') + 1);
  }

  /** The control-plane nodes, as the engine reaches them. */
  static List<Inventory.Member> controlPlanes(Inventory inv) {
    return inv.etcd().external().controlPlane().stream()
        .map(cp -> inv.node(cp.name()).orElseThrow())
        .toList();
  }

  static Map<String, Object> catModel(Inventory inv) {
    return Map.of("unit", unit(inv));
  }

  static Map<String, Object> stopModel(Inventory inv, String runId, Duration t) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("unit", unit(inv));
    model.put("runDir", Restore.runDir(inv, runId));
    model.put("seconds", Math.max(1, t.toSeconds()));
    return model;
  }

  static Map<String, Object> startModel(Inventory inv, String runId) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("unit", unit(inv));
    model.put("source", staged(inv, runId));
    model.put("dropInDir", dropInDir(inv));
    model.put("target", dropIn(inv, runId));
    model.put("runDir", Restore.runDir(inv, runId));
    model.put("tail", StartEtcd.LOG_LINES);
    return model;
  }

  static Map<String, Object> rollBackModel(Inventory inv, String runId) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("unit", unit(inv));
    model.put("target", dropIn(inv, runId));
    model.put("runDir", Restore.runDir(inv, runId));
    model.put("name", dropInName(runId));
    model.put("tail", StartEtcd.LOG_LINES);
    return model;
  }

  /**
   * Stops the API servers on the control-plane nodes, all at once: their manifests moved into the
   * run's dir there (a no-op once made), then waits until none runs.
   *
   * @return per control plane, the manifests now in the run's dir
   */
  static Map<String, List<String>> stopApiServers(StepContext context, Duration timeout) {
    List<Inventory.Member> cps = controlPlanes(context.inventory());
    Map<String, List<String>> stopped = new LinkedHashMap<>();
    EachMember.inParallel(
            cps,
            cp -> {
              context.progress(cp.name() + ": stopping the API server");
              return Restore.move(context, cp.name(), "move-aside.ftl", Restore.CONTROL_PLANE);
            })
        .forEach(
            (node, r) -> {
              List<String> moved = new ArrayList<>(r.get("moved"));
              moved.addAll(r.get("already"));
              stopped.put(node, moved);
            });
    Restore.waitFor(context, cps, Restore.CONTROL_PLANE, "gone", timeout);
    return stopped;
  }

  /** {@link #stopApiServers} as the plan shows it. */
  static void planStopApiServers(PlanContext plan, Duration timeout) {
    List<Inventory.Member> cps = controlPlanes(plan.inventory());
    Restore.planMove(plan, cps, "move-aside.ftl", Restore.CONTROL_PLANE);
    Restore.planWait(plan, cps, Restore.CONTROL_PLANE, "gone", timeout);
  }

  /** Plans {@code template} on every member the task targets: one command, the same for all. */
  static void planOnMembers(PlanContext plan, String template, Map<String, Object> model) {
    String command = plan.render(template, model);
    for (Inventory.Member m : plan.nodes()) {
      plan.command(m.name(), command);
    }
  }

  /**
   * A member's unit as read: {@code systemctl cat} without this run's own drop-in (so every step
   * sees the original configuration, before and after the start installs the drop-in), and the
   * environment files it names.
   */
  record Read(String cat, Map<String, String> envTexts, EtcdUnit unit) {

    String dataDir() {
      return unit.value("data-dir");
    }
  }

  /**
   * Reads a member's unit on the node.
   *
   * @throws RunbookError VALIDATION_FAILED when the node has no such unit
   */
  static Read read(StepContext context, String node) {
    Inventory inv = context.inventory();
    CommandResult cat =
        context.exec(node, context.render(CAT, catModel(inv)), Duration.ofSeconds(30));
    if (!cat.ok()) {
      throw new RunbookError(
          ErrorCode.VALIDATION_FAILED,
          node
              + ": the unit "
              + unit(inv)
              + " is not found ("
              + (cat.stderr().strip() + " " + cat.stdout().strip()).strip()
              + "): name the member's etcd unit in etcd.unit");
    }
    return parse(
        inv,
        withoutOwn(cat.stdout(), context.runId()),
        path -> {
          CommandResult r =
              context.exec(
                  node,
                  context.render(RestorePlan.CAT_FILE, RestorePlan.catModel(path)),
                  Duration.ofSeconds(30));
          return r.ok() ? r.stdout() : null;
        });
  }

  /** {@link #read} as the plan shows it: the same commands; empty when the plan did not probe. */
  static Optional<Read> planRead(PlanContext plan, String node) {
    return planRead(plan, node, true);
  }

  /** What {@link #planRead} finds, for a step that shows its reads elsewhere. */
  static Optional<Read> peek(PlanContext plan, String node) {
    return planRead(plan, node, false);
  }

  private static Optional<Read> planRead(PlanContext plan, String node, boolean show) {
    Inventory inv = plan.inventory();
    String catCommand = plan.render(CAT, catModel(inv));
    if (show) {
      plan.command(node, catCommand);
    }
    Optional<String> cat = plan.read(node, catCommand);
    if (cat.isEmpty()) {
      if (show) {
        plan.unknown(
            node
                + ": reads the environment files "
                + unit(inv)
                + " names, if any (plan with --probe to see which)");
      }
      return Optional.empty();
    }
    return Optional.of(
        parse(
            inv,
            withoutOwn(cat.get(), PlanContext.RUN_ID),
            path -> {
              String c = plan.render(RestorePlan.CAT_FILE, RestorePlan.catModel(path));
              if (show) {
                plan.command(node, c);
              }
              return plan.read(node, c).orElse(null);
            }));
  }

  private static Read parse(
      Inventory inv, String cat, java.util.function.Function<String, String> readFile) {
    Map<String, String> texts = new LinkedHashMap<>();
    EtcdUnit u =
        EtcdUnit.parse(
            unit(inv),
            cat,
            path -> {
              String t = readFile.apply(path);
              if (t != null) {
                texts.put(path, t);
              }
              return t;
            });
    return new Read(cat, texts, u);
  }

  /**
   * {@code systemctl cat} output without the section of this run's own drop-in: what the unit was
   * before the run, whether or not the start has installed it.
   */
  static String withoutOwn(String cat, String runId) {
    String own = "/" + dropInName(runId);
    StringBuilder out = new StringBuilder();
    boolean skip = false;
    for (String line : cat.split("\n", -1)) {
      if (line.startsWith("# /") && line.indexOf(' ', 2) < 0) {
        skip = line.endsWith(own);
      }
      if (!skip) {
        out.append(line).append('\n');
      }
    }
    return out.substring(0, Math.max(0, out.length() - 1));
  }

  /** The drop-ins of earlier restores by this runbook: a restore of the restore is refused. */
  static List<String> earlierRestores(EtcdUnit u) {
    return u.dropIns().stream()
        .filter(f -> f.substring(f.lastIndexOf('/') + 1).startsWith(EtcdUnit.OWN_DROP_IN))
        .toList();
  }

  /**
   * What points the unit at {@code restoredDir}: the drop-in's text and, for the environment-file
   * style, the edited copy of the file (path, original path and text).
   *
   * @param envFile the environment file the copy replaces, or null
   */
  record Patch(String dropIn, String envFile, String envCopyPath, String envCopy) {}

  private static final Pattern DATA_DIR_FLAG =
      Pattern.compile("(^|\\s)(--?data-dir)(=|\\s+)(\\S+)");

  /**
   * @throws IllegalArgumentException when the unit's data dir cannot be changed by a drop-in this
   *     runbook writes (a quoted or variable --data-dir in ExecStart)
   */
  static Patch patch(Read r, Inventory inv, String runId, String restoredDir) {
    EtcdUnit u = r.unit();
    EtcdUnit.Setting dataDir = u.setting("data-dir");
    if (dataDir == null) {
      throw new IllegalArgumentException("the data dir is not discoverable");
    }
    String header =
        "# etcd-restore run "
            + runId
            + ": "
            + unit(inv)
            + " on the restored data dir "
            + restoredDir
            + ".\n# Its original data dir "
            + dataDir.value()
            + " is untouched: set this file aside (never delete it) and daemon-reload to go back.\n"
            + "[Service]\n";
    String source = dataDir.source();
    if (source.startsWith("--")) {
      Matcher m = DATA_DIR_FLAG.matcher(u.execStart());
      if (!m.find() || !m.group(4).equals(dataDir.value()) || m.find()) {
        throw new IllegalArgumentException(
            "--data-dir in ExecStart is not one plain word "
                + dataDir.value()
                + " (quoted, a variable or given twice): a drop-in cannot change only it; give"
                + " --data-dir=DIR once in ExecStart");
      }
      Matcher again = DATA_DIR_FLAG.matcher(u.execStart());
      again.find();
      String exec =
          u.execStart().substring(0, again.start(4))
              + restoredDir
              + u.execStart().substring(again.end(4));
      return new Patch(header + "ExecStart=\nExecStart=" + exec + "\n", null, null, null);
    }
    String inFile = "ETCD_DATA_DIR in ";
    String file = source.startsWith(inFile) ? source.substring(inFile.length()) : "";
    if (file.startsWith("Environment= in ")) {
      return new Patch(
          header + "Environment=\"ETCD_DATA_DIR=" + restoredDir + "\"\n", null, null, null);
    }
    String text = r.envTexts().get(file);
    if (text == null) {
      throw new IllegalArgumentException("the environment file " + file + " was not read");
    }
    String copyPath = envCopy(inv, runId, file);
    StringBuilder files = new StringBuilder("EnvironmentFile=\n");
    for (String f : u.environmentFiles()) {
      // The copy replaces the file that sets the data dir; the others stay, in their order.
      files.append("EnvironmentFile=").append(f.equals(file) ? copyPath : "-" + f).append('\n');
    }
    return new Patch(header + files, file, copyPath, editedEnv(text, restoredDir));
  }

  /** The environment file with every ETCD_DATA_DIR line set to {@code dataDir}, nothing else. */
  static String editedEnv(String text, String dataDir) {
    StringBuilder out = new StringBuilder();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String l = lines[i];
      String t = l.strip();
      int eq = t.indexOf('=');
      boolean dataDirLine = eq > 0 && t.substring(0, eq).strip().equals("ETCD_DATA_DIR");
      out.append(dataDirLine ? "ETCD_DATA_DIR=" + dataDir : l);
      if (i < lines.length - 1) {
        out.append('\n');
      }
    }
    return out.toString();
  }

  /**
   * The unit as systemd will read it with the drop-in installed: its data dir must be {@code
   * restoredDir} and every other setting the runbooks read as before.
   *
   * @throws IllegalArgumentException saying what differs
   */
  static void verify(Read r, Patch p, Inventory inv, String runId, String restoredDir) {
    String cat = r.cat() + "\n\n# " + dropIn(inv, runId) + "\n" + p.dropIn();
    EtcdUnit after =
        EtcdUnit.parse(
            unit(inv),
            cat,
            path -> path.equals(p.envCopyPath()) ? p.envCopy() : r.envTexts().get(path));
    List<String> problems = new ArrayList<>(after.problems());
    if (!restoredDir.equals(after.value("data-dir"))) {
      problems.add("its data dir would be " + after.value("data-dir") + ", not " + restoredDir);
    }
    for (String flag : EtcdUnit.NEEDED) {
      if (!flag.equals("data-dir") && !Objects.equals(r.unit().value(flag), after.value(flag))) {
        problems.add(
            "--"
                + flag
                + " would change from "
                + r.unit().value(flag)
                + " to "
                + after.value(flag));
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "the drop-in would not point only the data dir at "
              + restoredDir
              + ": "
              + String.join("; ", problems));
    }
  }

  /** What the gate shows: the new drop-in, and the copy's change against the original file. */
  static String diff(Read r, Patch p, Inventory inv, String runId) {
    StringBuilder d = new StringBuilder();
    d.append("--- /dev/null\n+++ ").append(dropIn(inv, runId)).append(" (new drop-in)\n");
    List<String> lines = p.dropIn().lines().toList();
    d.append("@@ -0,0 +1,").append(lines.size()).append(" @@\n");
    lines.forEach(l -> d.append('+').append(l).append('\n'));
    if (p.envFile() != null) {
      // The copy has as many lines as the original: only its ETCD_DATA_DIR lines differ.
      d.append(
          EtcdManifest.diff(
              p.envFile(), r.envTexts().get(p.envFile()), p.envCopy(), "copy " + p.envCopyPath()));
    }
    return d.toString();
  }
}
