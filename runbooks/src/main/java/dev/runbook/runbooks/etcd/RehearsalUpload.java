package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.Step;
import dev.runbook.engine.api.StepContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Creates the rehearsal's scratch dir on the node (it must not exist), uploads the snapshot into it
 * and re-checks its SHA-256 there.
 */
final class RehearsalUpload implements Step<RehearsalUpload.Input, RehearsalUpload.Output> {

  record Input(String file, String sha256, String scratchRoot) {}

  record Output(String scratch, String snapshot, String sha256) {}

  @Override
  public String name() {
    return "etcdRehearsalUpload";
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
    Path local = Path.of(input.file());
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("root", input.scratchRoot());
    model.put("dir", s.dir());
    try {
      model.put("bytes", Files.size(local));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Duration t = Duration.ofMinutes(10);
    NodeCommands.check(context, node, "commands/etcd-rehearsal/make-scratch.ftl", model, t);
    context.progress("uploading " + local + " to " + node + ":" + s.snapshot());
    context.shell().upload(node, local, s.snapshot());
    Map<String, String> kv =
        NodeCommands.check(
            context,
            node,
            "commands/etcd-rehearsal/check-digest.ftl",
            Map.of("file", s.snapshot(), "sha256", input.sha256()),
            t);
    return new Output(s.dir(), s.snapshot(), kv.get("sha256"));
  }
}
