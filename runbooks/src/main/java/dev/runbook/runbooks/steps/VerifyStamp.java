package dev.runbook.runbooks.steps;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.ErrorCode;
import dev.runbook.engine.api.PlanContext;
import dev.runbook.engine.api.RunbookError;
import dev.runbook.engine.api.StepContext;

/** Reads each node's stamp back: it must exist and name this run. */
@Doc("Reads each node's stamp back: it must exist and name this run.")
public final class VerifyStamp extends DeclaredStep<Stamp.Input, VerifyStamp.Output> {

  public record Output(boolean verified) {}

  public VerifyStamp() {
    super("verifyStamp", Stamp.Input.class, Effect.READ_ONLY);
  }

  @Override
  public Output run(Stamp.Input input, StepContext context) {
    if (!Stamp.allStamped(input, context)) {
      throw new RunbookError(
          ErrorCode.VALIDATION_FAILED,
          "a node's stamp is missing or does not name run " + context.runId());
    }
    return new Output(true);
  }

  @Override
  public void plan(PlanContext plan) {
    Stamp.planEveryNode(plan, Stamp.READ);
  }
}
