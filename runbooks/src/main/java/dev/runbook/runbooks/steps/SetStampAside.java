package dev.runbook.runbooks.steps;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.StepContext;

/**
 * ssh-check's rollback: moves each node's stamp aside (renamed, never deleted) so the node is as
 * before the run for anything that looks for the stamp.
 */
@Doc("ssh-check's rollback: moves each node's stamp aside (renamed, never deleted).")
public final class SetStampAside extends DeclaredStep<Stamp.Input, SetStampAside.Output> {

  public record Output(int nodes) {}

  public SetStampAside() {
    // Moving aside is idempotent (the template skips a missing stamp): safe to run again.
    super("setStampAside", Stamp.Input.class, Effect.MUTATING, Rerun.SAFE);
  }

  @Override
  public Output run(Stamp.Input input, StepContext context) {
    Stamp.onEveryNode(input, context, "commands/ssh-check/set-stamp-aside.ftl");
    return new Output(context.nodes().size());
  }

  @Override
  public void plan(PlanContext plan) {
    Stamp.planEveryNode(plan, "commands/ssh-check/set-stamp-aside.ftl");
  }
}
