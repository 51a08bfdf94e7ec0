package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RemoteFailure;
import dev.runbook.engine.api.StepContext;
import java.time.Duration;
import java.util.Map;

/**
 * Keeps the throwaway etcd's log as an artifact, stops the throwaway etcd by its pid (only if it is
 * the etcd on the scratch data) and removes the scratch dir, nothing else. Safe to run again.
 */
@Doc(
    "Keeps the throwaway etcd's log as an artifact, stops the throwaway etcd and removes the rehearsal's scratch dir, nothing else.")
final class RehearsalCleanUp extends DeclaredStep<RehearsalCleanUp.Input, RehearsalCleanUp.Output> {

  record Input(
      @Doc(
              value =
                  "Absolute directory on the node under which the rehearsal's scratch dir lives.",
              required = true)
          String scratchRoot) {
    Input {
      if (scratchRoot == null) {
        throw new IllegalArgumentException("scratchRoot is required");
      }
    }
  }

  record Output(String stopped, String removed) {}

  RehearsalCleanUp() {
    // Stopping and removing again is harmless.
    super("etcdRehearsalCleanUp", Input.class, Effect.MUTATING, Rerun.SAFE);
  }

  @Override
  public Output run(Input input, StepContext context) {
    String node = NodeCommands.single(context).name();
    Scratch s = Scratch.of(input.scratchRoot(), context.runId());
    try {
      context.artifact("throwaway-etcd.log", context.shell().read(node, s.logFile()));
    } catch (RemoteFailure e) {
      context.progress("no throwaway etcd log to keep: " + e.getMessage());
    }
    Map<String, String> kv =
        NodeCommands.check(
            context,
            node,
            "commands/etcd/throwaway-stop.ftl",
            stopModel(s),
            Duration.ofSeconds(60));
    return new Output(kv.get("stopped"), kv.get("removed"));
  }

  static Map<String, Object> stopModel(Scratch s) {
    return Map.of("pidFile", s.pidFile(), "dataDir", s.dataDir(), "scratchDir", s.dir());
  }

  @Override
  public void plan(PlanContext plan) {
    Scratch s = Scratch.of(plan.input("scratchRoot"), PlanContext.RUN_ID);
    for (Inventory.Member m : plan.nodes()) {
      plan.note("keeps " + m.name() + ":" + s.logFile() + " as an artifact when it exists (SFTP)");
      plan.command(m.name(), plan.render("commands/etcd/throwaway-stop.ftl", stopModel(s)));
    }
  }
}
