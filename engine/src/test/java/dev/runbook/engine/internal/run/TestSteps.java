package dev.runbook.engine.internal.run;

import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.Step;
import dev.runbook.engine.api.StepContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Local steps (no SSH) for the engine's own tests. */
final class TestSteps {

  private TestSteps() {}

  static List<Step<?, ?>> all() {
    return List.of(
        new Note(),
        new WriteFile(),
        new RenderedWrite(),
        new Slow("slowStep", Effect.READ_ONLY),
        new Slow("slowChange", Effect.MUTATING),
        new MoveAside(),
        new MoveBack(),
        new Remote("remoteRead", Effect.READ_ONLY),
        new Remote("remoteChange", Effect.MUTATING),
        new Remote("remoteDestroy", Effect.DESTRUCTIVE),
        new Upload(),
        new EtcdChange(),
        new Touch());
  }

  /**
   * Writes {@code dir/NODE.done} on each node (commands/outcome-test/touch.ftl); its probe reads
   * which are there: all of them DONE, else NOT_DONE (writing again is harmless); {@code
   * probe=unknown} answers UNKNOWN without looking.
   */
  static final class Touch implements Step<Touch.Input, Touch.Output> {
    static final String TOUCH = "commands/outcome-test/touch.ftl";
    static final String DONE = "commands/outcome-test/done.ftl";

    record Input(String dir, String probe) {}

    record Output(int written) {}

    public String name() {
      return "remoteTouch";
    }

    public Class<Input> inputType() {
      return Input.class;
    }

    public Effect effect() {
      return Effect.MUTATING;
    }

    public Output run(Input input, StepContext context) {
      for (var node : context.nodes()) {
        context.check(
            node.name(),
            context.render(TOUCH, Map.of("dir", input.dir(), "node", node)),
            java.time.Duration.ofSeconds(5));
      }
      return new Output(context.nodes().size());
    }

    @Override
    public Probe probe(Input input, StepContext context) {
      if (input.probe().equals("unknown")) {
        return Probe.UNKNOWN;
      }
      for (var node : context.nodes()) {
        String said =
            context
                .check(
                    node.name(),
                    context.render(DONE, Map.of("dir", input.dir(), "node", node)),
                    java.time.Duration.ofSeconds(5))
                .stdout()
                .strip();
        if (!said.equals("done")) {
          return Probe.NOT_DONE;
        }
      }
      return Probe.DONE;
    }

    @Override
    public void plan(PlanContext plan) {
      for (var node : plan.nodes()) {
        Map<String, Object> model = Map.of("dir", plan.input("dir"), "node", node);
        plan.command(node.name(), plan.render(TOUCH, model));
        plan.probe(node.name(), plan.render(DONE, model));
      }
    }
  }

  /**
   * What the remote steps slip in beyond what they plan, by their {@code what} input: a step
   * changed (or written) to send something nobody approved. Tests set and clear it.
   */
  static final Map<String, String> CHEATS = new java.util.concurrent.ConcurrentHashMap<>();

  /** Renders commands/guard-test/run.ftl for each node and sends it; plans the same. */
  static final class Remote implements Step<Remote.Input, Remote.Output> {
    static final String TEMPLATE = "commands/guard-test/run.ftl";

    record Input(String what, String value) {}

    record Output(int sent) {}

    private final String bean;
    private final Effect effect;

    Remote(String bean, Effect effect) {
      this.bean = bean;
      this.effect = effect;
    }

    public String name() {
      return bean;
    }

    public Class<Input> inputType() {
      return Input.class;
    }

    public Effect effect() {
      return effect;
    }

    public Output run(Input input, StepContext context) {
      int sent = 0;
      for (var node : context.nodes()) {
        String command =
            context.render(
                TEMPLATE, Map.of("what", input.what(), "value", input.value(), "node", node));
        String cheat = CHEATS.get(input.what());
        context.check(
            node.name(),
            cheat == null ? command : command + cheat,
            java.time.Duration.ofSeconds(5));
        sent++;
      }
      return new Output(sent);
    }

    @Override
    public void plan(PlanContext plan) {
      for (var node : plan.nodes()) {
        plan.command(
            node.name(),
            plan.render(
                TEMPLATE,
                Map.of("what", plan.input("what"), "value", plan.input("value"), "node", node)));
      }
    }
  }

  /** Uploads {@code file} to {@code target} on each node; plans the same. */
  static final class Upload implements Step<Upload.Input, Upload.Output> {
    record Input(String file, String target) {}

    record Output(int sent) {}

    public String name() {
      return "remoteUpload";
    }

    public Class<Input> inputType() {
      return Input.class;
    }

    public Effect effect() {
      return Effect.MUTATING;
    }

    public Output run(Input input, StepContext context) {
      String cheat = CHEATS.get("upload");
      for (var node : context.nodes()) {
        context
            .shell()
            .upload(node.name(), Path.of(input.file()), cheat == null ? input.target() : cheat);
      }
      return new Output(context.nodes().size());
    }

    @Override
    public void plan(PlanContext plan) {
      for (var node : plan.nodes()) {
        plan.upload(node.name(), plan.input("file"), plan.input("target"));
      }
    }
  }

  /**
   * DESTRUCTIVE: asks the engine before a request that changes the etcd cluster, as the pack's etcd
   * client does ({@code member remove ID} through the first node), and plans the same; sends
   * nothing itself. {@code CHEATS.get("etcd")} replaces the request.
   */
  static final class EtcdChange
      extends dev.runbook.engine.api.DeclaredStep<EtcdChange.Input, EtcdChange.Output> {
    record Input(String memberId) {}

    record Output(String asked) {}

    EtcdChange() {
      super("etcdChange", Input.class, Effect.DESTRUCTIVE);
    }

    public Output run(Input input, StepContext context) {
      String cheat = CHEATS.get("etcd");
      String request = cheat == null ? "member remove " + input.memberId() : cheat;
      context.etcdRequest(context.nodes().get(0).name(), request);
      return new Output(request);
    }

    @Override
    public void plan(PlanContext plan) {
      plan.etcdRequest("member remove " + plan.input("memberId"));
    }
  }

  /** DESTRUCTIVE: moves {@code path} to {@code path.aside}, as a stop moves a manifest aside. */
  static final class MoveAside implements Step<MoveAside.Input, MoveAside.Output> {
    record Input(String path) {}

    record Output(String aside) {}

    public String name() {
      return "moveAside";
    }

    public Class<Input> inputType() {
      return Input.class;
    }

    public Effect effect() {
      return Effect.DESTRUCTIVE;
    }

    public Output run(Input input, StepContext context) {
      Path aside = Path.of(input.path() + ".aside");
      try {
        Files.move(Path.of(input.path()), aside);
      } catch (IOException e) {
        throw new RunbookError(ErrorCode.STEP_FAILED, "cannot move " + input.path() + ": " + e);
      }
      return new Output(aside.toString());
    }

    @Override
    public Probe probe(Input input, StepContext context) {
      return Files.exists(Path.of(input.path() + ".aside")) ? Probe.DONE : Probe.NOT_DONE;
    }
  }

  /**
   * The rollback of {@link MoveAside}: moves {@code path.aside} back to {@code path}. Fails while
   * {@code path.fail-undo} exists, so a test sees a rollback that stops part way.
   */
  static final class MoveBack implements Step<MoveBack.Input, MoveBack.Output> {
    record Input(String path) {}

    record Output(boolean moved) {}

    public String name() {
      return "moveBack";
    }

    public Class<Input> inputType() {
      return Input.class;
    }

    public Effect effect() {
      return Effect.MUTATING;
    }

    public Output run(Input input, StepContext context) {
      Path path = Path.of(input.path());
      if (Files.exists(Path.of(input.path() + ".fail-undo"))) {
        throw new RunbookError(
            ErrorCode.STEP_FAILED, "told to fail: " + input.path() + ".fail-undo");
      }
      Path aside = Path.of(input.path() + ".aside");
      if (!Files.exists(aside)) {
        return new Output(false);
      }
      try {
        Files.move(aside, path);
      } catch (IOException e) {
        throw new RunbookError(ErrorCode.STEP_FAILED, "cannot move back " + aside + ": " + e);
      }
      return new Output(true);
    }

    @Override
    public Probe probe(Input input, StepContext context) {
      return Files.exists(Path.of(input.path() + ".aside")) ? Probe.NOT_DONE : Probe.DONE;
    }
  }

  static final class Note implements Step<Note.Input, Note.Output> {
    record Input(String text) {}

    record Output(String text) {}

    public String name() {
      return "note";
    }

    public Class<Input> inputType() {
      return Input.class;
    }

    public Effect effect() {
      return Effect.READ_ONLY;
    }

    public Output run(Input input, StepContext context) {
      // Both kinds of console line, so the tests see what reaches a listener.
      context.progress("noting: " + input.text());
      context.progress(
          new dev.runbook.engine.api.WaitProgress(
              "waiting on " + input.text(), 0, 1, "noted", java.time.Duration.ZERO, null));
      return new Output(input.text());
    }
  }

  static final class WriteFile implements Step<WriteFile.Input, WriteFile.Output> {
    record Input(String path) {
      Input {
        if (path == null || !path.startsWith("/")) {
          throw new IllegalArgumentException("path must be absolute");
        }
      }
    }

    record Output(String path) {}

    public String name() {
      return "writeFile";
    }

    public Class<Input> inputType() {
      return Input.class;
    }

    public Effect effect() {
      return Effect.MUTATING;
    }

    public Output run(Input input, StepContext context) {
      try {
        Files.writeString(Path.of(input.path()), context.runId());
      } catch (IOException e) {
        throw new RunbookError(ErrorCode.STEP_FAILED, "cannot write " + input.path() + ": " + e);
      }
      return new Output(input.path());
    }

    @Override
    public Probe probe(Input input, StepContext context) {
      return Files.exists(Path.of(input.path())) ? Probe.DONE : Probe.NOT_DONE;
    }
  }

  /**
   * Renders commands/plan-test/write.ftl (from the test's template dir) and writes the result to
   * {@code path}: its plan renders the same template through the same method.
   */
  static final class RenderedWrite implements Step<RenderedWrite.Input, RenderedWrite.Output> {
    static final String TEMPLATE = "commands/plan-test/write.ftl";

    record Input(String path) {}

    record Output(String command) {}

    public String name() {
      return "renderedWrite";
    }

    public Class<Input> inputType() {
      return Input.class;
    }

    public Effect effect() {
      return Effect.MUTATING;
    }

    public Output run(Input input, StepContext context) {
      String command = context.render(TEMPLATE, Map.of("path", input.path()));
      try {
        Files.writeString(Path.of(input.path()), command);
      } catch (IOException e) {
        throw new RunbookError(ErrorCode.STEP_FAILED, "cannot write " + input.path() + ": " + e);
      }
      return new Output(command);
    }

    @Override
    public void plan(PlanContext plan) {
      for (var node : plan.nodes()) {
        plan.command(node.name(), plan.render(TEMPLATE, Map.of("path", plan.input("path"))));
      }
    }
  }

  /**
   * Writes dir/NAME.started and dir/NAME.done, and between them hangs while dir/hang-NAME exists: a
   * test kills the engine process there. Its probe answers per the {@code probe} input.
   */
  static final class Slow implements Step<Slow.Input, Slow.Output> {
    record Input(String dir, String name, String probe) {}

    record Output(int runs) {}

    private final String bean;
    private final Effect effect;

    Slow(String bean, Effect effect) {
      this.bean = bean;
      this.effect = effect;
    }

    public String name() {
      return bean;
    }

    public Class<Input> inputType() {
      return Input.class;
    }

    public Effect effect() {
      return effect;
    }

    public Output run(Input input, StepContext context) {
      Path dir = Path.of(input.dir());
      try {
        Path started = dir.resolve(input.name() + ".started");
        int runs = Files.exists(started) ? Files.readString(started).length() + 1 : 1;
        Files.writeString(started, "x".repeat(runs));
        Files.writeString(dir.resolve(input.name() + ".done"), context.runId());
        while (Files.exists(dir.resolve("hang-" + input.name()))) {
          Thread.sleep(50);
        }
        return new Output(runs);
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public Probe probe(Input input, StepContext context) {
      if (input.probe().equals("file")) {
        return Files.exists(Path.of(input.dir(), input.name() + ".done"))
            ? Probe.DONE
            : Probe.NOT_DONE;
      }
      return Probe.UNKNOWN;
    }
  }
}
