package dev.runbook.engine.internal.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.camunda.bpm.engine.variable.value.BytesValue;
import org.junit.jupiter.api.Test;

class StepDelegateValuesTest {

  @Test
  void aStringUpToCamundasColumnStaysAString() {
    String s = "x".repeat(StepDelegate.MAX_STRING_VARIABLE);
    assertThat(StepDelegate.processValue(s)).isSameAs(s);
    assertThat(StepDelegate.processValue(42L)).isEqualTo(42L);
  }

  @Test
  void aLongerStringIsKeptWholeAsUtf8Bytes() {
    String s = "é".repeat(StepDelegate.MAX_STRING_VARIABLE) + "end";
    Object v = StepDelegate.processValue(s);
    assertThat(v).isInstanceOf(BytesValue.class);
    assertThat(new String(((BytesValue) v).getValue(), StandardCharsets.UTF_8)).isEqualTo(s);
  }
}
