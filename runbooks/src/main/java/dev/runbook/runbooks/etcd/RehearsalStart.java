package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.Step;
import dev.runbook.engine.api.StepContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Starts a throwaway etcd on the restored scratch data, on loopback ports nobody else uses. */
final class RehearsalStart implements Step<RehearsalStart.Input, RehearsalStart.Output> {

  record Input(
      String scratchRoot, String etcd, String etcdctl, Integer clientPort, Integer peerPort) {}

  record Output(String endpoint, String pid) {}

  @Override
  public String name() {
    return "etcdRehearsalStart";
  }

  @Override
  public Class<Input> inputType() {
    return Input.class;
  }

  @Override
  public Effect effect() {
    return Effect.MUTATING;
  }

  @Override
  public Output run(Input input, StepContext context) {
    String node = NodeCommands.single(context).name();
    Scratch s = Scratch.of(input.scratchRoot(), context.runId());
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("etcd", input.etcd());
    model.put("etcdctl", input.etcdctl());
    model.put("dataDir", s.dataDir());
    model.put("name", RehearsalRestore.NAME);
    model.put("clientPort", input.clientPort());
    model.put("peerPort", input.peerPort());
    model.put("logFile", s.logFile());
    model.put("pidFile", s.pidFile());
    Map<String, String> kv =
        NodeCommands.check(
            context, node, "commands/etcd/throwaway-start.ftl", model, Duration.ofSeconds(60));
    return new Output(
        NodeCommands.require(kv, "endpoint", "throwaway start"),
        NodeCommands.require(kv, "pid", "throwaway start"));
  }
}
