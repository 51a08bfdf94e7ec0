package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.Inventory;
import dev.runbook.engine.api.PlanContext;
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
@Doc(
    "Creates the rehearsal's scratch dir on the node (it must not exist), uploads the snapshot into it and re-checks its SHA-256 there.")
final class RehearsalUpload extends DeclaredStep<RehearsalUpload.Input, RehearsalUpload.Output> {

  record Input(
      @Doc(value = "The snapshot file on the engine host.", required = true) String file,
      @Doc(value = "Its SHA-256 digest, as verified on the engine host.", required = true)
          String sha256,
      @Doc(
              value =
                  "Absolute directory on the node under which the rehearsal's scratch dir is made.",
              required = true)
          String scratchRoot,
      @Doc("Where an s3:// snapshot was fetched to on the engine host (the fetch step's dir).")
          String snapshotDir) {
    Input {
      if (file == null || sha256 == null || scratchRoot == null) {
        throw new IllegalArgumentException("file, sha256 and scratchRoot are required");
      }
    }
  }

  record Output(String scratch, String snapshot, String sha256) {}

  RehearsalUpload() {
    super("etcdRehearsalUpload", Input.class, Effect.MUTATING);
  }

  @Override
  public Output run(Input input, StepContext context) {
    String node = NodeCommands.single(context).name();
    Scratch s = Scratch.of(input.scratchRoot(), context.runId());
    Path local =
        Path.of(
            dev.runbook.runbooks.objectstore.S3Location.onEngineHost(
                input.file(), input.snapshotDir()));
    Map<String, Object> model;
    try {
      model = scratchModel(input.scratchRoot(), s, Long.toString(Files.size(local)));
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
            RestoreMembers.digestModel(s.snapshot(), input.sha256()),
            t);
    return new Output(s.dir(), s.snapshot(), kv.get("sha256"));
  }

  static Map<String, Object> scratchModel(String root, Scratch s, String bytes) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("root", root);
    model.put("dir", s.dir());
    model.put("bytes", bytes);
    return model;
  }

  @Override
  public void plan(PlanContext plan) {
    Scratch s = Scratch.of(plan.input("scratchRoot"), PlanContext.RUN_ID);
    // An s3:// snapshot is fetched into snapshotDir first; its size is known only then.
    String file =
        dev.runbook.runbooks.objectstore.S3Location.onEngineHost(
            plan.input("file"), plan.input("snapshotDir"));
    for (Inventory.Member m : plan.nodes()) {
      plan.command(
          m.name(),
          plan.render(
              "commands/etcd-rehearsal/make-scratch.ftl",
              scratchModel(
                  plan.input("scratchRoot"), s, VerifySnapshot.plannedSize(plan.input("file")))));
      plan.upload(m.name(), file, s.snapshot());
      plan.command(
          m.name(),
          plan.render(
              "commands/etcd-rehearsal/check-digest.ftl",
              RestoreMembers.digestModel(s.snapshot(), plan.input("sha256"))));
    }
  }
}
