package dev.runbook.runbooks.etcd;

import dev.runbook.engine.api.DeclaredStep;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.StepContext;

/**
 * A step of etcd-member-replace: whatever it does, a member that cannot be reached or refuses a
 * call ends it as the runbook's ETCD_NOT_HEALTHY ({@link Replace#etcd}), which each task's boundary
 * handles. One place, so that no step of the runbook forgets it.
 */
abstract class EtcdReplaceStep<I extends Record, O extends Record> extends DeclaredStep<I, O> {

  EtcdReplaceStep(String name, Class<I> inputType, Effect effect) {
    super(name, inputType, effect);
  }

  EtcdReplaceStep(String name, Class<I> inputType, Effect effect, Rerun rerun) {
    super(name, inputType, effect, rerun);
  }

  @Override
  public final O run(I input, StepContext context) {
    return Replace.etcd(() -> replace(input, context));
  }

  /** What the step does; an {@link EtcdUnreachable} out of it is mapped by {@link #run}. */
  abstract O replace(I input, StepContext context);
}
