package dev.runbook.engine.api;

/**
 * One step of a runbook: what it does, with typed input and output. A step never sees Camunda
 * types; the engine maps the BPMN task's declared inputs to {@code I} (whose constructor validates
 * them), calls {@link #run}, records evidence around it and writes the output's components back to
 * the process. BPMN binds a step by its bean name: {@code camunda:delegateExpression="${name}"}.
 * The class and each component of {@code I} carry a {@link Doc}, for the Modeler's templates.
 *
 * @param <I> the input record; its compact constructor rejects bad values
 * @param <O> the output record
 */
public interface Step<I extends Record, O extends Record> {

  /** The bean name BPMN tasks use, e.g. {@code remoteCommand}. */
  String name();

  Class<I> inputType();

  Effect effect();

  /**
   * Does the work. Throw {@link RunbookError} for an outcome the process handles (a BPMN error with
   * a code from {@link ErrorCode}); a {@link RemoteFailure} from the shell is reported as {@link
   * ErrorCode#STEP_FAILED}.
   */
  O run(I input, StepContext context);

  /**
   * Describes for a plan what {@link #run} will do: each command per node, rendered through {@link
   * PlanContext#render} from the same templates and model the run uses (share the code that builds
   * them with {@link #run}, so plan and run cannot diverge), and what else it does. Must not change
   * anything; {@link PlanContext#read} is the only way to look at a node. The default says the step
   * does not describe itself, which the plan shows.
   */
  default void plan(PlanContext plan) {
    plan.undescribed();
  }

  /**
   * Only asked for MUTATING and DESTRUCTIVE steps whose outcome is unknown: in flight when the
   * engine died, or failed because the connection to a node broke mid-command ({@link
   * FailureReason#CONNECTION_LOST}). Is the change already made? The engine first waits for what
   * the step sent to end on its nodes. {@link Probe#UNKNOWN} (the default) stops the run at a
   * reconcile gate for a person to decide. After a broken connection, {@link Probe#NOT_DONE} runs
   * the step once more; a second failure takes the runbook's modelled failure path.
   */
  default Probe probe(I input, StepContext context) {
    return Probe.UNKNOWN;
  }

  /** What a probe found out about a step that was in flight when the engine died. */
  enum Probe {
    /** The change is there: do not run the step again. */
    DONE,
    /** Running the step (again) is safe: nothing was changed, or the step repeats harmlessly. */
    NOT_DONE,
    /** Cannot tell: a person must look (reconcile gate). */
    UNKNOWN
  }
}
