package dev.runbook.engine.internal.plan;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A plan as Markdown, for a change ticket: parameters, nodes, then every element of the process in
 * order, grouped by path (the main path, then each branch), with each node's commands verbatim in
 * fenced blocks (a fence longer than any backtick run in the command, so no command can end it).
 */
public final class PlanMarkdown {

  private static final Pattern BACKTICKS = Pattern.compile("`+");

  private PlanMarkdown() {}

  public static String render(Plan plan) {
    String hash = plan.sha256();
    StringBuilder md = new StringBuilder();
    md.append("# Plan: ")
        .append(plan.runbook())
        .append(" on cluster ")
        .append(inline(plan.target().cluster()))
        .append("\n\n");
    md.append("- Plan hash (SHA-256): `").append(hash).append("`\n");
    md.append("- Approve it by running with `--approved-plan ").append(hash).append("`\n");
    md.append("- Runbook BPMN SHA-256: `").append(plan.runbookSha256()).append("`\n");
    md.append(
        plan.probed()
            ? "- Probed: yes. Values read from the nodes are listed as discovered under each step.\n"
            : "- Probed: no. Nothing was contacted; values written ⟨like this⟩ are known only when the run"
                + " gets there (plan with --probe to read them from the nodes now).\n");
    md.append("\n## Parameters\n\n| parameter | value |\n|---|---|\n");
    plan.parameters().forEach((k, v) -> md.append(row(k, v)));
    Plan.Target t = plan.target();
    md.append("\n## Nodes\n\n");
    md.append("SSH as `")
        .append(inline(t.sshUser()))
        .append("` on port ")
        .append(t.sshPort())
        .append(t.sudo() ? " with sudo" : "")
        .append("; etcd ")
        .append(inline(t.topology()))
        // External etcd has no manifests on its members: the API servers' are on the control
        // planes.
        .append(
            "external".equals(t.topology())
                ? " (a systemd unit on each member), the API servers' static pods in `"
                : ", manifests in `")
        .append(inline(t.manifestDir()))
        .append("external".equals(t.topology()) ? "` on the control-plane nodes.\n\n" : "`.\n\n");
    md.append("| node | host | client URL | peer URL | pinned host key |\n|---|---|---|---|---|\n");
    for (Plan.Node n : t.nodes()) {
      md.append(
          row(
              n.name(),
              n.host(),
              n.clientUrl(),
              n.peerUrl(),
              n.hostKeyFingerprint() == null ? "known_hosts" : n.hostKeyFingerprint()));
    }
    Plan.EngineAction lock = plan.engineAction(LockCommands.TAKE_ACTION);
    Plan.EngineAction unlock = plan.engineAction(LockCommands.RELEASE_ACTION);
    if (lock != null) {
      md.append("\n## Node lock\n\n")
          .append("The engine takes the node lock on every node before `")
          .append(lock.before())
          .append(
              "`, the first step that changes a node (and before any other such step the run"
                  + " reaches without holding it): all nodes or none, and a node another run holds"
                  + " refuses the step, naming that run. These are the engine's own commands, not a"
                  + " step's.\n\n");
      commands(md, lock.commands());
      if (unlock != null) {
        md.append("When the run ends, it removes each lock that names the run:\n\n");
        commands(md, unlock.commands());
      }
      md.setLength(md.length() - 1); // one blank line before the next heading, as elsewhere
    }
    Map<String, List<Plan.Entry>> byPath = new LinkedHashMap<>();
    plan.steps()
        .forEach(e -> byPath.computeIfAbsent(e.path(), p -> new java.util.ArrayList<>()).add(e));
    int number = 0;
    for (Map.Entry<String, List<Plan.Entry>> path : byPath.entrySet()) {
      md.append("\n## ")
          .append(path.getKey().equals("main") ? "Main path" : "Branch " + path.getKey())
          .append("\n");
      for (Plan.Entry e : path.getValue()) {
        number++;
        entry(md, number, e, lock != null && e.id().equals(lock.before()));
      }
    }
    return md.toString();
  }

  private static void entry(StringBuilder md, int number, Plan.Entry e, boolean locksBefore) {
    md.append("\n### ").append(number).append(". ");
    switch (e.kind()) {
      case "gate" -> md.append("Gate: ");
      case "end" -> md.append("End: ");
      case "start" -> md.append("Start: ");
      default -> {}
    }
    md.append(inline(e.name())).append(" (`").append(e.id()).append("`)\n\n");
    if (e.step() != null) {
      md.append("Step `")
          .append(e.step())
          .append("`, ")
          .append(e.effect())
          .append(", on ")
          .append(e.nodes().isEmpty() ? "the engine host" : String.join(", ", e.nodes()))
          .append(".\n\n");
    }
    if (e.gate() != null) {
      Plan.Gate g = e.gate();
      md.append("Needs ")
          .append(g.approvers())
          .append(g.approvers() == 1 ? " approver" : " distinct approvers")
          .append(g.starterMayApprove() ? "" : " other than the person who started the run")
          .append(g.role() == null ? "" : ", holding role `" + inline(g.role()) + "`")
          .append(g.timeout() == null ? "" : "; fails closed after " + inline(g.timeout()))
          .append(". Releases: ")
          .append(g.releases().isEmpty() ? "nothing" : String.join("; ", g.releases()))
          .append(".\n\n");
    }
    if (e.outcome() != null) {
      md.append("Outcome: **").append(e.outcome()).append("**.\n\n");
    }
    if (!e.documentation().isBlank()) {
      for (String line : e.documentation().strip().split("\n")) {
        md.append("> ").append(line.strip()).append("\n");
      }
      md.append("\n");
    }
    if (locksBefore) {
      md.append(
          "Before this step the engine takes the node lock on every node (see Node lock).\n\n");
    }
    if (!e.described()) {
      md.append("*This step does not describe its commands for a plan.*\n\n");
    }
    for (String note : e.notes()) {
      md.append("- ").append(note.replace("\n", " ")).append("\n");
    }
    for (Plan.Transfer t : e.transfers()) {
      md.append("- ")
          .append(t.kind().equals("upload") ? "uploads `" : "writes (SHA-256 `")
          .append(inline(t.source()))
          .append(t.kind().equals("upload") ? "` to " : "`) to ")
          .append(inline(t.node()))
          .append(":`")
          .append(inline(t.target()))
          .append("`\n");
    }
    for (String request : e.etcd()) {
      md.append("- asks etcd: `").append(inline(request)).append("`\n");
    }
    for (String u : e.unknown()) {
      md.append("- **Not shown without `--probe`** (no run is bound to this plan): ")
          .append(u.replace("\n", " "))
          .append("\n");
    }
    if (!e.notes().isEmpty()
        || !e.transfers().isEmpty()
        || !e.etcd().isEmpty()
        || !e.unknown().isEmpty()) {
      md.append("\n");
    }
    if (!e.discovered().isEmpty()) {
      md.append("Discovered:\n\n| node | what | value |\n|---|---|---|\n");
      e.discovered().forEach(d -> md.append(row(d.node(), d.what(), d.value())));
      md.append("\n");
    }
    commands(md, e.commands());
    if (!e.probes().isEmpty()) {
      md.append(
          "Only when this step's outcome is unknown (the engine process died during it, or a"
              + " connection broke mid-command), its probe reads:\n\n");
      commands(md, e.probes());
    }
    for (Plan.Diff d : e.diffs()) {
      md.append("Change on **").append(inline(d.node())).append("**:\n\n");
      fenced(md, "diff", d.diff());
    }
    if (!e.next().isEmpty()) {
      md.append("Next: ")
          .append(
              e.next().stream()
                  .map(
                      n ->
                          (n.when() == null ? "" : "on " + inline(n.when()) + " ")
                              + "→ `"
                              + n.to()
                              + "`")
                  .collect(Collectors.joining("; ")))
          .append("\n");
    }
  }

  /**
   * Commands by node; one that renders the same for several nodes is shown once, naming them all.
   */
  private static void commands(StringBuilder md, List<Plan.Command> commands) {
    Map<String, List<String>> byCommand = new LinkedHashMap<>();
    for (Plan.Command c : commands) {
      byCommand.computeIfAbsent(c.command(), k -> new java.util.ArrayList<>()).add(c.node());
    }
    byCommand.forEach(
        (command, nodes) -> {
          md.append("On **").append(inline(String.join(", ", nodes))).append("**:\n\n");
          fenced(md, "sh", command);
        });
  }

  /** A fenced block whose fence no backtick run inside it can close. */
  static void fenced(StringBuilder md, String lang, String text) {
    int longest = 0;
    Matcher m = BACKTICKS.matcher(text);
    while (m.find()) {
      longest = Math.max(longest, m.group().length());
    }
    String fence = "`".repeat(Math.max(3, longest + 1));
    md.append(fence)
        .append(lang)
        .append("\n")
        .append(text)
        .append("\n")
        .append(fence)
        .append("\n\n");
  }

  private static String row(String... cells) {
    StringBuilder r = new StringBuilder("|");
    for (String c : cells) {
      r.append(" ").append(cell(c)).append(" |");
    }
    return r.append("\n").toString();
  }

  /** A table cell: pipes escaped, line breaks kept visible, code spans not broken. */
  private static String cell(String s) {
    if (s == null) {
      return "";
    }
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n", "<br>");
  }

  private static String inline(String s) {
    return s == null ? "" : s.replace("\n", " ").replace("`", "'");
  }
}
