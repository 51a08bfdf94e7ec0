package dev.runbook.engine.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** What a declared step answers when the engine cannot know whether it did its work. */
class DeclaredStepTest {

  record In(String x) {}

  record Out(String y) {}

  static final class Declared extends DeclaredStep<In, Out> {
    Declared(Rerun rerun) {
      super("declared", In.class, Effect.MUTATING, rerun);
    }

    Declared() {
      super("declared", In.class, Effect.DESTRUCTIVE);
    }

    @Override
    public Out run(In input, StepContext context) {
      return new Out(input.x());
    }
  }

  @Test
  void aStepDeclaredSafeToRunAgainIsRunAgainAndOneThatIsNotAsksAPerson() {
    // The probe of a SAFE step never looks at the context: none is given.
    assertThat(new Declared(DeclaredStep.Rerun.SAFE).probe(new In("a"), null))
        .isEqualTo(Step.Probe.NOT_DONE);
    assertThat(new Declared(DeclaredStep.Rerun.ASK).probe(new In("a"), null))
        .isEqualTo(Step.Probe.UNKNOWN);
    Declared plain = new Declared();
    assertThat(plain.probe(new In("a"), null)).isEqualTo(Step.Probe.UNKNOWN);
    assertThat(plain.name()).isEqualTo("declared");
    assertThat(plain.inputType()).isEqualTo(In.class);
    assertThat(plain.effect()).isEqualTo(Effect.DESTRUCTIVE);
  }

  @Test
  void everyDeclarationIsRequired() {
    assertThatThrownBy(() -> new Declared(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("rerun");
  }
}
