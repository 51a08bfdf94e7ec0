package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.CommandResult;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.OutputListener;
import dev.runbook.engine.api.RemoteFailure;
import dev.runbook.engine.api.RemoteShell;
import dev.runbook.engine.api.RunEvent;
import dev.runbook.engine.internal.evidence.EngineKey;
import dev.runbook.engine.internal.evidence.EvidenceEvents;
import dev.runbook.engine.internal.plan.LockCommands;
import dev.runbook.engine.internal.plan.Plan;
import dev.runbook.engine.internal.plan.PlanGuard;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One run at a time on a node, whatever engine home, engine host or cluster name it comes from:
 * before a step that changes a node (as the bound plan shows it), the run takes a lock file on
 * every node of its inventory (external etcd's control planes included), all or none
 * (docs/engine.md, "One run per node"). The database's {@link ClusterLock} only keeps one home from
 * starting two runs on one cluster name; this one lives on the nodes. Released wherever the run
 * ends, removing only a lock that names the run.
 */
final class NodeLock {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** The statement action of a person breaking another run's lock. */
  static final String BREAK = "unlock";

  /** What a statement to break {@code holder}'s lock says as its decision. */
  static String breakDecision(String holder) {
    return "break " + holder;
  }

  /** The take template's exit when another run holds the node. */
  private static final int HELD = 4;

  private final RunSession session;
  // This process holds every node's lock (a new process takes it again, which the node allows).
  private boolean held;

  NodeLock(RunSession session) {
    this.session = session;
  }

  /**
   * The step was refused before it started: another run holds a node, or a node did not answer. Not
   * a step failure the process handles (no error path runs, nothing else is changed): the run
   * stops, and resume tries again.
   */
  static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message);
    }
  }

  /**
   * Takes the lock on every node before {@code activityId} when that step changes a node and this
   * process does not hold it yet.
   *
   * @throws Refused after releasing what it took, when a node is held by another run or unreachable
   */
  synchronized void before(String activityId) {
    Plan plan = session.plan();
    if (held || plan == null || !LockCommands.changesNodes(plan.entry(activityId))) {
      return;
    }
    Plan.EngineAction planned = plan.engineAction(LockCommands.TAKE_ACTION);
    if (planned == null) {
      return; // a plan made before node locks: what was approved shows none to send
    }
    String since = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    Map<String, Object> model = LockCommands.take(session.runId, homeId(), engineHost(), since);
    List<String> taken = new ArrayList<>();
    for (Inventory.Member m : session.inventory.nodes()) {
      String command = render(LockCommands.TAKE, model);
      String why = unplanned(planned, m.name(), command);
      CommandResult r = null;
      String failure = why;
      if (why == null) {
        try {
          r = send(activityId, m, LockCommands.TAKE_ACTION, command);
        } catch (RemoteFailure f) {
          failure = "the node did not answer: " + f.getMessage();
        }
      }
      if (r != null && r.exitStatus() == 0) {
        boolean again = r.stdout().strip().equals("again");
        if (!again) {
          // Only what this call took is let go on a refusal: a lock the run held already (from an
          // earlier process) guards what it changed there.
          taken.add(m.name());
        }
        session.emit(
            new RunEvent.NodeLocked(
                activityId,
                m.name(),
                LockCommands.LOCK,
                again,
                (String) model.get("home"),
                (String) model.get("host"),
                since));
        continue;
      }
      Map<String, String> holder =
          r != null && r.exitStatus() == HELD ? fields(r.stdout()) : Map.of();
      if (failure == null) {
        failure =
            holder.isEmpty()
                ? "the lock command failed (exit " + r.exitStatus() + "): " + r.stderr().strip()
                : null;
      }
      List<String> released = new ArrayList<>();
      for (String node : taken) {
        if (release(node).equals("released")) {
          released.add(node);
        }
      }
      session.emit(
          new RunEvent.NodeLockRefused(
              activityId,
              m.name(),
              holder.get("run"),
              holder.get("home"),
              holder.get("host"),
              holder.get("by"),
              holder.get("since"),
              failure,
              released));
      throw new Refused(refusal(activityId, m, holder, failure, released));
    }
    held = true;
  }

  /**
   * Lets go of every node this run took (as its evidence shows: a resume or abort in another
   * process releases what an earlier one took). A node that does not answer keeps its lock, which
   * is recorded and shown with how to break it; the run's end goes on.
   */
  synchronized void releaseAll() {
    for (String node : heldNodes(session.events())) {
      release(node);
    }
    held = false;
  }

  /**
   * Nodes this run may hold, as its evidence shows: every node its lock command was sent to (a
   * process killed between the node's {@code ln} and the {@code node.locked} record left a lock all
   * the same), but for a node that named another holder and those let go since. Releasing a node it
   * does not hold changes nothing there: the release removes only a lock naming this run.
   */
  static Set<String> heldNodes(List<EvidenceEvents.Recorded> evidence) {
    Set<String> nodes = new LinkedHashSet<>();
    for (EvidenceEvents.Recorded r : evidence) {
      RunEvent e = r.event();
      if (e instanceof RunEvent.NodeLockSent sent) {
        if (sent.action().equals(LockCommands.TAKE_ACTION)) {
          nodes.add(sent.node());
        }
      } else if (e instanceof RunEvent.NodeLocked locked) {
        nodes.add(locked.node());
      } else if (e instanceof RunEvent.NodeLockRefused refused) {
        if (refused.holderRun() != null) {
          nodes.remove(refused.node());
        }
      } else if (e instanceof RunEvent.NodeUnlocked unlocked) {
        if (!"failed".equals(unlocked.outcome())) {
          nodes.remove(unlocked.node());
        }
      }
    }
    return nodes;
  }

  /**
   * A person breaks {@code holder}'s lock on {@code node} (their statement is verified and recorded
   * already): removed only if the node's lock still names {@code holder}. Not a command of the
   * plan, which shows what the run does: this is a person's own action, recorded with what was
   * sent.
   *
   * @return what happened, for the person
   */
  synchronized String breakLock(String node, String holder, String by, String comment) {
    Inventory.Member m = session.inventory.node(node).orElseThrow();
    Removal done = remove(m, BREAK, render(LockCommands.RELEASE, LockCommands.release(holder)));
    String outcome = done.outcome();
    String detail = done.detail();
    session.emit(new RunEvent.NodeLockBroken(node, holder, by, comment, outcome, detail));
    return switch (outcome) {
      case "released" ->
          "the lock of run "
              + holder
              + " on "
              + node
              + " was removed, as "
              + by
              + " asked (recorded in run "
              + session.runId
              + "): `runbook resume "
              + session.runId
              + " --as NAME` takes the nodes' lock and goes on";
      case "absent" -> "there is no lock on " + node + " any more: nothing was removed";
      case "other" ->
          node + " is locked by another run than " + holder + ", left as it is:\n" + detail;
      default -> "the lock on " + node + " was not removed: " + detail;
    };
  }

  /** Removes this run's lock on {@code node}; returns the outcome it recorded. */
  private String release(String node) {
    Inventory.Member m = session.inventory.node(node).orElse(null);
    if (m == null) {
      return "absent";
    }
    String command = render(LockCommands.RELEASE, LockCommands.release(session.runId));
    Plan plan = session.plan();
    String why =
        plan == null
            ? null
            : unplanned(plan.engineAction(LockCommands.RELEASE_ACTION), node, command);
    Removal done =
        why != null ? new Removal("failed", why) : remove(m, LockCommands.RELEASE_ACTION, command);
    String outcome = done.outcome();
    String detail = done.detail();
    session.emit(new RunEvent.NodeUnlocked(node, outcome, detail));
    if (outcome.equals("failed")) {
      session.listener.notice(
          "the node lock of run "
              + session.runId
              + " stays on "
              + node
              + " ("
              + detail
              + "); once the node answers, remove "
              + LockCommands.LOCK
              + " there if it still names run "
              + session.runId);
    }
    return outcome;
  }

  /** What the unlock template said: released, absent, other (with the holder) or failed. */
  private record Removal(String outcome, String detail) {}

  private Removal remove(Inventory.Member m, String action, String command) {
    try {
      CommandResult r = send(null, m, action, command);
      List<String> lines = r.stdout().strip().lines().toList();
      String outcome = r.exitStatus() == 0 && !lines.isEmpty() ? lines.get(0) : "failed";
      return switch (outcome) {
        case "other" -> new Removal(outcome, String.join("\n", lines.subList(1, lines.size())));
        case "failed" -> new Removal(outcome, "exit " + r.exitStatus() + ": " + r.stderr().strip());
        default -> new Removal(outcome, null);
      };
    } catch (RemoteFailure f) {
      return new Removal("failed", "the node did not answer: " + f.getMessage());
    }
  }

  private CommandResult send(String activityId, Inventory.Member m, String action, String command) {
    RemoteShell shell = session.shell();
    String fingerprint = shell.connect(m.name());
    session.emit(
        new RunEvent.NodeLockSent(activityId, m.name(), m.host(), fingerprint, action, command));
    return shell.run(m.name(), command, TIMEOUT, OutputListener.NONE);
  }

  private String render(String template, Map<String, Object> extra) {
    return session.templates.render(
        template,
        dev.runbook.engine.internal.plan.TemplateModel.of(
            session.runId, session.inventory, session.parameters, session.startedBy, extra));
  }

  /** Why the bound plan does not show this command of the engine's, or null when it does. */
  private String unplanned(Plan.EngineAction planned, String node, String command) {
    List<String> shown =
        planned == null
            ? List.of()
            : planned.commands().stream()
                .filter(c -> c.node().equals(node))
                .map(Plan.Command::command)
                .toList();
    PlanGuard.Verdict v =
        PlanGuard.check(
            shown, command, new PlanGuard.Known(session.runId, session.startedBy, Map.of()), true);
    return v.allowed()
        ? null
        : "not sent: the engine's "
            + (planned == null ? "node lock" : planned.action())
            + " command for "
            + node
            + " is not what plan "
            + session.plan().sha256()
            + " shows (- plan, + now):\n"
            + v.difference();
  }

  private String refusal(
      String activityId,
      Inventory.Member m,
      Map<String, String> holder,
      String failure,
      List<String> released) {
    String undone =
        released.isEmpty()
            ? " Nothing was changed."
            : " Nothing else was changed: the locks this run had just taken on "
                + String.join(", ", released)
                + " were released.";
    if (failure != null) {
      return "not run: "
          + activityId
          + " needs the node lock on every node first, and "
          + m.name()
          + " refused it: "
          + failure
          + "."
          + undone;
    }
    String run = holder.getOrDefault("run", "?");
    return "not run: "
        + activityId
        + " changes the nodes, and node "
        + m.name()
        + " is locked by run "
        + run
        + " (engine host "
        + holder.getOrDefault("host", "?")
        + ", home "
        + holder.getOrDefault("home", "?")
        + ", started by "
        + holder.getOrDefault("by", "?")
        + ", since "
        + holder.getOrDefault("since", "?")
        + "): one run at a time on a node."
        + undone
        + " Wait for run "
        + run
        + " to end (`runbook status "
        + run
        + "` on that engine host), then `runbook resume "
        + session.runId
        + " --as NAME`. If that run is gone (its engine host died or its home was lost), a"
        + " person breaks its lock, signed and recorded in this run: `runbook unlock "
        + session.runId
        + " --node "
        + m.name()
        + " --holder "
        + run
        + " --as NAME --comment WHY`, then resumes.";
  }

  /** The holder's file: {@code key=value} lines. */
  static Map<String, String> fields(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        out.putIfAbsent(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return out;
  }

  /** Names the engine home: its key's comment and fingerprint. */
  private String homeId() {
    Path home = session.runDir.getParent().getParent();
    try {
      EngineKey.PublicKey key = EngineKey.loadOrCreate(home).publicKey();
      return key.comment() + " " + key.fingerprint();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the engine key of " + home, e);
    }
  }

  private static String engineHost() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      String env = System.getenv("HOSTNAME");
      return env == null || env.isBlank() ? "unknown" : env;
    }
  }
}
