package dev.runbook.runbooks.steps;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.StepContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a stamp file naming the run on each node (ssh-check's one change): a small, visible,
 * reversible write that proves the engine can change a node, not only read it.
 */
@Doc("Writes a stamp file naming the run on each node: a small, visible, reversible change.")
public final class WriteStamp extends DeclaredStep<Stamp.Input, WriteStamp.Output> {

  /**
   * @param paths per node, the stamp file written
   */
  public record Output(Map<String, String> paths) {}

  public WriteStamp() {
    super("writeStamp", Stamp.Input.class, Effect.MUTATING);
  }

  @Override
  public Output run(Stamp.Input input, StepContext context) {
    Stamp.onEveryNode(input, context, "commands/ssh-check/write-stamp.ftl");
    Map<String, String> paths = new LinkedHashMap<>();
    context.nodes().forEach(n -> paths.put(n.name(), Stamp.path(input, context)));
    return new Output(paths);
  }

  /** Done when every node already has the stamp with this run's id in it. */
  @Override
  public Probe probe(Stamp.Input input, StepContext context) {
    return Stamp.allStamped(input, context) ? Probe.DONE : Probe.NOT_DONE;
  }

  @Override
  public void plan(PlanContext plan) {
    Stamp.planEveryNode(plan, "commands/ssh-check/write-stamp.ftl");
    Stamp.planProbe(plan);
  }
}
