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

  private final String name;
  private final Class<I> inputType;
  private final Effect effect;

  /**
   * @param name the bean name BPMN service tasks give as {@code ${name}}
   * @param inputType the record the task's input parameters are bound to
   * @param effect what the step does to the nodes
   */
  protected DeclaredStep(String name, Class<I> inputType, Effect effect) {
    this.name = java.util.Objects.requireNonNull(name, "name");
    this.inputType = java.util.Objects.requireNonNull(inputType, "inputType");
    this.effect = java.util.Objects.requireNonNull(effect, "effect");
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
}
