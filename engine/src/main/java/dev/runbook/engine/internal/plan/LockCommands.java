package dev.runbook.engine.internal.plan;

import java.util.Map;

/**
 * The engine's own commands for its lock on the nodes, as the plan shows them and the run sends
 * them (docs/engine.md, "One run per node"). The lock is a file at a fixed place on every node, so
 * it holds whatever engine home, engine host or cluster name a second run comes from.
 */
public final class LockCommands {

  /** Where the lock lives on a node: under /var/lib, which outlasts a reboot. */
  public static final String DIR = "/var/lib/runbook";

  public static final String LOCK = DIR + "/node.lock";
  public static final String TAKE = "commands/engine/node-lock.ftl";
  public static final String RELEASE = "commands/engine/node-unlock.ftl";

  /** Actions of {@link Plan.EngineAction}. */
  public static final String TAKE_ACTION = "node-lock";

  public static final String RELEASE_ACTION = "node-unlock";

  /** What a plan shows for what only the run knows when it takes the lock. */
  static final String HOME = "⟨engine home⟩";

  static final String HOST = "⟨engine host⟩";
  static final String SINCE = "⟨since⟩";

  private LockCommands() {}

  /** The take template's model beyond the run: who holds the lock, from where, since when. */
  public static Map<String, Object> take(String runId, String home, String host, String since) {
    return Map.of(
        "dir", DIR,
        "lock", LOCK,
        "part", DIR + "/.node.lock." + runId,
        "home", home,
        "host", host,
        "since", since);
  }

  /** The release template's model: the run the lock must name to be removed. */
  public static Map<String, Object> release(String holderRunId) {
    return Map.of("lock", LOCK, "holder", holderRunId);
  }

  /**
   * Does the step change a node, as its plan shows it: a MUTATING or DESTRUCTIVE step that sends a
   * command, a file or a request that changes the etcd cluster. A changing step that acts only on
   * the engine host, and every READ_ONLY step, leave the nodes unlocked; so does one that does not
   * describe itself, since the plan guard lets nothing the plan does not show leave for a node.
   */
  public static boolean changesNodes(Plan.Entry e) {
    return e != null
        && "step".equals(e.kind())
        && !"READ_ONLY".equals(e.effect())
        && (!e.commands().isEmpty() || !e.transfers().isEmpty() || !e.etcd().isEmpty());
  }
}
