package dev.runbook.engine.internal.modeler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.engine.api.Doc;
import dev.runbook.engine.api.Effect;
import dev.runbook.engine.api.Step;
import dev.runbook.engine.api.StepContext;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The generator on steps made for it; the shipped pack is covered in the runbooks module. */
class ElementTemplatesTest {

  record Bare(String path, long count) {}

  record Described(
      @Doc(value = "Where it goes.", required = true) String path,
      @Doc(value = "How many.", defaultValue = "3") long count) {}

  record Out() {}

  static final class Undocumented implements Step<Bare, Out> {
    @Override
    public String name() {
      return "undocumentedStep";
    }

    @Override
    public Class<Bare> inputType() {
      return Bare.class;
    }

    @Override
    public Effect effect() {
      return Effect.MUTATING;
    }

    @Override
    public Out run(Bare input, StepContext context) {
      return new Out();
    }
  }

  @Doc("Does one thing.")
  static final class Documented implements Step<Described, Out> {
    @Override
    public String name() {
      return "wipeAll";
    }

    @Override
    public Class<Described> inputType() {
      return Described.class;
    }

    @Override
    public Effect effect() {
      return Effect.DESTRUCTIVE;
    }

    @Override
    public Out run(Described input, StepContext context) {
      return new Out();
    }
  }

  @Test
  void whatIsUndescribedIsNamedByStepAndInput() {
    assertThat(ElementTemplates.undescribed(List.of(new Undocumented(), new Documented())))
        .containsExactly(
            "step undocumentedStep: add @Doc(\"what it does\") to " + Undocumented.class.getName(),
            "step undocumentedStep: input path: add @Doc(\"what it means\") to that component of "
                + Bare.class.getName(),
            "step undocumentedStep: input count: add @Doc(\"what it means\") to that component of "
                + Bare.class.getName());
  }

  @Test
  @SuppressWarnings("unchecked")
  void aTemplateCarriesTheDocsTheEffectAndWhatIsRequired() {
    Map<String, Object> t = ElementTemplates.template(new Documented());

    assertThat(t.get("id")).isEqualTo("dev.runbook.wipeAll");
    assertThat(t.get("name")).isEqualTo("Wipe all");
    assertThat((String) t.get("description"))
        .isEqualTo("Does one thing. Effect: DESTRUCTIVE (only after an approval gate).");
    List<Map<String, Object>> props = (List<Map<String, Object>>) t.get("properties");
    assertThat(props).hasSize(5); // delegate, async, path, count, nodes
    assertThat(props.get(2))
        .containsEntry("label", "path")
        .containsEntry("description", "Where it goes.")
        .containsEntry("constraints", Map.of("notEmpty", true));
    assertThat(props.get(3))
        .containsEntry("description", "How many. A whole number.")
        .containsEntry("value", "3")
        .doesNotContainKey("constraints");
    assertThat(props.get(2)).doesNotContainKey("value");
    assertThat(props.get(4))
        .containsEntry("label", "nodes")
        .doesNotContainKey("constraints")
        .doesNotContainKey("value");
  }
}
