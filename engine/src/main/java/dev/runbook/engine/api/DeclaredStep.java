package dev.runbook.engine.api;

/**
 * A step whose name, input type and effect are declared once, in its constructor, instead of in
 * three methods that every step would repeat:
 *
 * <pre>{@code
 * final class TakeSnapshot extends DeclaredStep<TakeSnapshot.Input, TakeSnapshot.Output> {
 *   TakeSnapshot() {
 *     super("etcdTakeSnapshot", Input.class, Effect.MUTATING);
 *   }
 *   ...
 * }
 * }</pre>
 */
public abstract class DeclaredStep<I extends Record, O extends Record> implements Step<I, O> {

  /** What running the step again is, once the engine cannot know whether it did its work. */
  public enum Rerun {
    /** The step's own {@link #probe} says; without one, a person decides at a reconcile gate. */
    ASK,
    /**
     * Always safe: the step finds what an earlier try did and repeats harmlessly, so its probe
     * answers {@link Step.Probe#NOT_DONE} without looking. Say why where it is declared.
     */
    SAFE
  }

  private final String name;
  private final Class<I> inputType;
  private final Effect effect;
  private final Rerun rerun;

  /**
   * @param name the bean name BPMN service tasks give as {@code ${name}}
   * @param inputType the record the task's input parameters are bound to
   * @param effect what the step does to the nodes
   */
  protected DeclaredStep(String name, Class<I> inputType, Effect effect) {
    this(name, inputType, effect, Rerun.ASK);
  }

  /**
   * @param rerun whether running it again is always safe ({@link Rerun#SAFE}), for its probe
   */
  protected DeclaredStep(String name, Class<I> inputType, Effect effect, Rerun rerun) {
    this.name = java.util.Objects.requireNonNull(name, "name");
    this.inputType = java.util.Objects.requireNonNull(inputType, "inputType");
    this.effect = java.util.Objects.requireNonNull(effect, "effect");
    this.rerun = java.util.Objects.requireNonNull(rerun, "rerun");
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final Class<I> inputType() {
    return inputType;
  }

  @Override
  public final Effect effect() {
    return effect;
  }

  /** {@link Step.Probe#NOT_DONE} for a step declared {@link Rerun#SAFE}; else the step's own. */
  @Override
  public Probe probe(I input, StepContext context) {
    return rerun == Rerun.SAFE ? Probe.NOT_DONE : Probe.UNKNOWN;
  }
}
