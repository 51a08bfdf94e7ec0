package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.StepContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Starts a throwaway etcd on the restored scratch data, on loopback ports nobody else uses. */
@Doc("Starts a throwaway etcd on the restored scratch data, on loopback ports nobody else uses.")
final class RehearsalStart extends DeclaredStep<RehearsalStart.Input, RehearsalStart.Output> {

  record Input(
      @Doc(
              value =
                  "Absolute directory on the node under which the rehearsal's scratch dir lives.",
              required = true)
          String scratchRoot,
      @Doc("Path of the etcd binary on the node.") String etcd,
      @Doc("Path of etcdctl on the node.") String etcdctl,
      @Doc("Loopback client port for the throwaway etcd (from the restore step).")
          Integer clientPort,
      @Doc("Loopback peer port for the throwaway etcd (from the restore step).") Integer peerPort) {
    Input {
      if (scratchRoot == null) {
        throw new IllegalArgumentException("scratchRoot is required");
      }
    }
  }

  record Output(String endpoint, String pid) {}

  RehearsalStart() {
    super("etcdRehearsalStart", Input.class, Effect.MUTATING);
  }

  @Override
  public Output run(Input input, StepContext context) {
    String node = NodeCommands.single(context).name();
    Scratch s = Scratch.of(input.scratchRoot(), context.runId());
    Map<String, String> kv =
        NodeCommands.check(
            context,
            node,
            START,
            startModel(input.etcd(), input.etcdctl(), s, input.clientPort(), input.peerPort()),
            Duration.ofSeconds(60));
    return new Output(
        NodeCommands.require(kv, "endpoint", "throwaway start"),
        NodeCommands.require(kv, "pid", "throwaway start"));
  }

  private static final String START = "commands/etcd/throwaway-start.ftl";

  static Map<String, Object> startModel(
      String etcd, String etcdctl, Scratch s, Object clientPort, Object peerPort) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("etcd", etcd);
    model.put("etcdctl", etcdctl);
    model.put("dataDir", s.dataDir());
    model.put("name", RehearsalRestore.NAME);
    model.put("clientPort", clientPort);
    model.put("peerPort", peerPort);
    model.put("logFile", s.logFile());
    model.put("pidFile", s.pidFile());
    return model;
  }

  @Override
  public void plan(PlanContext plan) {
    Scratch s = Scratch.of(plan.input("scratchRoot"), PlanContext.RUN_ID);
    Map<String, Object> model =
        startModel(
            plan.input("etcd"),
            plan.input("etcdctl"),
            s,
            plan.input("clientPort"),
            plan.input("peerPort"));
    for (var m : plan.nodes()) {
      plan.command(m.name(), plan.render(START, model));
    }
  }
}
